package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	fyneapp "fyne.io/fyne/v2/app"
)

// TestVersionFromFyneAppTOML: the version compiled in is FyneApp.toml's,
// --version and Help (Fyne's metadata) say the same, and a damaged file
// is refused rather than read as an empty version.
func TestVersionFromFyneAppTOML(t *testing.T) {
	if metaErr != nil {
		t.Fatal(metaErr)
	}
	src, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version *= *"([^"]+)"`).FindSubmatch(src)
	if m == nil || string(m[1]) != meta.Details.Version {
		t.Fatalf("FyneApp.toml's Version line %q, compiled in %q", m, meta.Details.Version)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(meta.Details.Version) {
		t.Errorf("version %q is not MAJOR.MINOR.PATCH (Debian and the Windows version resource need numbers)", meta.Details.Version)
	}
	v := programVersion()
	if !strings.HasPrefix(v, meta.Details.Version) {
		t.Errorf("--version says %q, FyneApp.toml %q", v, meta.Details.Version)
	}
	a := fyneapp.NewWithID(meta.Details.ID)
	if got := a.Metadata().Version; got != v {
		t.Errorf("Help shows version %q, --version %q", got, v)
	}
	if _, err := readMetadata("[Details]\nName = \"x\"\n"); err == nil {
		t.Error("a FyneApp.toml without ID and Version was accepted")
	}
	if _, err := readMetadata("[Details\n"); err == nil {
		t.Error("a broken FyneApp.toml was accepted")
	}
}
