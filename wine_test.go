package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// The Windows exe for real, under Wine (Debian's wine64): the command line,
// local mode with the agent, Windows' folders, the Credential Manager and
// the window. The exe is the one `make dist` zipped (see distDir), or
// $THUMBDROP_WINDOWS_EXE. One Wine prefix serves the whole test process (wineboot
// takes a while); each test has its own folders in it.
//
// Where Wine is not Windows, the tests say so where it shows:
//   - Wine 8.0 has no bcryptprimitives.dll (Go's runtime needs its
//     ProcessPrng): a test-only stand-in (testdata/wine) goes into the
//     prefix's system32. It is never shipped.
//   - Wine gives every process it starts its parent's Unix stderr (for its
//     own messages): the agent started by `upload` keeps a stderr pipe open
//     while it runs. On Windows only the handles Go passes are inherited.
//     So stdout goes to a pipe here (it must not be kept), stderr to a file.
//   - The Credential Manager is Wine's: entries in the prefix's registry
//     (user.reg), the secret encrypted with a key kept beside it, where
//     Windows protects it with the user's logon (DPAPI).
//   - Wine has no Hangul font, so Korean names draw as boxes in its window.

var wineState struct {
	once sync.Once
	w    *winePrefix
	err  error
}

type winePrefix struct {
	dir    string // WINEPREFIX
	wine   string // the wine64 loader
	exe    string // thumbdrop.exe, inside the prefix (C:\thumbdrop\thumbdrop.exe)
	user   string // the Windows user name (the Unix one)
	server *exec.Cmd
}

// wineTool is Debian's wine64 loader (wine64 on PATH elsewhere).
func wineTool() string {
	if p, err := exec.LookPath("wine64"); err == nil {
		return p
	}
	return "/usr/lib/wine/wine64"
}

func startWine(t *testing.T) *winePrefix {
	t.Helper()
	testkit.Need(t, wineTool(), "wineserver", "x86_64-w64-mingw32-gcc")
	exe := windowsExe(t)
	wineState.once.Do(func() { wineState.w, wineState.err = newPrefix(exe) })
	if wineState.err != nil {
		t.Fatal(wineState.err)
	}
	return wineState.w
}

// stopWine ends the prefix's wineserver and removes the prefix (TestMain).
func stopWine() {
	w := wineState.w
	if w == nil {
		return
	}
	k := exec.Command("wineserver", "-k")
	k.Env = w.env()
	k.Run()
	w.server.Wait()
	os.RemoveAll(w.dir)
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopWine()
	if winExe.path != "" {
		os.Remove(winExe.path) // unzipped from dist for this process
	}
	os.Exit(code)
}

func (w *winePrefix) env(extra ...string) []string {
	env := []string{"WINEPREFIX=" + w.dir, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml="}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES", "THUMBDROP_CONFIG_DIR", "THUMBDROP_DATA_DIR", "DISPLAY", "WAYLAND_DISPLAY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func newPrefix(exe string) (*winePrefix, error) {
	dir, err := os.MkdirTemp("", "thumbdrop-wine-")
	if err != nil {
		return nil, err
	}
	w := &winePrefix{dir: dir, wine: wineTool(), user: os.Getenv("USER")}
	if w.user == "" {
		w.user = "root"
		if out, err := exec.Command("id", "-un").Output(); err == nil {
			w.user = strings.TrimSpace(string(out))
		}
	}
	// Our own wineserver, persistent for the test process and with its
	// output in a file: one started by a command would keep that command's
	// stderr.
	logf, err := os.Create(filepath.Join(dir, "wineserver.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	w.server = exec.Command("wineserver", "-f", "-p")
	w.server.Env = w.env()
	w.server.Stdout, w.server.Stderr = logf, logf
	if err := w.server.Start(); err != nil {
		return nil, fmt.Errorf("wineserver: %w", err)
	}
	boot := exec.Command(w.wine, "wineboot", "--init")
	boot.Env = w.env()
	if out, err := runTo(boot, filepath.Join(dir, "wineboot.log"), 5*time.Minute); err != nil {
		return nil, fmt.Errorf("wineboot: %v\n%s", err, out)
	}
	sys32 := filepath.Join(dir, "drive_c", "windows", "system32")
	if _, err := os.Stat(filepath.Join(sys32, "bcryptprimitives.dll")); err != nil {
		cc := exec.Command("x86_64-w64-mingw32-gcc", "-O2", "-shared", "-s", "-o", filepath.Join(sys32, "bcryptprimitives.dll"),
			"testdata/wine/bcryptprimitives.c", "testdata/wine/bcryptprimitives.def", "-lbcrypt")
		if out, err := cc.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("build the ProcessPrng stand-in: %v\n%s", err, out)
		}
	}
	w.exe = filepath.Join(dir, "drive_c", "thumbdrop", "thumbdrop.exe")
	os.MkdirAll(filepath.Dir(w.exe), 0o755)
	b, err := os.ReadFile(exe)
	if err != nil {
		return nil, err
	}
	return w, os.WriteFile(w.exe, b, 0o755)
}

// runTo runs cmd with its output in file (never a pipe: a Wine child
// would keep it), and returns that output.
func runTo(cmd *exec.Cmd, file string, timeout time.Duration) (string, error) {
	f, err := os.Create(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(timeout):
		cmd.Process.Kill()
		err = fmt.Errorf("did not end within %s", timeout)
		<-done
	}
	b, _ := os.ReadFile(file)
	return string(b), err
}

var winExe struct {
	once sync.Once
	path string
	err  error
}

// windowsExe is thumbdrop.exe from make dist's zip (distDir), or
// $THUMBDROP_WINDOWS_EXE.
func windowsExe(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("THUMBDROP_WINDOWS_EXE"); p != "" {
		return p
	}
	d := distDir(t)
	winExe.once.Do(func() {
		winExe.path, winExe.err = exeFromZip(filepath.Join(d, "thumbdrop-"+meta.Details.Version+"-windows-amd64.zip"))
	})
	if winExe.err != nil {
		t.Fatal(winExe.err)
	}
	return winExe.path
}

func exeFromZip(p string) (string, error) {
	z, err := zip.OpenReader(p)
	if err != nil {
		return "", fmt.Errorf("the Windows zip of make dist: %w", err)
	}
	defer z.Close()
	for _, f := range z.File {
		if filepath.Base(f.Name) != "thumbdrop.exe" {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return "", err
		}
		defer r.Close()
		out := filepath.Join(os.TempDir(), fmt.Sprintf("thumbdrop-wine-test-%d.exe", os.Getpid()))
		b, err := io.ReadAll(r)
		if err != nil {
			return "", err
		}
		return out, os.WriteFile(out, b, 0o755)
	}
	return "", fmt.Errorf("%s holds no thumbdrop.exe", p)
}

// winPath is the Windows name of a Unix path (Wine's Z: drive).
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// winRun is one run of thumbdrop.exe: exit status, stdout, stderr.
type winRun struct {
	code           int
	stdout, stderr string
}

// run runs thumbdrop.exe args with stdin's text, stdout and stderr in files.
func (w *winePrefix) run(t *testing.T, env []string, stdin string, args ...string) winRun {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "stdin")
	os.WriteFile(in, []byte(stdin), 0o600)
	inf, _ := os.Open(in)
	defer inf.Close()
	outf, _ := os.Create(filepath.Join(dir, "stdout"))
	errf, _ := os.Create(filepath.Join(dir, "stderr"))
	defer outf.Close()
	defer errf.Close()
	cmd := exec.Command(w.wine, append([]string{w.exe}, args...)...)
	cmd.Env = w.env(env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inf, outf, errf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("thumbdrop.exe %v did not end within 2 minutes", args)
	}
	r := winRun{}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	o, _ := os.ReadFile(outf.Name())
	e, _ := os.ReadFile(errf.Name())
	r.stdout, r.stderr = string(o), string(e)
	return r
}

// must runs args and fails unless they exit 0.
func (w *winePrefix) must(t *testing.T, env []string, args ...string) string {
	t.Helper()
	r := w.run(t, env, "", args...)
	if r.code != 0 {
		t.Fatalf("thumbdrop.exe %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// folders gives a test its own config and data folders inside the
// prefix (as Windows paths in the environment).
func (w *winePrefix) folders(t *testing.T) ([]string, app.Dirs) {
	base, err := os.MkdirTemp(filepath.Join(w.dir, "drive_c"), "test-")
	if err != nil {
		t.Fatal(err)
	}
	d := app.Dirs{Config: filepath.Join(base, "config"), Data: filepath.Join(base, "data")}
	return []string{"THUMBDROP_CONFIG_DIR=" + winPath(d.Config), "THUMBDROP_DATA_DIR=" + winPath(d.Data)}, d
}

// localMode points the agent at free ports (other tests and agents on
// this machine use the defaults).
func (w *winePrefix) localMode(t *testing.T, env []string) string {
	t.Helper()
	addr := testsrv.FreeAddr(t)
	w.must(t, env, "config", "set", "local_addr", addr)
	w.must(t, env, "config", "set", "picgo_server", testsrv.FreeAddr(t))
	t.Cleanup(func() { w.run(t, env, "", "serve", "--stop") })
	return addr
}

func winPhoto(t *testing.T, dir, name string) string {
	t.Helper()
	p := photos(t, 1, "wine")[0]
	b, _ := os.ReadFile(p)
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestWineCommandLine: the command-line contract of thumbdrop.exe, with
// Windows' own folders (%AppData%, %LocalAppData%): version, help, exit
// statuses, thumbnail, a local-mode upload whose links the agent serves
// to this (Linux) side, history, delete, and the agent stopped.
func TestWineCommandLine(t *testing.T) {
	w := startWine(t)
	r := w.run(t, nil, "", "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "thumbdrop "+meta.Details.Version) {
		t.Errorf("--version: exit %d, %q, want thumbdrop %s", r.code, r.stdout, meta.Details.Version)
	}
	if wd, _ := os.Getwd(); gitOut(wd, "status", "--porcelain") == "" && strings.Contains(r.stdout, "+changes") {
		t.Errorf("--version says %q, built from a clean tree: make dist left a file Go counts as a change", r.stdout)
	}
	if r = w.run(t, nil, "", "help"); r.code != 0 || !strings.Contains(r.stdout, "upload") || !strings.Contains(r.stdout, "serve") {
		t.Errorf("help: exit %d, %q", r.code, r.stdout)
	}
	if r = w.run(t, nil, "", "upload", "--help"); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "--format") {
		t.Errorf("upload --help: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if r = w.run(t, nil, "", "uplaod", "x.jpg"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "uplaod"`) {
		t.Errorf("a mistyped command: exit %d, %q", r.code, r.stderr)
	}
	if r = w.run(t, nil, "", "upload", "--format", "nope", `C:\x.jpg`); r.code != 2 {
		t.Errorf("upload --format nope: exit %d, %q", r.code, r.stderr)
	}

	// Windows' folders: nothing set, so %AppData% and %LocalAppData%.
	users := filepath.Join(w.dir, "drive_c", "users", w.user, "AppData")
	cfgFile := filepath.Join(users, "Roaming", "thumbdrop", "config.json")
	dataDir := filepath.Join(users, "Local", "thumbdrop")
	addr := w.localMode(t, nil)
	if _, err := os.Stat(cfgFile); err != nil {
		t.Errorf("config set wrote no %%AppData%%\\thumbdrop\\config.json: %v", err)
	}

	dir := t.TempDir()
	photo := winPhoto(t, dir, "여름 (1)+#.jpg")
	out := filepath.Join(dir, "thumbs")
	r = w.run(t, nil, "", "thumbnail", "-o", winPath(out), winPath(photo))
	if r.code != 0 {
		t.Fatalf("thumbnail: exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "여름 (1)+#.jpg")); err != nil {
		t.Errorf("thumbnail wrote no file: %v (%q)", err, r.stdout)
	}
	if r = w.run(t, nil, "", "upload", winPath(filepath.Join(dir, "missing.jpg"))); r.code != 1 || !strings.Contains(r.stderr, "missing.jpg") {
		t.Errorf("a missing file: exit %d, %q", r.code, r.stderr)
	}

	// upload with stdout a pipe: it returns although the agent it started
	// runs on (Windows hands the agent no handle of ours). stderr is a
	// file: Wine gives every child its parent's Unix stderr.
	cmd := exec.Command(w.wine, w.exe, "upload", "--json", winPath(photo))
	cmd.Env = w.env()
	errf, _ := os.Create(filepath.Join(dir, "upload.stderr"))
	defer errf.Close()
	cmd.Stderr = errf
	var stdout bytes.Buffer
	cmd.Stdout = &stdout // a pipe: Wait waits until every holder closes it
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			e, _ := os.ReadFile(errf.Name())
			t.Fatalf("upload: %v\n%s", err, e)
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatal("upload with its stdout on a pipe did not end within 90 s: something (the agent?) keeps the pipe open")
	}
	t.Logf("upload with stdout on a pipe returned in %s", time.Since(start).Round(time.Millisecond))
	var rec app.Record
	if err := json.Unmarshal(stdout.Bytes(), &rec); err != nil || rec.Status != app.StatusReady {
		t.Fatalf("upload --json: %q (%v)", stdout.String(), err)
	}
	if !strings.HasSuffix(rec.Key, "_여름 (1)+#.jpg") || !strings.HasPrefix(rec.URL, "http://"+addr+"/") {
		t.Errorf("key %q, url %q", rec.Key, rec.URL)
	}
	for _, u := range []string{rec.URL, rec.ThumbURL} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s from Linux: %v", u, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("GET %s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "history.db")); err != nil {
		t.Errorf("no history in %%LocalAppData%%\\thumbdrop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "objects", "thumbdrop", filepath.FromSlash(rec.Key))); err != nil {
		t.Errorf("the original is not in the local bucket under %%LocalAppData%%: %v", err)
	}

	hist := w.must(t, nil, "history", "--json")
	if !strings.Contains(hist, rec.Key) {
		t.Errorf("history --json lacks %s: %q", rec.Key, hist)
	}
	if got := w.must(t, nil, "history", "--format", "url", "여름"); strings.TrimSpace(got) != rec.URL {
		t.Errorf("history --format url 여름: %q, want %s", got, rec.URL)
	}
	w.must(t, nil, "delete", rec.URL)
	if code := get(t, rec.URL); code != 404 {
		t.Errorf("GET the deleted original: %d", code)
	}
	if code := get(t, rec.ThumbURL); code != 404 {
		t.Errorf("GET the deleted thumbnail: %d", code)
	}

	// serve --stop: the agent is asked (a named event) and shuts down as
	// on SIGTERM, removing its state file; its links stop answering.
	stop := w.must(t, nil, "serve", "--stop")
	if !strings.Contains(stop, "agent stopped") {
		t.Errorf("serve --stop: %q", stop)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "agent.json")); !os.IsNotExist(err) {
		t.Errorf("the stopped agent left agent.json (was it killed rather than stopped?): %v", err)
	}
	if code := get(t, "http://"+addr+"/thumbdrop/x"); code != 0 {
		t.Errorf("the stopped agent still answers (%d)", code)
	}
	if r = w.run(t, nil, "", "serve", "--stop"); r.code != 0 || !strings.Contains(r.stdout, "no agent") {
		t.Errorf("serve --stop with none running: %d %q", r.code, r.stdout)
	}
}

// utf16le is s as Windows' wide strings store it.
func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// TestWineCredentialManager: login stores the keys in Windows' Credential
// Manager (go-keyring through wincred), an upload to S3 (versitygw) signs
// with the secret read back from it, the secret is in no file of the
// prefix or of thumbdrop's folders (as UTF-8 or UTF-16), and logout
// removes the entry.
func TestWineCredentialManager(t *testing.T) {
	w := startWine(t)
	env, d := w.folders(t)
	v := testsrv.StartVersity(t, false, "photos")
	r := w.run(t, env, v.Access+"\n"+v.Secret+"\n", "login")
	if r.code != 0 || !strings.Contains(r.stdout, v.Access) {
		t.Fatalf("login: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	reg := func() string {
		q := exec.Command(w.wine, "reg", "query", `HKCU\Software\Wine\Credential Manager`, "/s")
		q.Env = w.env()
		out, _ := runTo(q, filepath.Join(t.TempDir(), "reg.out"), time.Minute)
		return out
	}
	// Wine keeps the Credential Manager in the registry (Windows: DPAPI).
	if got := reg(); !strings.Contains(got, "thumbdrop:aws-access-key") {
		t.Fatalf("no thumbdrop entry in Wine's Credential Manager:\n%s", got)
	}
	for _, kv := range [][2]string{{"target", "s3"}, {"bucket", "photos"}, {"region", "us-east-1"},
		{"endpoint", v.Endpoint}, {"path_style", "true"}} {
		w.must(t, env, "config", "set", kv[0], kv[1])
	}
	photo := winPhoto(t, t.TempDir(), "cred.jpg")
	out := w.must(t, env, "upload", "--json", "--no-wait", winPath(photo))
	var rec app.Record
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.Status != app.StatusUploaded {
		t.Fatalf("upload to S3 with the stored keys: %q (%v)", out, err)
	}
	if _, err := os.Stat(filepath.Join(v.Root, "photos", filepath.FromSlash(rec.Key))); err != nil {
		t.Errorf("versitygw has no %s: %v", rec.Key, err)
	}
	// wineserver writes the registry out every half minute or so: wait
	// until user.reg holds the entry, then look in every file.
	userReg := filepath.Join(w.dir, "user.reg")
	testkit.Eventually(t, 2*time.Minute, func() bool {
		b, _ := os.ReadFile(userReg)
		return bytes.Contains(b, []byte("thumbdrop:aws-access-key"))
	}, func() string { return "wineserver never wrote the Credential Manager entry to user.reg" })
	for _, root := range []string{w.dir, d.Config, d.Data} {
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil || !fi.Mode().IsRegular() || fi.Size() > 200<<20 {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, enc := range [][]byte{[]byte(v.Secret), utf16le(v.Secret)} {
				if bytes.Contains(b, enc) {
					t.Errorf("the secret is in %s", p)
				}
			}
			return nil
		})
	}
	w.must(t, env, "logout")
	if got := reg(); strings.Contains(got, "thumbdrop:aws-access-key") {
		t.Errorf("logout left the entry:\n%s", got)
	}
	r = w.run(t, env, "", "upload", "--no-wait", winPath(photo))
	if r.code != 1 || !strings.Contains(r.stderr, "login") {
		t.Errorf("upload after logout: exit %d, %q (want a sentence pointing at 'thumbdrop login')", r.code, r.stderr)
	}
}

// TestWineWindow: thumbdrop.exe with no arguments opens its window under
// Xvfb (Wine's X11 driver); a second launch with a file ("Open with")
// hands it over the named pipe and exits; the window uploads it. The
// screenshots are saved as artefacts (wine-window*.png) to look at.
func TestWineWindow(t *testing.T) {
	w := startWine(t)
	x := startX(t, 1280, 800)
	env, _ := w.folders(t)
	w.localMode(t, env)
	genv := append(append([]string{}, env...), "DISPLAY="+x.display, "FYNE_SCALE=1", "LANG=en_US.UTF-8")
	gui := exec.Command(w.wine, w.exe)
	gui.Env = w.env(genv...)
	logPath := filepath.Join(t.TempDir(), "app.log")
	logf, _ := os.Create(logPath)
	defer logf.Close()
	gui.Stdout, gui.Stderr = logf, logf
	if err := gui.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gui.Process.Kill(); gui.Wait() })
	appLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	win := x.findWindow(t, "^thumbdrop", func() string { return "the window never appeared under Wine:\n" + appLog() })
	if title := x.run(t, "xdotool", "getwindowname", win); !regexp.MustCompile(`^thumbdrop — `).MatchString(title) {
		t.Errorf("window title %q", title)
	}
	x.run(t, "xdotool", "windowmove", win, "0", "0")
	x.run(t, "xdotool", "windowsize", win, "1024", "768")
	waitShot := func(name string, ok func(n int) bool) int {
		t.Helper()
		var n int
		testkit.Eventually(t, 30*time.Second, func() bool {
			n = distinctColours(x.screenshot(t, name))
			return ok(n)
		}, func() string { return fmt.Sprintf("%s: %d colours", name, n) })
		return n
	}
	empty := waitShot("wine-window.png", func(n int) bool { return n >= 8 })

	photo := winPhoto(t, t.TempDir(), "open-with.jpg")
	r := w.run(t, genv, "", winPath(photo))
	if r.code != 0 || !strings.Contains(r.stderr, "handed 1 file(s)") {
		t.Fatalf("second launch with a file: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	var hist string
	testkit.Eventually(t, 60*time.Second, func() bool {
		hist = w.must(t, env, "history", "--json")
		return strings.Contains(hist, `"status":"ready"`) && strings.Contains(hist, "open-with.jpg")
	}, func() string { return "the handed-over file was not uploaded: " + hist + "\n" + appLog() })
	// The photo's thumbnail in the gallery brings its colours.
	shown := waitShot("wine-window-uploaded.png", func(n int) bool { return n >= empty+30 })
	t.Logf("colours: %d in the empty window, %d with the upload shown", empty, shown)

	// Drag and drop from an X11 file manager stand-in (GTK, text/uri-list):
	// Wine turns the XDND drop into Windows' WM_DROPFILES, which Fyne's
	// GLFW driver takes on Windows.
	testkit.Need(t, "/usr/bin/python3")
	x.run(t, "xdotool", "windowmove", win, "400", "0")
	x.run(t, "xdotool", "windowsize", win, "860", "700")
	dragged := filepath.Join(t.TempDir(), "dragged photo.jpg")
	b, _ := os.ReadFile(photos(t, 1, "dragged")[0]) // other bytes than the first: not a duplicate
	os.WriteFile(dragged, b, 0o644)
	script := filepath.Join(t.TempDir(), "source.py")
	os.WriteFile(script, []byte(dragSource), 0o644)
	gtk := exec.Command("/usr/bin/python3", script, "file://"+strings.ReplaceAll(dragged, " ", "%20"))
	gtk.Env = append(os.Environ(), "DISPLAY="+x.display, "GDK_BACKEND=x11")
	var gtkOut bytes.Buffer
	gtk.Stdout, gtk.Stderr = &gtkOut, &gtkOut
	if err := gtk.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { gtk.Process.Kill(); gtk.Wait() }()
	x.findWindow(t, "^drag source$", func() string { return "the GTK drag source did not appear:\n" + gtkOut.String() })
	x.run(t, "xdotool", "mousemove", "100", "100")
	x.run(t, "xdotool", "mousedown", "1")
	for _, p := range [][2]int{{110, 110}, {130, 120}, {200, 150}, {300, 200}, {450, 300}, {600, 350}, {800, 400}, {820, 410}} {
		x.run(t, "xdotool", "mousemove", fmt.Sprint(p[0]), fmt.Sprint(p[1]))
		time.Sleep(150 * time.Millisecond) // the pointer's pace, for the drag protocol (not a wait for a result)
	}
	x.run(t, "xdotool", "mouseup", "1")
	testkit.Eventually(t, 60*time.Second, func() bool {
		hist = w.must(t, env, "history", "--json")
		return strings.Count(hist, `"status":"ready"`) == 2 && strings.Contains(hist, "dragged photo.jpg")
	}, func() string {
		x.screenshot(t, "wine-window-drop-failed.png")
		return "the dropped photo was not uploaded: " + hist + "\ndrag source: " + gtkOut.String() + "\n" + appLog()
	})
	x.screenshot(t, "wine-window-dropped.png")
}

// TestWineClipboard: a bitmap put on the Windows clipboard (as screenshot
// tools do; testdata/wine/clipput) is uploaded by `upload --clipboard` as
// clipboard-YYYYMMDD-HHMMSS.png, pixels intact.
func TestWineClipboard(t *testing.T) {
	w := startWine(t)
	env, _ := w.folders(t)
	w.localMode(t, env)
	dir := t.TempDir()
	put := filepath.Join(dir, "clipput.exe")
	build := exec.Command("go", "build", "-o", put, "./testdata/wine/clipput")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build clipput: %v\n%s", err, out)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(4 * x), uint8(5 * y), 128, 255})
		}
	}
	var pngb bytes.Buffer
	png.Encode(&pngb, img)
	src := filepath.Join(dir, "shot.png")
	os.WriteFile(src, pngb.Bytes(), 0o644)

	// clipput holds the clipboard until its stdin closes.
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "clipput.out")
	outf, _ := os.Create(outPath)
	defer outf.Close()
	cp := exec.Command(w.wine, put, winPath(src))
	cp.Env = w.env(env...)
	cp.Stdin, cp.Stdout, cp.Stderr = stdinR, outf, outf
	if err := cp.Start(); err != nil {
		t.Fatal(err)
	}
	stdinR.Close()
	defer func() { stdinW.Close(); cp.Wait() }()
	testkit.Eventually(t, time.Minute, func() bool {
		b, _ := os.ReadFile(outPath)
		return strings.Contains(string(b), "on the clipboard")
	}, func() string { b, _ := os.ReadFile(outPath); return "clipput: " + string(b) })

	out := w.must(t, env, "upload", "--clipboard", "--json")
	var rec app.Record
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.Status != app.StatusReady {
		t.Fatalf("upload --clipboard: %q (%v)", out, err)
	}
	if !regexp.MustCompile(`^clipboard-\d{8}-\d{6}\.png$`).MatchString(filepath.Base(rec.File)) ||
		rec.ContentType != "image/png" || rec.Width != 64 || rec.Height != 48 {
		t.Errorf("uploaded %s %s %dx%d, want clipboard-YYYYMMDD-HHMMSS.png image/png 64x48", rec.File, rec.ContentType, rec.Width, rec.Height)
	}
	resp, err := http.Get(rec.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := png.Decode(resp.Body)
	if err != nil {
		t.Fatalf("the uploaded clipboard image: %v", err)
	}
	if c := color.RGBAModel.Convert(got.At(10, 20)).(color.RGBA); c != (color.RGBA{40, 100, 128, 255}) {
		t.Errorf("pixel (10,20) came back %v, want {40 100 128 255}", c)
	}
}

// TestWineConsole: thumbdrop.exe run from cmd in a terminal prints there
// and its exit status comes back. (Wine hands a windowed program started
// from cmd the console's handles itself; Windows does not, which is what
// console_windows.go's AttachConsole is for: here the output shows, but
// not which of the two made it.)
func TestWineConsole(t *testing.T) {
	w := startWine(t)
	testkit.Need(t, "script")
	env, _ := w.folders(t)
	log := filepath.Join(t.TempDir(), "console.log")
	for _, c := range []struct {
		args string
		code int
		want string
	}{{"--version", 0, "thumbdrop " + meta.Details.Version}, {"frobnicate", 2, `unknown command "frobnicate"`}} {
		line := fmt.Sprintf(`%s cmd /c %s %s`, w.wine, strings.ReplaceAll(winPath(w.exe), `\`, `\\`), c.args)
		cmd := exec.Command("script", "-q", "-e", "-c", line, log)
		cmd.Env = w.env(env...)
		out, err := runTo(cmd, filepath.Join(t.TempDir(), "script.out"), 2*time.Minute)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("script: %v\n%s", err, out)
		}
		b, _ := os.ReadFile(log)
		if code != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("cmd /c thumbdrop.exe %s in a terminal: exit %d (want %d), the terminal showed:\n%s", c.args, code, c.code, b)
		}
	}
}
