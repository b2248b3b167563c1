package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestCompilesForMacOS: every package that does not draw compiles for
// macOS on Apple silicon. There is no macOS SDK here, so this is without
// cgo; the window (Fyne's GLFW driver, cgo) is built and tested on a macOS
// runner by .github/workflows/release.yml.
func TestCompilesForMacOS(t *testing.T) {
	testkit.Need(t, "go")
	env := append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	const driver = "fyne.io/fyne/v2/internal/driver/glfw"
	list := exec.Command("go", "list", "-tags", "migrated_fynedo,nodynamic", "-f",
		`{{.ImportPath}}{{range .Deps}}{{if eq . "`+driver+`"}} draws{{end}}{{end}}`, "./...")
	list.Env = env
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var pkgs, draw []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if p, ok := strings.CutSuffix(l, " draws"); ok {
			draw = append(draw, p)
		} else {
			pkgs = append(pkgs, l)
		}
	}
	if len(draw) != 1 || draw[0] != "github.com/thumbdrop/thumbdrop" {
		t.Errorf("packages that link the GLFW driver: %v; only the main package should (ui draws through Fyne's API)", draw)
	}
	if len(pkgs) < 20 {
		t.Fatalf("only %d packages listed: %s", len(pkgs), out)
	}
	build := exec.Command("go", append([]string{"build", "-tags", "migrated_fynedo,nodynamic"}, pkgs...)...)
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=darwin GOARCH=arm64 go build (%d packages): %v\n%s", len(pkgs), err, out)
	}
	t.Logf("%d packages compile for darwin/arm64", len(pkgs))
}
