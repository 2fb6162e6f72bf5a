package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// percentileRuns equals percentile_cont by sorting all the values, for
// values cut into runs in every way that matters (one run, many, empty
// and single-value runs, heavy ties, negative values), every p and many
// sizes.
func TestPercentileRunsEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 5, 10, 11, 100, 1001, 20000} {
		for trial := range 6 {
			all := make([]int64, n)
			for i := range all {
				switch trial % 3 {
				case 0: // ties
					all[i] = int64(rng.IntN(n/2+1)) * 250_000
				case 1: // long tail, µs
					all[i] = int64(rng.ExpFloat64() * 2e7)
				default: // around 2^32 µs, where runs change from 32 to 64 bits
					all[i] = math.MaxUint32 - 1000 + int64(rng.IntN(2001))
				}
			}
			// Cut into runs of random lengths, each sorted.
			var runs []*run
			for i := 0; i < n; {
				l := 1 + rng.IntN(max(1, n/(1+trial)))
				if trial == 0 {
					l = n // one run
				}
				r := slices.Clone(all[i:min(n, i+l)])
				slices.Sort(r)
				packed := newRun(r)
				runs = append(runs, &packed)
				i += l
			}
			sorted := slices.Clone(all)
			slices.Sort(sorted)
			for _, p := range []float64{0, 0.1, 0.5, 0.9, 0.99, 1} {
				pos := p * float64(n-1)
				lo, hi := math.Floor(pos), math.Ceil(pos)
				a, b := Secs(sorted[int(lo)]), Secs(sorted[int(hi)])
				want := a + (b-a)*(pos-lo)
				if got := percentileRuns(runs, n, p); got != want {
					t.Fatalf("n=%d trial=%d runs=%d p=%v: got %v, want %v", n, trial, len(runs), p, got, want)
				}
			}
		}
	}
	if got := percentileRuns(nil, 0, 0.5); !math.IsNaN(got) {
		t.Errorf("no values: %v, want NaN", got)
	}
}

// sortSmall sorts like slices.Sort, for every size and span; a run sorts
// values on both sides of 2^32.
func TestSortSmall(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var buf []uint32
	for _, n := range []int{0, 1, 2, 255, 256, 257, 1000, 70_000} {
		for _, span := range []int64{1, 2, 1000, 1 << 20, 1 << 32} {
			a := make([]uint32, n)
			for i := range a {
				a[i] = uint32(rng.Int64N(span))
			}
			want := slices.Clone(a)
			slices.Sort(want)
			buf = sortSmall(a, buf)
			if !slices.Equal(a, want) {
				t.Fatalf("n=%d span=%d: not sorted", n, span)
			}
		}
	}
	var r run
	var all []int64
	for range 5000 {
		x := math.MaxUint32 - 2500 + rng.Int64N(5000)
		r.add(x)
		all = append(all, x)
	}
	r.seal(nil)
	slices.Sort(all)
	for i, x := range all {
		if r.at(i) != x {
			t.Fatalf("run[%d] = %d, want %d", i, r.at(i), x)
		}
	}
}

// newRun packs sorted durations into a run.
func newRun(sorted []int64) run {
	var r run
	for _, x := range sorted {
		r.add(x)
	}
	return r
}
