package main

import (
	_ "embed"
	"fmt"
	"runtime/debug"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/BurntSushi/toml"

	"github.com/thumbdrop/thumbdrop/assets"
)

// FyneApp.toml is the one place the version is written: `--version`, the
// window's Help, the packages `make dist` writes (scripts/dist.sh reads the
// same line) and the Windows exe's version resource all take it from there.
//
//go:embed FyneApp.toml
var fyneAppTOML string

// appMetadata is FyneApp.toml's [Details].
type appMetadata struct {
	Details struct {
		ID, Name, Version string
		Build             int
	}
}

func readMetadata(src string) (appMetadata, error) {
	var m appMetadata
	if _, err := toml.Decode(src, &m); err != nil {
		return m, fmt.Errorf("FyneApp.toml: %w", err)
	}
	if m.Details.Version == "" || m.Details.ID == "" {
		return m, fmt.Errorf("FyneApp.toml: [Details] needs ID and Version")
	}
	return m, nil
}

// meta is read once, at start; FyneApp.toml is compiled in, so an error
// is a broken build, caught by TestVersionFromFyneAppTOML.
var meta, metaErr = readMetadata(fyneAppTOML)

// Fyne reads FyneApp.toml itself only under `go run` from the source
// folder (or when built by the fyne tool): hand it the same metadata, so
// Help shows the version --version prints wherever the binary runs.
func init() {
	fyneapp.SetMetadata(fyne.AppMetadata{ID: meta.Details.ID, Name: meta.Details.Name,
		Version: programVersion(), Build: meta.Details.Build, Icon: assets.Icon})
}

// programVersion is FyneApp.toml's version, followed by the commit the
// binary was built from when the build recorded one ("+changes": from a
// working tree with uncommitted changes).
func programVersion() string {
	v := meta.Details.Version
	if metaErr != nil {
		v = "(unknown version)"
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+changes"
	}
	return v + " (" + rev + ")"
}
