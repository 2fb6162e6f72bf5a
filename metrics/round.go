package metrics

import (
	"math"
	"sort"
	"strconv"
)

// Round rounds v to places decimals, half away from zero, the way
// PostgreSQL's round(v::numeric, places) does: the float is first taken to
// 15 significant digits (as PostgreSQL's float8-to-numeric cast does), so
// 2.675 rounds to 2.68 although its binary value is 2.67499999...
func Round(v float64, places int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v == 0 {
		return v
	}
	// 15 significant digits: d.dddddddddddddde±XX
	s := strconv.FormatFloat(math.Abs(v), 'e', 14, 64)
	exp, _ := strconv.Atoi(s[17:])     // signed: "-03" for 0.00123
	digits := []byte(s[0:1] + s[2:16]) // 15 digits, value = 0.digits × 10^(exp+1)
	keep := exp + 1 + places           // digits before the rounding point
	var out float64
	switch {
	case keep < 0:
		out = 0
	case keep >= len(digits):
		out, _ = strconv.ParseFloat(s, 64)
	default:
		n := 0.0
		for _, c := range digits[:keep] {
			n = n*10 + float64(c-'0')
		}
		if digits[keep] >= '5' {
			n++
		}
		out = n / math.Pow10(places)
		// n / 10^places is exact enough: n has at most 15 digits.
		out, _ = strconv.ParseFloat(strconv.FormatFloat(out, 'f', places, 64), 64)
	}
	if out == 0 {
		return 0 // numeric has no negative zero: round(-0.004, 2) is 0.00
	}
	return math.Copysign(out, v)
}

// RoundKind rounds a metric value as docs/metrics.md says for its kind.
func RoundKind(k Kind, v float64) float64 {
	if k == Count {
		return math.Round(v)
	}
	return Round(v, 2)
}

// PercentileCont is PostgreSQL's percentile_cont(p) over values, which it
// sorts in place; NaN for no values.
func PercentileCont(values []float64, p float64) float64 {
	n := len(values)
	if n == 0 {
		return math.NaN()
	}
	if !sort.Float64sAreSorted(values) {
		sort.Float64s(values)
	}
	pos := p * float64(n-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	first := values[int(lo)]
	if lo == hi {
		return first
	}
	second := values[int(hi)]
	return first + (second-first)*(pos-lo)
}
