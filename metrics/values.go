package metrics

import (
	"math"
	"slices"
	"sort"
)

// Percentiles are exact: PostgreSQL's percentile_cont over every value of a
// group, however the group was cut. A Partial keeps each group's durations
// sorted (in microseconds, so they compare and sum exactly); a group
// combined from many partials holds one sorted run per partial, and an
// order statistic of the union is found without merging the runs.

// run is a sorted run of durations (µs, never negative), held compactly:
// those below 2^32 µs (71 minutes: nearly all waits and replies) in 32
// bits, then the longer ones.
type run struct {
	small []uint32
	big   []int64
}

// add appends a duration (unsorted until seal).
func (r *run) add(us int64) {
	if us >= 0 && us <= math.MaxUint32 {
		r.small = append(r.small, uint32(us))
	} else {
		r.big = append(r.big, us)
	}
}

// seal sorts the run: every small value is below every big one, so the
// two sorted parts are the sorted run. buf is scratch space, returned.
func (r *run) seal(buf []uint32) []uint32 {
	buf = sortSmall(r.small, buf)
	slices.Sort(r.big)
	if cap(r.small) > len(r.small)+len(r.small)/8 { // keep no growth slack
		r.small = slices.Clip(slices.Clone(r.small))
	}
	return buf
}

func (r *run) len() int { return len(r.small) + len(r.big) }

func (r *run) at(i int) int64 {
	if i < len(r.small) {
		return int64(r.small[i])
	}
	return r.big[i-len(r.small)]
}

func (r *run) last() int64 { return r.at(r.len() - 1) }

// atMost counts the values <= v.
func (r *run) atMost(v int64) int {
	switch {
	case r.len() == 0 || r.at(0) > v:
		return 0
	case r.last() <= v:
		return r.len()
	case v < math.MaxUint32 && (len(r.big) > 0 || int64(r.small[len(r.small)-1]) > v):
		u := uint32(v)
		return sort.Search(len(r.small), func(i int) bool { return r.small[i] > u })
	}
	return len(r.small) + sort.Search(len(r.big), func(i int) bool { return r.big[i] > v })
}

func (r *run) bytes() int { return 4*len(r.small) + 8*len(r.big) + 48 }

// percentileRuns is percentile_cont(p) over n values held in sorted runs,
// in seconds: the two order statistics around p × (n − 1), interpolated.
func percentileRuns(runs []*run, n int, p float64) float64 {
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
func kthRuns(runs []*run, k int) int64 {
	if len(runs) == 1 {
		return runs[0].at(k)
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, r := range runs {
		lo, hi = min(lo, r.at(0)), max(hi, r.last())
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		n := 0
		for _, r := range runs {
			n += r.atMost(mid)
		}
		if n > k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// sortSmall sorts durations of 32 bits in place: an LSD radix sort of
// 11-bit digits over the bits the values span, several times faster than a
// comparison sort on the millions of durations of a month; short slices
// use slices.Sort. buf is scratch space, grown as needed and returned.
func sortSmall(a, buf []uint32) []uint32 {
	if len(a) < 256 {
		slices.Sort(a)
		return buf
	}
	lo, hi := a[0], a[0]
	for _, x := range a {
		lo, hi = min(lo, x), max(hi, x)
	}
	span := hi - lo
	if span == 0 {
		return buf
	}
	if cap(buf) < len(a) {
		buf = make([]uint32, len(a))
	}
	buf = buf[:len(a)]
	src, dst := a, buf
	const bits = 11
	for shift := uint(0); shift < 32 && span>>shift != 0; shift += bits {
		var count [1 << bits]int
		for _, x := range src {
			count[((x-lo)>>shift)&(1<<bits-1)]++
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, x := range src {
			d := ((x - lo) >> shift) & (1<<bits - 1)
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
	return buf
}
