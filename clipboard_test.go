package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

var clipboardName = regexp.MustCompile(`^clipboard-\d{8}-\d{6}\.png$`)

// screenshotPNG writes a PNG standing in for a screenshot (with convert:
// the test Needs it).
func screenshotPNG(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shot.png")
	if out, err := exec.Command("convert", "-size", "640x400", "gradient:navy-orange", "PNG24:"+p).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v %s", err, out)
	}
	return p
}

// uploadClipboard runs 'thumbdrop upload --clipboard --json' with env and
// checks one clipboard-YYYYMMDD-HHMMSS.png came out ready.
func uploadClipboard(t *testing.T, dirs app.Dirs, env ...string) {
	t.Helper()
	cmd := exec.Command(buildApp(t), "upload", "--clipboard", "--json")
	cmd.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data, "DISPLAY=", "WAYLAND_DISPLAY=")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("upload --clipboard: %v\n%s", err, stderr)
	}
	var r app.Record
	if err := json.Unmarshal(out, &r); err != nil || r.Status != app.StatusReady || !clipboardName.MatchString(r.File) ||
		r.ContentType != "image/png" || !strings.HasSuffix(r.Key, "_"+r.File) {
		t.Fatalf("record %+v (%v) from %s", r, err, out)
	}
}

// TestClipboardX11: a screenshot copied with xclip (image/png, as
// screenshot tools offer it) is uploaded by 'upload --clipboard' and by
// Ctrl+V in the real window.
func TestClipboardX11(t *testing.T) {
	testkit.Need(t, "xclip", "convert")
	x := startX(t, 1024, 768)
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	shot := screenshotPNG(t)
	copyImage := func() {
		t.Helper()
		// xclip forks to serve the selection until the X server ends; its
		// output is not captured, or the child would hold the pipe open.
		c := exec.Command("xclip", "-selection", "clipboard", "-t", "image/png", "-i", shot)
		c.Env = append(os.Environ(), "DISPLAY="+x.display)
		if err := c.Run(); err != nil {
			t.Fatalf("xclip: %v", err)
		}
		// xclip's parent returns before its child owns the selection: the
		// clipboard is copied once it gives these bytes back (a paste
		// that came sooner took the previous image, a duplicate).
		want := testkit.Read(t, shot)
		testkit.Eventually(t, 10*time.Second, func() bool {
			o := exec.Command("xclip", "-selection", "clipboard", "-t", "image/png", "-o")
			o.Env = append(os.Environ(), "DISPLAY="+x.display)
			got, err := o.Output()
			return err == nil && bytes.Equal(got, want)
		}, func() string { return "the clipboard never held the new image" })
	}
	copyImage()
	uploadClipboard(t, dirs, "DISPLAY="+x.display)

	// The editors' API with an empty body (Typora's and Obsidian's paste):
	// the agent, started by that upload in the same session, uploads the
	// clipboard's image.
	os.WriteFile(shot, append(testkit.Read(t, shot), []byte("via the agent")...), 0o644)
	copyImage()
	st := agentState(t, dirs)
	resp, err := http.Post("http://"+st.PicGo+"/upload", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Success bool
		Result  []string
		Message string
	}
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if !a.Success || len(a.Result) != 1 || !strings.Contains(a.Result[0], "_clipboard-") || get(t, a.Result[0]) != 200 {
		t.Fatalf("empty POST /upload: %+v", a)
	}

	// Ctrl+V in the window: a second screenshot (other bytes).
	os.WriteFile(shot, append(testkit.Read(t, shot), []byte("second")...), 0o644)
	copyImage()
	startApp(t, x, dirs)
	win := waitWindow(t, x)
	time.Sleep(time.Second)
	x.run(t, "xdotool", "windowfocus", "--sync", win)
	x.run(t, "xdotool", "key", "--window", win, "ctrl+v")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if recs := history(t, dirs); len(recs) == 3 && recs[0].Status == app.StatusReady {
			if !clipboardName.MatchString(recs[0].File) {
				t.Errorf("pasted as %q", recs[0].File)
			}
			x.screenshot(t, "after-paste.png")
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	x.screenshot(t, "after-paste-failed.png")
	var got []string
	for _, r := range history(t, dirs) {
		got = append(got, fmt.Sprintf("%s %s %s", r.File, r.Status, r.SHA256))
	}
	t.Fatalf("Ctrl+V did not upload the screenshot; the history holds:\n%s", strings.Join(got, "\n"))
}

// TestClipboardWayland: under a Wayland compositor (weston), a screenshot
// copied with wl-copy is uploaded by 'upload --clipboard', with no X11
// display in sight. Weston 10's headless backend has no seat, and the
// clipboard belongs to a seat ("Missing a seat", says wl-copy): weston runs
// with its X11 backend in a virtual X display instead.
func TestClipboardWayland(t *testing.T) {
	testkit.Need(t, "weston", "wl-copy", "wl-paste", "convert")
	x := startX(t, 1024, 768)
	run := t.TempDir()
	os.Chmod(run, 0o700)
	sock := "wayland-thumbdrop"
	w := exec.Command("weston", "--backend=x11-backend.so", "--socket="+sock, "--idle-time=0")
	w.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+run, "DISPLAY="+x.display)
	var logs strings.Builder
	w.Stdout, w.Stderr = &logs, &logs
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Process.Kill(); w.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(run, sock)); err == nil {
			break
		}
		if i > 100 {
			t.Fatalf("weston did not start:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	env := []string{"XDG_RUNTIME_DIR=" + run, "WAYLAND_DISPLAY=" + sock}
	shot := screenshotPNG(t)
	c := exec.Command("wl-copy", "--type", "image/png")
	c.Env = append(os.Environ(), env...)
	c.Stdin, _ = os.Open(shot)
	if err := c.Run(); err != nil { // wl-copy forks to serve the selection until weston ends
		t.Fatalf("wl-copy: %v", err)
	}
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	uploadClipboard(t, dirs, env...)
}
