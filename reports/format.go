package reports

import (
	"math"

	"sqi/metrics"
)

// signedDuration is a change of s seconds: +0:04, −1:05 (a minus sign,
// U+2212, so that Excel does not take the text for a number), 0:00.
func signedDuration(s float64) string {
	if math.Round(s) > 0 {
		return "+" + metrics.DurationText(s)
	}
	if math.Round(s) == 0 {
		return "0:00"
	}
	return metrics.DurationText(s)
}

// shownChange is a change v of a value of kind k as it is shown: a
// duration's to the second (a change that reads 0:00 is no change, grey
// and without an arrow).
func shownChange(v float64, k metrics.Kind) float64 {
	if k == metrics.Seconds {
		return math.Round(v)
	}
	return v
}

// metricDirs says, for the metrics whose change is good or bad news,
// which way is better: +1 up, -1 down (metrics.Better). Volumes and the
// customer's own reply time are neither (0): their changes are grey.
func metricDirs(name string) int { return metrics.Better(name) }

// changeColour names the colour of a change v where dir says which way
// is better: better, worse or flat (no direction, or no change).
func changeColour(v float64, dir int) string {
	switch {
	case dir == 0 || v == 0:
		return "flat"
	case (v > 0) == (dir > 0):
		return "better"
	}
	return "worse"
}
