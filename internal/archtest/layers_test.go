// Package archtest checks the architecture of ../../shared/SPEC.md
// ("Never") against the packages' real imports, read with go/build for
// each platform thumbdrop is built for: the layering is checked, not
// hoped for.
package archtest

import (
	"go/build"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/thumbdrop/thumbdrop"

// pkgs maps each of the module's packages (import path) to its direct
// imports, on goos, without tests.
func pkgs(t *testing.T, goos string) map[string][]string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH, ctx.CgoEnabled = goos, "amd64", true
	ctx.BuildTags = []string{"migrated_fynedo", "nodynamic", "lambda.norpc"}
	out := map[string][]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		bp, err := ctx.ImportDir(p, 0)
		if err != nil {
			return nil // no Go files for this platform
		}
		rel, _ := filepath.Rel(root, p)
		path := module
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		// cloudfunction is a module of its own that imports ours by path.
		out[path] = bp.Imports
		return nil
	})
	if len(out) < 20 {
		t.Fatalf("found only %d packages under %s", len(out), root)
	}
	return out
}

// closure is every package p imports, directly or not, that is one of
// ours, with p.
func closure(all map[string][]string, p string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(q string) {
		if seen[q] {
			return
		}
		seen[q] = true
		for _, i := range all[q] {
			if _, ours := all[i]; ours {
				walk(i)
			}
		}
	}
	walk(p)
	var out []string
	for q := range seen {
		out = append(out, q)
	}
	sort.Strings(out)
	return out
}

func under(p, dir string) bool {
	return p == module+"/"+dir || strings.HasPrefix(p, module+"/"+dir+"/")
}

func isFyne(i string) bool { return strings.HasPrefix(i, "fyne.io/") }

func isSDK(i string) bool {
	return strings.HasPrefix(i, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(i, "github.com/aws/smithy-go")
}

func TestLayers(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		all := pkgs(t, goos)
		for p, imports := range all {
			for _, i := range imports {
				switch {
				// app, the core, never imports Fyne (nor does anything it
				// imports).
				case under(p, "app") && isFyne(i):
					t.Errorf("%s: %s imports %s: the core never imports Fyne", goos, p, i)
				// Front ends reach storage only through the core.
				case (under(p, "ui") || under(p, "cli") || under(p, "agent")) && (under(i, "storage") || isSDK(i)):
					t.Errorf("%s: %s imports %s: front ends reach storage only through app.Core", goos, p, i)
				// The image pipeline imports nothing of ours.
				case under(p, "thumbnail") && strings.HasPrefix(i, module) && !under(i, "thumbnail"):
					t.Errorf("%s: %s imports %s: thumbnail imports nothing of ours", goos, p, i)
				}
			}
		}
		for _, p := range []string{"app"} {
			for _, q := range closure(all, module+"/"+p) {
				for _, i := range all[q] {
					if isFyne(i) {
						t.Errorf("%s: %s reaches Fyne through %s", goos, p, q)
					}
				}
			}
		}
		// The function binaries stay small: the resize handler needs only
		// the image pipeline and the S3 API.
		for _, fn := range []string{"lambda", "resize"} {
			for _, q := range closure(all, module+"/"+fn) {
				if under(q, "app") || under(q, "ui") || under(q, "storage") || under(q, "cli") || under(q, "agent") {
					t.Errorf("%s: %s reaches %s", goos, fn, q)
				}
				for _, i := range all[q] {
					if isFyne(i) {
						t.Errorf("%s: %s reaches Fyne through %s", goos, fn, q)
					}
				}
			}
		}
		cf := module + "/cloudfunction"
		for _, q := range closure(all, cf) {
			for _, i := range all[q] {
				if under(i, "app") || under(i, "ui") || under(i, "storage") {
					t.Errorf("%s: the Cloud Function (%s) imports %s", goos, q, i)
				}
			}
		}
	}
}

// TestLayersCheckTheirRules: the rules above see a violation: a package
// that imported what it must not would be caught.
func TestLayersCheckTheirRules(t *testing.T) {
	all := pkgs(t, "linux")
	if !under(module+"/ui", "ui") || !isSDK("github.com/aws/aws-sdk-go-v2/service/s3") || !isFyne("fyne.io/fyne/v2") {
		t.Fatal("the rules' predicates do not match")
	}
	// app does reach storage, and storage the SDK: the closure sees
	// through packages.
	found := false
	for _, q := range closure(all, module+"/app") {
		for _, i := range all[q] {
			found = found || isSDK(i)
		}
	}
	if !found {
		t.Error("the closure of app does not reach the SDK: the walk sees nothing")
	}
	if len(all[module+"/ui"]) == 0 {
		t.Error("no imports read for ui")
	}
}
