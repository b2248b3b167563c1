// Package testkit is what every package's tests share: the two tiers, the
// image corpora (Go's own, golang.org/x/image's), the real camera photos,
// and polling a condition instead of sleeping.
//
// The tiers: `go test -short ./...` is the fast tier, which runs no
// external process, starts no server and no X display and builds no
// binary; `scripts/test.sh` (make test) is the full tier, which sets
// THUMBDROP_REQUIRE_SERVERS=1 and runs everything. A test that needs any of
// those calls Heavy or Need before it sets anything up: skipped in -short,
// and in the full tier a missing tool fails it instead of skipping it.
//
// It imports nothing but the standard library, so the lowest packages
// (thumbnail) can use it in their tests.
package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FullTier reports whether the tests run as the full tier
// (THUMBDROP_REQUIRE_SERVERS=1, set by scripts/test.sh), where nothing may
// be skipped for a missing tool.
func FullTier() bool { return os.Getenv("THUMBDROP_REQUIRE_SERVERS") == "1" }

// Heavy skips t in the fast tier (-short): it builds a binary, starts a
// server, a process or an X display, or runs a long measurement. why says
// which, e.g. "builds and runs the real binary".
func Heavy(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why + " (the full tier: make test)")
	}
}

// Need is Heavy for a test that runs the given programs (found on PATH, or
// as absolute paths): skipped in -short; when one is missing, failed in
// the full tier and skipped otherwise.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	Heavy(t, "runs "+joinTools(tools))
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			Missing(t, tool+" not installed (scripts/install-deps.sh test installs it)")
		}
	}
}

// GoTool is Need for a server installed with 'go install': $env, PATH or
// ~/go/bin, in that order. It returns the program's path.
func GoTool(t testing.TB, name, env, module string) string {
	t.Helper()
	Heavy(t, "runs "+name)
	if p := os.Getenv(env); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	if p := filepath.Join(home, "go", "bin", name); exists(p) {
		return p
	}
	Missing(t, name+" not installed: go install "+module+" (scripts/install-deps.sh test does it)")
	return ""
}

// Missing fails t in the full tier and skips it otherwise.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if FullTier() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func joinTools(tools []string) string {
	s := ""
	for i, tool := range tools {
		if i > 0 {
			s += ", "
		}
		s += filepath.Base(tool)
	}
	return s
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
