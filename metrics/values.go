package metrics

import "math"

// values collects the values of a percentile metric. It grows in chunks
// that double up to maxChunk, so appending never copies what is already
// there: a month of reply turns is millions of values.
type values struct {
	chunks [][]float64
	n      int
}

const (
	firstChunk = 16
	maxChunk   = 1 << 16
)

func (v *values) add(x float64) {
	last := len(v.chunks) - 1
	if last < 0 || len(v.chunks[last]) == cap(v.chunks[last]) {
		size := firstChunk
		if last >= 0 {
			size = min(2*cap(v.chunks[last]), maxChunk)
		}
		v.chunks = append(v.chunks, make([]float64, 0, size))
		last++
	}
	v.chunks[last] = append(v.chunks[last], x)
	v.n++
}

// merge takes over o's chunks without copying them.
func (v *values) merge(o *values) {
	if o.n == 0 {
		return
	}
	// Keep a chunk with room at the end, so add goes on filling it.
	v.chunks = append(o.chunks, v.chunks...)
	v.n += o.n
}

// percentile is percentile_cont(p) over the values. Small sets are copied
// and selected; large ones are never copied whole: kth narrows the value
// range with histograms, reading the chunks only.
func (v *values) percentile(p float64) float64 {
	if v.n <= smallSet {
		return percentile(v.flat(), p)
	}
	pos := p * float64(v.n-1)
	lo := int(math.Floor(pos))
	first := v.kth(lo)
	if float64(lo) == pos {
		return first
	}
	second := v.kth(lo + 1)
	return first + (second-first)*(pos-float64(lo))
}

const (
	smallSet = 1 << 14
	buckets  = 1024
)

// kth returns the k-th smallest value (0-based). Each round counts the
// values of the current range [min, max] in equal-width buckets and keeps
// the bucket that holds rank k, until the bucket's values are few enough
// to select directly, or all equal.
func (v *values) kth(k int) float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range v.chunks {
		for _, x := range c {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	below := 0 // values < lo that are outside the range
	for {
		if lo == hi {
			return lo
		}
		width := hi - lo
		bucket := func(x float64) int {
			return min(int((x-lo)/width*buckets), buckets-1)
		}
		var counts [buckets]int
		for _, c := range v.chunks {
			for _, x := range c {
				if x >= lo && x <= hi {
					counts[bucket(x)]++
				}
			}
		}
		b, n := 0, below
		for ; b < buckets-1 && n+counts[b] <= k; b++ {
			n += counts[b]
		}
		if counts[b] <= smallSet {
			in := make([]float64, 0, counts[b])
			for _, c := range v.chunks {
				for _, x := range c {
					if x >= lo && x <= hi && bucket(x) == b {
						in = append(in, x)
					}
				}
			}
			return selectK(in, k-n)
		}
		// Narrow to the bucket: its values are those in [nlo, nhi].
		nlo, nhi := math.Inf(1), math.Inf(-1)
		for _, c := range v.chunks {
			for _, x := range c {
				if x >= lo && x <= hi && bucket(x) == b {
					nlo, nhi = min(nlo, x), max(nhi, x)
				}
			}
		}
		lo, hi, below = nlo, nhi, n
	}
}

// flat returns the values in one slice.
func (v *values) flat() []float64 {
	if len(v.chunks) == 1 {
		return v.chunks[0]
	}
	out := make([]float64, 0, v.n)
	for _, c := range v.chunks {
		out = append(out, c...)
	}
	return out
}

// percentile is percentile_cont(p) over a, which it reorders; it needs
// only the two order statistics around p × (n − 1), found by selection in
// linear time instead of a sort.
func percentile(a []float64, p float64) float64 {
	n := len(a)
	if n == 0 {
		return math.NaN()
	}
	pos := p * float64(n-1)
	lo := int(math.Floor(pos))
	first := selectK(a, lo)
	if float64(lo) == pos {
		return first
	}
	// Everything after a[lo] is now >= it: the next order statistic is
	// their minimum.
	second := a[lo+1]
	for _, x := range a[lo+2:] {
		if x < second {
			second = x
		}
	}
	return first + (second-first)*(pos-float64(lo))
}

// selectK reorders a so that a[k] is the k-th smallest value (0-based),
// with no larger value before it and no smaller one after it, and returns
// it (Hoare's quickselect with a median-of-three pivot).
func selectK(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}
