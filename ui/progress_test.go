package ui

import (
	"testing"
)

// TestBatchMessages: the end of a batch is said as it was.
func TestBatchMessages(t *testing.T) {
	for _, c := range []struct {
		total, failed int
		want          string
	}{
		{1, 0, "1 upload finished"}, {3, 0, "3 uploads finished"}, {1, 1, "1 upload failed"},
		{2, 2, "2 uploads failed"}, {2, 1, "1 upload finished, 1 failed"}, {5, 2, "3 uploads finished, 2 failed"},
	} {
		if got := batchMessage(c.total, c.failed); got != c.want {
			t.Errorf("%d uploads, %d failed: %q, want %q", c.total, c.failed, got, c.want)
		}
	}
}
