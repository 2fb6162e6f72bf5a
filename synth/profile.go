package synth

import (
	"math"
	"math/rand/v2"
	"time"
)

// Relative volume of rooms opened in each local hour: quiet at night, a
// late-morning peak, a lunch dip, a long afternoon and a tail into the
// evening. Weekends start later and stay flatter.
var (
	weekdayProfile = [24]float64{
		0.8, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.4, 3.0, 5.5, 7.2, 7.6,
		5.6, 6.6, 7.3, 7.1, 6.6, 5.6, 4.5, 4.0, 3.8, 3.4, 2.6, 1.6,
	}
	weekendProfile = [24]float64{
		1.2, 0.8, 0.5, 0.3, 0.3, 0.3, 0.5, 0.9, 1.8, 3.2, 4.8, 5.6,
		5.6, 5.8, 5.9, 5.8, 5.5, 5.0, 4.6, 4.4, 4.2, 3.8, 3.0, 2.0,
	}
)

// profile is an hourly profile ready for sampling.
type profile struct {
	cum  [25]float64 // cumulative share before each hour; cum[24] = 1
	load [24]float64 // volume of the hour over the mean hour
}

func newProfile(w [24]float64) profile {
	var p profile
	var total float64
	for _, x := range w {
		total += x
	}
	for h, x := range w {
		p.cum[h+1] = p.cum[h] + x/total
		p.load[h] = x / (total / 24)
	}
	p.cum[24] = 1
	return p
}

var profiles = [2]profile{newProfile(weekdayProfile), newProfile(weekendProfile)}

func profileOf(day time.Time) *profile {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return &profiles[1]
	}
	return &profiles[0]
}

// at maps u in [0, 1) to a local hour and the fraction of it elapsed, by
// the inverse of the profile's distribution.
func (p *profile) at(u float64) (hour int, frac float64) {
	for hour = 0; hour < 23 && u >= p.cum[hour+1]; hour++ {
	}
	return hour, (u - p.cum[hour]) / (p.cum[hour+1] - p.cum[hour])
}

// lognormal draws around median with the spread sigma: most values near
// the median, a long tail above it.
func lognormal(r *rand.Rand, median, sigma float64) float64 {
	return median * math.Exp(sigma*r.NormFloat64())
}

// between draws uniformly in [lo, hi).
func between(r *rand.Rand, lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// sec is s seconds at millisecond precision, the feed's precision.
func sec(s float64) time.Duration { return time.Duration(s*1000) * time.Millisecond }
