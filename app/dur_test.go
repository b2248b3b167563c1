package app

import (
	"testing"
	"time"
)

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "60s", 90 * time.Second: "90s", 168 * time.Hour: "168h", 10 * time.Minute: "10m",
		time.Hour + 30*time.Minute: "1h30m", 20 * time.Second: "20s", 24 * time.Hour: "24h", 2*time.Minute + 5*time.Second: "2m5s",
	} {
		got := Duration(d).String()
		if got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
		if back, err := time.ParseDuration(got); err != nil || back != d {
			t.Errorf("%q reads back as %v", got, back)
		}
	}
}
