package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var built struct {
	sync.Mutex
	bins map[string]string
}

// Build builds the main package pkg (a directory, "." for the test's own)
// with the go command, once per test process for each pkg, tags and env,
// and returns the binary's path. The fast tier skips the test: it builds
// no binary. env adds variables to the build's environment
// ("CGO_ENABLED=0"). The binaries live in the system's temporary folder,
// named after the test process.
func Build(t testing.TB, pkg, tags string, env ...string) string {
	t.Helper()
	Heavy(t, "builds "+pkg)
	key := pkg + "\x00" + tags + "\x00" + strings.Join(env, "\x00")
	built.Lock()
	defer built.Unlock()
	if p, ok := built.bins[key]; ok {
		return p
	}
	wd, _ := os.Getwd()
	bin := filepath.Join(os.TempDir(), fmt.Sprintf("thumbdrop-test-%d-%s-%d", os.Getpid(), filepath.Base(filepath.Join(wd, pkg)), len(built.bins)))
	// -trimpath, as make dist builds: one build cache for both.
	args := []string{"build", "-trimpath", "-o", bin}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	if built.bins == nil {
		built.bins = map[string]string{}
	}
	built.bins[key] = bin
	return bin
}
