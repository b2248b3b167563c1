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
// cgo; the window (ui and main: Fyne's widgets and GLFW driver, cgo on
// macOS) is built and tested on a macOS runner by
// .github/workflows/release.yml.
func TestCompilesForMacOS(t *testing.T) {
	testkit.Need(t, "go")
	env := append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	// Drawing: Fyne's widgets and its GLFW driver, which need cgo on macOS.
	list := exec.Command("go", "list", "-e", "-tags", "migrated_fynedo,nodynamic", "-f",
		`{{if .GoFiles}}{{.ImportPath}}{{range .Deps}}{{if eq . "fyne.io/fyne/v2/widget"}} draws{{end}}{{end}}{{end}}`, "./...")
	list.Env = env
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var pkgs, draw []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch p, ok := strings.CutSuffix(l, " draws"); {
		case l == "":
		case ok:
			draw = append(draw, p)
		default:
			pkgs = append(pkgs, l)
		}
	}
	if strings.Join(draw, " ") != "github.com/thumbdrop/thumbdrop github.com/thumbdrop/thumbdrop/ui" {
		t.Errorf("packages that draw: %v; only main and ui should (the core, the CLI and the agent never import Fyne's widgets)", draw)
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
