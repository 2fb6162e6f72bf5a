package reports

import (
	"fmt"
	"math"

	"sqi/metrics"
)

// durationText is a duration of s seconds as people read it, the text
// the workbook's durationFormat shows for the same value: m:ss under an
// hour (2:35, 59:59), h:mm:ss from an hour (1:02:07), rounded to the
// second. Whether it is under an hour is decided before rounding, as
// Excel's condition is: 3599.6 s reads 60:00.
func durationText(s float64) string {
	sign := ""
	if s < 0 {
		sign, s = "−", -s
	}
	r := int64(math.Round(s))
	if s < 3600 {
		return fmt.Sprintf("%s%d:%02d", sign, r/60, r%60)
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, r/3600, r/60%60, r%60)
}

// signedDuration is a change of s seconds: +0:04, −1:05 (a minus sign,
// U+2212, so that Excel does not take the text for a number), 0:00.
func signedDuration(s float64) string {
	if math.Round(s) > 0 {
		return "+" + durationText(s)
	}
	if math.Round(s) == 0 {
		return "0:00"
	}
	return durationText(s)
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
