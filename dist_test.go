package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"debug/pe"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// make dist's artefacts, checked as a user gets them: the .deb installed
// with apt-get, run and removed; the tar.xz installed with its
// install.sh; the Windows zip's exe (wine_test.go runs it); the Lambda and
// Cloud Function zips.

var distState struct {
	once sync.Once
	dir  string
	err  error
}

// distDir is $THUMBDROP_DIST (make test runs make dist first), or else
// dist built here, once per test process, from a fresh clone of this
// working tree (its committed files and its uncommitted changes, without
// anything ignored or generated lying around), as CI builds it.
func distDir(t *testing.T) string {
	t.Helper()
	testkit.Need(t, "git", "make", "dpkg-deb", "dpkg-shlibdeps", "x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-windres",
		"convert", "desktop-file-validate", "xz", "zip", "python3")
	distState.once.Do(func() {
		if d := os.Getenv("THUMBDROP_DIST"); d != "" {
			distState.dir = d
			return
		}
		distState.dir, distState.err = cleanDist()
	})
	if distState.err != nil {
		t.Fatal(distState.err)
	}
	return distState.dir
}

func cleanDist() (string, error) {
	src, _ := os.Getwd()
	tmp, err := os.MkdirTemp("", "thumbdrop-dist-")
	if err != nil {
		return "", err
	}
	clone := filepath.Join(tmp, "src")
	steps := [][]string{
		{"git", "clone", "-q", "--no-checkout", src, clone},
		{"git", "-C", clone, "checkout", "-q", "--detach", strings.TrimSpace(gitOut(src, "rev-parse", "HEAD"))},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%v: %v\n%s", s, err, out)
		}
	}
	// The working tree's changes, committed or not.
	if diff := gitOut(src, "diff", "HEAD", "--binary"); diff != "" {
		apply := exec.Command("git", "-C", clone, "apply", "--whitespace=nowarn")
		apply.Stdin = strings.NewReader(diff)
		if out, err := apply.CombinedOutput(); err != nil {
			return "", fmt.Errorf("apply the working tree's changes: %v\n%s", err, out)
		}
	}
	for _, f := range strings.Fields(gitOut(src, "ls-files", "--others", "--exclude-standard")) {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			continue
		}
		os.MkdirAll(filepath.Dir(filepath.Join(clone, f)), 0o755)
		os.WriteFile(filepath.Join(clone, f), b, 0o644)
	}
	out := filepath.Join(tmp, "dist")
	cmd := exec.Command("scripts/dist.sh")
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "DIST="+out)
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("make dist in a fresh clone: %v\n%s", err, b)
	}
	fmt.Fprintf(os.Stderr, "make dist in a fresh clone: %s\n", time.Since(start).Round(time.Second))
	return out, nil
}

func gitOut(dir string, args ...string) string {
	out, _ := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	return string(out)
}

// TestDistArtefacts: dist/ holds exactly the artefacts SPEC names, with
// FyneApp.toml's version in their names and SHA256SUMS over them.
func TestDistArtefacts(t *testing.T) {
	d := distDir(t)
	v := meta.Details.Version
	want := []string{"thumbdrop_" + v + "_amd64.deb", "thumbdrop-" + v + "-linux-amd64.tar.xz",
		"thumbdrop-" + v + "-windows-amd64.zip", "thumbdrop-resize-arm64.zip", "thumbdrop-resize-gcf-source.zip"}
	for _, f := range want {
		st, err := os.Stat(filepath.Join(d, f))
		if err != nil {
			t.Errorf("dist has no %s: %v", f, err)
			continue
		}
		t.Logf("%-40s %6.1f MB", f, float64(st.Size())/1e6)
	}
	sums := exec.Command("sha256sum", "-c", "--strict", "SHA256SUMS")
	sums.Dir = d
	if out, err := sums.CombinedOutput(); err != nil || strings.Count(string(out), ": OK") != len(want) {
		t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}

	// Windows: a GUI-subsystem exe with its resources; the test-only
	// ProcessPrng stand-in is nowhere in the zip.
	z, err := zip.OpenReader(filepath.Join(d, want[2]))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
		if strings.Contains(strings.ToLower(f.Name), "bcryptprimitives") {
			t.Errorf("the Windows zip ships the test-only stand-in %s", f.Name)
		}
	}
	exe, err := exeFromZip(filepath.Join(d, want[2]))
	if err != nil {
		t.Fatal(err)
	}
	pf, err := pe.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if oh, ok := pf.OptionalHeader.(*pe.OptionalHeader64); !ok || oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		t.Errorf("thumbdrop.exe is not a 64-bit GUI-subsystem exe (a console would flash up on a double click)")
	}
	if pf.Section(".rsrc") == nil {
		t.Error("thumbdrop.exe has no resources (icon, version, manifest)")
	}
	if pf.Section(".symtab") != nil || pf.Section(".debug_info") != nil || pf.Section(".zdebug_info") != nil {
		t.Error("thumbdrop.exe carries symbols or DWARF: not built with -s -w")
	}
	if want := "thumbdrop-" + v + "-windows-amd64/thumbdrop.exe"; !contains(names, want) {
		t.Errorf("the Windows zip holds %v, want %s", names, want)
	}

	// The Lambda: a static arm64 bootstrap.
	lz, err := zip.OpenReader(filepath.Join(d, want[3]))
	if err != nil {
		t.Fatal(err)
	}
	defer lz.Close()
	var lnames []string
	var bootFile *zip.File
	for _, f := range lz.File {
		lnames = append(lnames, f.Name)
		if f.Name == "bootstrap" {
			bootFile = f
		}
	}
	if bootFile == nil {
		t.Fatalf("the Lambda zip holds no bootstrap: %v", lnames)
	}
	r, _ := bootFile.Open()
	var boot bytes.Buffer
	boot.ReadFrom(r)
	r.Close()
	if ef, err := elf.NewFile(bytes.NewReader(boot.Bytes())); err != nil || ef.Machine != elf.EM_AARCH64 || ef.Section(".interp") != nil {
		t.Errorf("bootstrap is not a static arm64 ELF binary (%v)", err)
	}

	// Every binary artefact carries the licences: ours, the notices of
	// the code derived from others, the texts of what is embedded.
	for what, list := range map[string][]string{"the Windows zip": names, "the Lambda zip": lnames} {
		prefix := ""
		if what == "the Windows zip" {
			prefix = "thumbdrop-" + v + "-windows-amd64/"
		}
		for _, f := range []string{"LICENSE", "NOTICE", "licenses/LICENSE-x-image", "licenses/LICENSE.libheif", "licenses/LICENSE.libde265"} {
			if !contains(list, prefix+f) {
				t.Errorf("%s has no %s", what, prefix+f)
			}
		}
	}

	// The Cloud Function's source, dependencies vendored, no tests.
	gz, err := zip.OpenReader(filepath.Join(d, want[4]))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	var gnames []string
	for _, f := range gz.File {
		gnames = append(gnames, f.Name)
		if strings.HasSuffix(f.Name, "_test.go") && !strings.HasPrefix(f.Name, "vendor/") {
			t.Errorf("the Cloud Function's source zip ships its test %s", f.Name)
		}
	}
	for _, f := range []string{"go.mod", "function.go", "vendor/modules.txt", "vendor/github.com/thumbdrop/thumbdrop/resize/resize.go"} {
		if !contains(gnames, f) {
			t.Errorf("the Cloud Function's source zip has no %s", f)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDebInstallRunRemove: apt-get installs the .deb on this Debian (its
// Depends resolve), /usr/bin/thumbdrop runs the command line and the
// desktop entry and icons are where desktops look; apt-get removes it all.
func TestDebInstallRunRemove(t *testing.T) {
	d := distDir(t)
	testkit.Need(t, "apt-get", "dpkg-query", "desktop-file-validate")
	deb := filepath.Join(d, "thumbdrop_"+meta.Details.Version+"_amd64.deb")
	info, err := exec.Command("dpkg-deb", "-f", deb, "Version", "Depends", "Architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Version: " + meta.Details.Version, "Architecture: amd64", "libc6", "libgl1", "libx11-6"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("control fields lack %q:\n%s", want, info)
		}
	}
	sudo := []string{}
	if os.Geteuid() != 0 {
		if exec.Command("sudo", "-n", "true").Run() != nil {
			testkit.Missing(t, "installing a .deb needs root (or sudo without a password)")
		}
		sudo = []string{"sudo", "-n"}
	}
	if st, _ := exec.Command("dpkg-query", "-W", "-f", "${Status}", "thumbdrop").Output(); strings.Contains(string(st), "installed") &&
		!strings.Contains(string(st), "not-installed") {
		t.Fatal("a thumbdrop package is installed on this machine already; this test would replace and remove it (apt-get remove thumbdrop first)")
	}
	apt := func(args ...string) {
		t.Helper()
		argv := append(append(append([]string{}, sudo...), "apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"), args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apt-get %v: %v\n%s", args, err, out)
		}
	}
	apt("install", "--no-install-recommends", deb)
	removed := false
	t.Cleanup(func() {
		if !removed {
			apt("remove", "--purge", "thumbdrop")
		}
	})
	out, err := exec.Command("/usr/bin/thumbdrop", "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "thumbdrop "+meta.Details.Version) {
		t.Errorf("/usr/bin/thumbdrop --version: %q %v", out, err)
	}
	dir := t.TempDir()
	photo := winPhoto(t, dir, "deb.jpg")
	if out, err := exec.Command("/usr/bin/thumbdrop", "thumbnail", "-o", filepath.Join(dir, "out"), photo).CombinedOutput(); err != nil {
		t.Errorf("/usr/bin/thumbdrop thumbnail: %v\n%s", err, out)
	}
	entry := "/usr/share/applications/" + meta.Details.ID + ".desktop"
	if out, err := exec.Command("desktop-file-validate", entry).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("desktop-file-validate %s: %v\n%s", entry, err, out)
	}
	b, _ := os.ReadFile(entry)
	for _, want := range []string{"Exec=thumbdrop %F\n", "Icon=" + meta.Details.ID + "\n", "image/jpeg;", "image/png;", "image/heic;", "image/avif;"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the desktop entry lacks %q:\n%s", want, b)
		}
	}
	for _, s := range []int{16, 32, 48, 64, 128, 256, 512} {
		p := fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/%s.png", s, s, meta.Details.ID)
		if _, err := os.Stat(p); err != nil {
			t.Errorf("no icon %s", p)
		}
	}
	cr, _ := os.ReadFile("/usr/share/doc/thumbdrop/copyright")
	for _, want := range []string{"License: BSD-3-Clause", "Redistribution and use", "LGPL"} {
		if !bytes.Contains(cr, []byte(want)) {
			t.Errorf("/usr/share/doc/thumbdrop/copyright lacks %q", want)
		}
	}
	for _, p := range []string{"NOTICE", "licenses/LICENSE.libheif", "licenses/LICENSE-libwebp"} {
		if _, err := os.Stat("/usr/share/doc/thumbdrop/" + p); err != nil {
			t.Errorf("the .deb has no /usr/share/doc/thumbdrop/%s", p)
		}
	}
	apt("remove", "--purge", "thumbdrop")
	removed = true
	for _, p := range []string{"/usr/bin/thumbdrop", entry} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there after apt-get remove", p)
		}
	}
}

// TestTarballInstall: the tar.xz's install.sh installs for one user (the
// binary, an entry naming it by its path, the icons) and --uninstall
// removes them.
func TestTarballInstall(t *testing.T) {
	d := distDir(t)
	v := meta.Details.Version
	dir := t.TempDir()
	if out, err := exec.Command("tar", "-C", dir, "-xJf", filepath.Join(d, "thumbdrop-"+v+"-linux-amd64.tar.xz")).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	prefix := filepath.Join(dir, "home", ".local")
	inst := filepath.Join(dir, "thumbdrop-"+v+"-linux-amd64", "install.sh")
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(inst, args...)
		cmd.Env = append(os.Environ(), "PREFIX="+prefix)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("install.sh %v: %v\n%s", args, err, out)
		}
	}
	run()
	bin := filepath.Join(prefix, "bin", "thumbdrop")
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "thumbdrop "+v) {
		t.Errorf("%s --version: %q %v", bin, out, err)
	}
	entry := filepath.Join(prefix, "share", "applications", meta.Details.ID+".desktop")
	b, err := os.ReadFile(entry)
	if err != nil || !bytes.Contains(b, []byte("Exec="+bin+" %F\n")) {
		t.Errorf("the installed entry does not run %s: %v\n%s", bin, err, b)
	}
	if out, err := exec.Command("desktop-file-validate", entry).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
	icon := filepath.Join(prefix, "share", "icons", "hicolor", "256x256", "apps", meta.Details.ID+".png")
	if _, err := os.Stat(icon); err != nil {
		t.Errorf("no icon: %v", err)
	}
	run("--uninstall")
	for _, p := range []string{bin, entry, icon} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there after --uninstall", p)
		}
	}
}
