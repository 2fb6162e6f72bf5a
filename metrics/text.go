package metrics

import (
	"fmt"
	"math"
)

// DurationText is a duration of s seconds as people read it, in the
// workbook, the e-mail, the alerts and the web app alike: m:ss under an
// hour (2:35, 59:59), h:mm:ss from an hour (1:02:07), rounded to the
// second, a negative one with a minus sign (U+2212, so that a spreadsheet
// does not take the text for a number). Whether it is under an hour is
// decided before rounding, as the workbook's number format [<0.0416…]m:ss
// decides it on the value: 3599.6 s reads 60:00 everywhere.
func DurationText(s float64) string {
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
