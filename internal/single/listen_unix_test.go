//go:build !windows

package single

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLongDataDirUsesShortSocket(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("x", 120))
	if p := socketPath(long); len(p) >= 108 {
		t.Fatalf("socket path %d bytes: %s", len(p), p)
	}
}
