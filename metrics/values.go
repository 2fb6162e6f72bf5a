package metrics

import (
	"math"
	"sort"
)

// Percentiles are exact: PostgreSQL's percentile_cont over every value of a
// group, however the group was cut. A Partial keeps each group's durations
// sorted (in microseconds, so they compare and sum exactly); a group
// combined from many partials holds one sorted run per partial, and an
// order statistic of the union is found without merging the runs.

// percentileRuns is percentile_cont(p) over n values held in sorted runs,
// in seconds: the two order statistics around p × (n − 1), interpolated.
func percentileRuns(runs [][]int64, n int, p float64) float64 {
	if n == 0 {
		return math.NaN()
	}
	pos := p * float64(n-1)
	lo := int(math.Floor(pos))
	first := Secs(kthRuns(runs, lo))
	if float64(lo) == pos {
		return first
	}
	second := Secs(kthRuns(runs, lo+1))
	return first + (second-first)*(pos-float64(lo))
}

// kthRuns returns the k-th smallest value (0-based) of the union of sorted
// runs. One run is indexed; several are searched by value: the smallest v
// with more than k values <= v, counted by binary search in each run. The
// values are integers, so the search ends in at most 64 rounds.
func kthRuns(runs [][]int64, k int) int64 {
	if len(runs) == 1 {
		return runs[0][k]
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, r := range runs {
		lo, hi = min(lo, r[0]), max(hi, r[len(r)-1])
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if atMost(runs, mid) > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// atMost counts the values <= v in the runs.
func atMost(runs [][]int64, v int64) int {
	n := 0
	for _, r := range runs {
		if r[len(r)-1] <= v {
			n += len(r)
			continue
		}
		if r[0] > v {
			continue
		}
		n += sort.Search(len(r), func(i int) bool { return r[i] > v })
	}
	return n
}
