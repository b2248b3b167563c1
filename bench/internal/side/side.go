// Package side holds what the side-by-side comparisons (bench/thumbcompare,
// bench/setcompare) share: timing by median and printing ratios.
package side

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// Median runs f runs+1 times and returns the median time of all but the
// first run, which warms up (caches, a WebAssembly compile).
func Median(runs int, f func() error) (time.Duration, error) {
	var ts []time.Duration
	for i := 0; i < runs+1; i++ {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if i > 0 {
			ts = append(ts, time.Since(t0))
		}
	}
	slices.Sort(ts)
	return ts[len(ts)/2], nil
}

// MS is d in milliseconds.
func MS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Name is a file's name without its folder, for tables.
func Name(p string) string { return filepath.Base(p) }

// Opt formats v, or "-" where there is no figure (a peer not installed).
func Opt(v float64, format string) string {
	if v <= 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// Ratio is a/b as "0.53x", or "-" without b.
func Ratio(a, b float64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
