package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// percentile (selection) equals percentile_cont by sorting, on random data
// with ties, for every p that matters and many sizes.
func TestPercentileSelectionEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 5, 10, 11, 100, 1001, 20000} {
		for trial := range 5 {
			a := make([]float64, n)
			for i := range a {
				a[i] = float64(rng.IntN(n/2+1)) + float64(rng.IntN(3))*0.25 // ties
			}
			sorted := slices.Clone(a)
			slices.Sort(sorted)
			for _, p := range []float64{0, 0.1, 0.5, 0.9, 0.99, 1} {
				pos := p * float64(n-1)
				lo, hi := math.Floor(pos), math.Ceil(pos)
				want := sorted[int(lo)] + (sorted[int(hi)]-sorted[int(lo)])*(pos-lo)
				got := percentile(slices.Clone(a), p)
				if got != want {
					t.Fatalf("n=%d trial=%d p=%v: got %v, want %v", n, trial, p, got, want)
				}
			}
		}
	}
}

func TestValuesChunksKeepEveryValue(t *testing.T) {
	var v values
	for i := range 200_000 {
		v.add(float64(i))
	}
	f := v.flat()
	if len(f) != 200_000 || v.n != 200_000 {
		t.Fatalf("flat has %d values, n %d; want 200000", len(f), v.n)
	}
	for i, x := range f {
		if x != float64(i) {
			t.Fatalf("value %d is %v", i, x)
		}
	}
}

// The histogram path of values.percentile (large sets) equals sorting, on
// long-tailed data with heavy ties, as waits and replies are.
func TestValuesPercentileLargeEqualsSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		gen  func() float64
	}{
		{"long tail", func() float64 { return math.Round(rng.ExpFloat64()*20000) / 1000 }},
		{"heavy ties", func() float64 { return float64(rng.IntN(4)) }},
		{"one huge outlier", func() float64 {
			if rng.IntN(100000) == 0 {
				return 1e9
			}
			return rng.Float64()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v values
			all := make([]float64, 0, 100_003)
			for range 100_003 {
				x := tc.gen()
				v.add(x)
				all = append(all, x)
			}
			slices.Sort(all)
			for _, p := range []float64{0, 0.5, 0.9, 0.999, 1} {
				pos := p * float64(len(all)-1)
				lo, hi := math.Floor(pos), math.Ceil(pos)
				want := all[int(lo)] + (all[int(hi)]-all[int(lo)])*(pos-lo)
				if got := v.percentile(p); got != want {
					t.Fatalf("p=%v: got %v, want %v", p, got, want)
				}
			}
		})
	}
}
