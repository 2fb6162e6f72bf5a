package metrics

import "testing"

func TestDurationText(t *testing.T) {
	for _, c := range []struct {
		s    float64
		want string
	}{
		{0, "0:00"},
		{0.4, "0:00"},
		{59.4, "0:59"},
		{59.5, "1:00"},
		{155, "2:35"},
		{629.26, "10:29"},
		{3599.4, "59:59"},
		{3599.6, "60:00"}, // under an hour before rounding, as the workbook's format decides
		{3600, "1:00:00"},
		{3727, "1:02:07"},
		{90061, "25:01:01"},
		{-65, "−1:05"},
		{-3727, "−1:02:07"},
	} {
		if got := DurationText(c.s); got != c.want {
			t.Errorf("DurationText(%v) = %q, want %q", c.s, got, c.want)
		}
	}
}
