package metrics

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// TestRound: half away from zero on the float's 15-significant-digit
// decimal, as PostgreSQL's round(v::numeric, places) does after its
// float8-to-numeric cast. Each expected value is what PostgreSQL answers
// to SELECT round(v::float8::numeric, places).
func TestRound(t *testing.T) {
	cases := []struct {
		v      float64
		places int
		want   float64
	}{
		{2.675, 2, 2.68}, // binary 2.67499999999999982236431605997495353221893310546875
		{2.665, 2, 2.67},
		{1.005, 2, 1.01},
		{-2.675, 2, -2.68},
		{42.75, 2, 42.75},
		{33.333333333333336, 2, 33.33},
		{66.66666666666667, 2, 66.67},
		{7.6000000000000005, 2, 7.6},
		{99.995, 2, 100},
		{99.994999, 2, 99.99},
		{123456789.125, 2, 123456789.13},
		{1234567890123.456, 2, 1234567890123.46},
		{73.57142857142857, 2, 73.57},
		{1.5, 0, 2},
		{2.5, 0, 3}, // not banker's rounding
		{-0.5, 0, -1},
		{47.702380952380956, 1, 47.7},
		{84.95, 1, 85},
		{84.94999, 1, 84.9},
		{59.82142857142857, 1, 59.8},
		// Values below 1 (sub-second durations, small rates and points).
		{0.5, 2, 0.5},
		{0.125, 2, 0.13},
		{0.015, 2, 0.02}, // binary 0.01499999999999999944
		{0.005, 2, 0.01},
		{0.0049999, 2, 0},
		{0.004, 2, 0},
		{-0.125, 2, -0.13},
		{0.05, 1, 0.1},
		{0.04, 1, 0},
		{0.96, 1, 1},
		{0.123456, 2, 0.12},
		{1e-20, 2, 0},
		{0, 2, 0},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/%d", tc.v, tc.places), func(t *testing.T) {
			if got := Round(tc.v, tc.places); got != tc.want {
				t.Errorf("Round(%v, %d) = %v, want %v", tc.v, tc.places, got, tc.want)
			}
		})
	}
	// PostgreSQL's numeric has no negative zero: -0.004 rounds to 0.00.
	if got := Round(-0.004, 2); got != 0 || math.Signbit(got) {
		t.Errorf("Round(-0.004, 2) = %v, want 0", got)
	}
	if got := Round(math.NaN(), 2); !math.IsNaN(got) {
		t.Errorf("Round(NaN) = %v", got)
	}
}

func TestRoundKind(t *testing.T) {
	cases := []struct {
		k    Kind
		v    float64
		want float64
	}{
		{Count, 3, 3},
		{Count, 2.5, 3},
		{Seconds, 0.125, 0.13},
		{Seconds, 5.333333333333333, 5.33},
		{Percent, 33.333333333333336, 33.33},
		{Percent, 0.5, 0.5},
		{Points, 4.125, 4.13},
		{Points, 55.55555555555556, 55.56},
	}
	for _, tc := range cases {
		if got := RoundKind(tc.k, tc.v); got != tc.want {
			t.Errorf("RoundKind(%d, %v) = %v, want %v", tc.k, tc.v, got, tc.want)
		}
	}
	// Row.Rounded keeps null.
	var r Row
	r.Values[MWaitAvg] = Value{Null: true}
	r.Values[MReplyAvg] = Value{V: 0.125}
	if v := r.Rounded(MWaitAvg); !v.Null {
		t.Errorf("Rounded(null) = %+v", v)
	}
	if v := r.Rounded(MReplyAvg); v.Null || v.V != 0.13 {
		t.Errorf("Rounded(0.125 s) = %+v, want 0.13", v)
	}
}

// TestPercentileCont: PostgreSQL's percentile_cont(p): the value at
// position p × (n − 1) of the sorted values, interpolated linearly.
func TestPercentileCont(t *testing.T) {
	cases := []struct {
		values []float64
		p      float64
		want   float64
	}{
		{[]float64{1, 2, 3, 4, 10}, 0.9, 7.6}, // pos 3.6: 4 + 0.6×6
		{[]float64{1, 2, 3, 4, 10}, 0.5, 3},
		{[]float64{10, 1, 4, 2, 3}, 0.9, 7.6}, // unsorted input
		{[]float64{10, 30, 31, 100}, 0.5, 30.5},
		{[]float64{10, 30, 31, 100}, 0.9, 79.3}, // pos 2.7: 31 + 0.7×69
		{[]float64{1, 2}, 0.9, 1.9},
		{[]float64{1, 2}, 0.5, 1.5},
		{[]float64{5}, 0.9, 5},
		{[]float64{5}, 0.5, 5},
		{[]float64{3, 1, 2}, 0, 1},
		{[]float64{3, 1, 2}, 1, 3},
		{[]float64{7, 7, 7, 7}, 0.9, 7},
		{[]float64{0, 0, 0, 100}, 0.9, 70}, // pos 2.7: 0 + 0.7×100
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%v/%v", tc.values, tc.p), func(t *testing.T) {
			got := PercentileCont(slices.Clone(tc.values), tc.p)
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("= %v, want %v", got, tc.want)
			}
			if Round(got, 2) != tc.want {
				t.Errorf("rounded = %v, want %v", Round(got, 2), tc.want)
			}
		})
	}
	if got := PercentileCont(nil, 0.9); !math.IsNaN(got) {
		t.Errorf("no values: %v, want NaN", got)
	}
}
