package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// xserver is an Xvfb display for one test.
type xserver struct {
	display string
	cmd     *exec.Cmd
	// app is the last app started on the display, restarted once by
	// findWindow if its window system would not start.
	app *appRun
}

// appRun is an app started by startApp.
type appRun struct {
	cmd       *exec.Cmd
	logs      *syncBuffer
	start     func() (*exec.Cmd, *syncBuffer)
	restarted bool
}

// syncBuffer is an app's output, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// glfwFailed: the app ended because GLFW could not reach the display that
// had just answered its check (seen a few times under CI's load, never
// alone): it is started once more, and the test says so.
func (x *xserver) glfwFailed(t *testing.T) bool {
	a := x.app
	out := ""
	if a != nil {
		out = a.logs.String()
	}
	if a == nil || a.restarted || !strings.Contains(out, "failed to initialise GLFW") || !strings.Contains(out, "the window cannot open") {
		return false
	}
	a.cmd.Process.Kill()
	a.cmd.Wait()
	probe := exec.Command("xdotool", "getdisplaygeometry")
	probe.Env = append(os.Environ(), "DISPLAY="+x.display)
	geo, err := probe.CombinedOutput()
	t.Logf("the app could not open %s (the display answers now: %q %v), starting it again; its output:\n%s", x.display, geo, err, out)
	a.restarted = true
	cmd, logs := a.start()
	*a.cmd = *cmd // the caller's *exec.Cmd is the new process
	a.logs = logs
	return true
}

func startX(t *testing.T, w, h int) *xserver {
	t.Helper()
	return startXWith(t, w, h)
}

// startXWith starts Xvfb with extra arguments.
func startXWith(t *testing.T, w, h int, extra ...string) *xserver {
	t.Helper()
	testkit.Need(t, "Xvfb", "xdotool", "import")
	// Xvfb picks a free display itself (-displayfd) and writes its number
	// on the pipe: no guessing, and no stale sockets of killed servers to
	// trip over.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	x := &xserver{}
	x.cmd = exec.Command("Xvfb", append([]string{"-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp"}, extra...)...)
	x.cmd.ExtraFiles = []*os.File{wr}
	if err := x.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	t.Cleanup(func() {
		// SIGTERM: Xvfb removes its socket and lock file on the way out.
		x.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { x.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			x.cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		b, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(b)
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb did not start")
		}
		x.display = ":" + n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start within 30 s")
	}
	// Ready is when a client gets through, not when Xvfb names its display:
	// an app started too soon under load failed to open it (GLFW:
	// "Failed to detect any supported platform").
	deadline := time.Now().Add(30 * time.Second)
	for {
		probe := exec.Command("xdotool", "getdisplaygeometry")
		probe.Env = append(os.Environ(), "DISPLAY="+x.display)
		out, err := probe.CombinedOutput()
		if err == nil || strings.Contains(string(out), "uthorization") {
			break // it answers (a server with -auth refuses the probe)
		}
		if time.Now().After(deadline) {
			t.Fatalf("Xvfb on %s takes no client: %v %s", x.display, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return x
}

func (x *xserver) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// screenshot saves the screen as a CI artefact and returns it.
func (x *xserver) screenshot(t *testing.T, name string) image.Image {
	t.Helper()
	dir := os.Getenv("THUMBDROP_ARTIFACTS")
	if dir == "" {
		dir = ".artifacts"
	}
	os.MkdirAll(dir, 0o755)
	p := filepath.Join(dir, name)
	x.run(t, "import", "-window", "root", p)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
	return m
}

// distinctColours counts colours on a coarse grid: a blank screen has one.
func distinctColours(m image.Image) int {
	seen := map[[3]uint32]bool{}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := m.At(x, y).RGBA()
			seen[[3]uint32{r >> 12, g >> 12, bl >> 12}] = true
		}
	}
	return len(seen)
}

// buildApp builds the app (once per test process): the fast tier skips
// the test.
func buildApp(t *testing.T) string {
	t.Helper()
	return testkit.Build(t, ".", "migrated_fynedo,nodynamic")
}

// startApp runs the real binary with fresh config and data dirs.
func startApp(t *testing.T, x *xserver, dirs app.Dirs, env ...string) *exec.Cmd {
	t.Helper()
	start := func() (*exec.Cmd, *syncBuffer) {
		cmd := exec.Command(buildApp(t))
		cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "THUMBDROP_CONFIG_DIR="+dirs.Config,
			"THUMBDROP_DATA_DIR="+dirs.Data, "FYNE_SCALE=1", "LANG=en_US.UTF-8", "LC_ALL=en_US.UTF-8",
			// Fyne's own preferences (the window's size) per app, not
			// shared by the tests that run at once: it read one half written.
			"XDG_CONFIG_HOME="+filepath.Join(dirs.Config, "xdg"))
		cmd.Env = append(cmd.Env, env...)
		logs := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, logs
	}
	cmd, logs := start()
	run := &appRun{cmd: cmd, logs: logs, start: start}
	x.app = run
	t.Cleanup(func() {
		run.cmd.Process.Kill()
		run.cmd.Wait()
		stopAgent(t, dirs)
		if t.Failed() {
			t.Logf("app output:\n%s", run.logs.String())
		}
	})
	return cmd
}

// stopAgent stops the agent an app or upload of the test started.
func stopAgent(t *testing.T, dirs app.Dirs) {
	stop := exec.Command(buildApp(t), "serve", "--stop")
	stop.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data)
	stop.Run()
}

// history reads the uploads of a data folder, as any front end would.
func history(t *testing.T, dirs app.Dirs) []app.Record {
	t.Helper()
	core, err := app.Open(context.Background(), app.Options{Dirs: dirs})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	recs, err := core.HistoryPage(context.Background(), app.HistoryQuery{}, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func freshDirs(t *testing.T) app.Dirs {
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.LocalAddr, c.PicGoServer = testsrv.FreeAddr(t), testsrv.FreeAddr(t)
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	return d
}

// waitWindow returns the X window id of the app's main window.
func waitWindow(t *testing.T, x *xserver) string {
	t.Helper()
	return x.findWindow(t, "^thumbdrop", func() string { return "the thumbdrop window never appeared" })
}

// findWindow waits up to a minute for a visible window whose title matches
// the regular expression, and fails with msg() (built then, so it can show
// output gathered meanwhile) if none appears.
func (x *xserver) findWindow(t *testing.T, title string, msg func() string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", title)
		cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
		if out, err := cmd.Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
			return strings.Fields(string(out))[0]
		}
		if x.glfwFailed(t) {
			deadline = time.Now().Add(60 * time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(msg())
	return ""
}

// TestRealWindow starts the built app under Xvfb, checks the window
// appears with its title, and saves screenshots at 1024x768 and at a small
// size.
func TestRealWindow(t *testing.T) {
	x := startX(t, 1024, 768)
	startApp(t, x, freshDirs(t))
	win := waitWindow(t, x)
	if title := x.run(t, "xdotool", "getwindowname", win); !strings.HasPrefix(title, "thumbdrop — ") {
		t.Errorf("window title %q", title)
	}
	x.run(t, "xdotool", "windowmove", win, "0", "0")
	x.run(t, "xdotool", "windowsize", win, "1024", "768")
	time.Sleep(1500 * time.Millisecond)
	m := x.screenshot(t, "window-1024x768.png")
	if n := distinctColours(m); n < 8 {
		t.Errorf("the screenshot looks blank (%d colours)", n)
	}
	x.run(t, "xdotool", "windowsize", win, "480", "360")
	time.Sleep(1500 * time.Millisecond)
	if n := distinctColours(x.screenshot(t, "window-480x360.png")); n < 8 {
		t.Errorf("the small-window screenshot looks blank (%d colours)", n)
	}
}

// TestRealWindowKorean: with a Korean system locale the window speaks
// Korean (title and labels; the screenshot is saved for a look).
func TestRealWindowKorean(t *testing.T) {
	x := startX(t, 1024, 768)
	startApp(t, x, freshDirs(t), "LANG=ko_KR.UTF-8", "LC_ALL=ko_KR.UTF-8")
	win := waitWindow(t, x)
	if title := x.run(t, "xdotool", "getwindowname", win); title != "thumbdrop — 로컬" {
		t.Errorf("window title %q, want the Korean one", title)
	}
	x.run(t, "xdotool", "windowmove", win, "0", "0")
	time.Sleep(1500 * time.Millisecond)
	if n := distinctColours(x.screenshot(t, "window-ko.png")); n < 8 {
		t.Errorf("the Korean screenshot looks blank (%d colours)", n)
	}
}

// TestRealDragAndDrop drags a photo from a GTK window (a file manager
// stand-in offering text/uri-list) onto the app with the mouse, and checks
// it is uploaded and thumbnailed.
func TestRealDragAndDrop(t *testing.T) {
	testkit.Need(t, "/usr/bin/python3")
	if err := exec.Command("/usr/bin/python3", "-c", "import gi; gi.require_version('Gtk', '3.0'); from gi.repository import Gtk").Run(); err != nil {
		testkit.Missing(t, "python3-gi with GTK 3 not installed (scripts/install-deps.sh test installs it)")
	}
	x := startX(t, 1280, 800)
	dirs := freshDirs(t)
	startApp(t, x, dirs)
	win := waitWindow(t, x)
	x.run(t, "xdotool", "windowmove", win, "400", "0")
	x.run(t, "xdotool", "windowsize", win, "860", "700")

	photo := filepath.Join(t.TempDir(), "dragged photo.jpg")
	src := testkit.ReadCorpus(t, "video-001.jpeg")
	os.WriteFile(photo, src, 0o644)
	script := filepath.Join(t.TempDir(), "source.py")
	os.WriteFile(script, []byte(dragSource), 0o644)
	gtk := exec.Command("/usr/bin/python3", script, "file://"+strings.ReplaceAll(photo, " ", "%20"))
	gtk.Env = append(os.Environ(), "DISPLAY="+x.display, "GDK_BACKEND=x11")
	var gtkOut bytes.Buffer
	gtk.Stdout, gtk.Stderr = &gtkOut, &gtkOut
	if err := gtk.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { gtk.Process.Kill(); gtk.Wait() }()
	x.findWindow(t, "^drag source$", func() string { return "the GTK drag source did not appear:\n" + gtkOut.String() })
	time.Sleep(500 * time.Millisecond)
	// Press on the source (at 100,100), move in steps onto the app, release.
	x.run(t, "xdotool", "mousemove", "100", "100")
	x.run(t, "xdotool", "mousedown", "1")
	for _, p := range [][2]int{{110, 110}, {130, 120}, {200, 150}, {300, 200}, {450, 300}, {600, 350}, {800, 400}, {820, 410}} {
		x.run(t, "xdotool", "mousemove", fmt.Sprint(p[0]), fmt.Sprint(p[1]))
		time.Sleep(150 * time.Millisecond)
	}
	x.run(t, "xdotool", "mouseup", "1")

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if recs := history(t, dirs); len(recs) == 1 {
			r := recs[0]
			if r.Status == app.StatusReady {
				if !strings.HasSuffix(r.Key, "_dragged photo.jpg") {
					t.Errorf("key %q", r.Key)
				}
				time.Sleep(time.Second)
				x.screenshot(t, "after-drop.png")
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	x.screenshot(t, "after-drop-failed.png")
	t.Fatalf("the dropped photo was not uploaded; drag source said:\n%s", gtkOut.String())
}

// dragSource is a tiny GTK window offering one file as text/uri-list.
const dragSource = `
import sys, gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, Gdk
uri = sys.argv[1]
w = Gtk.Window(title="drag source")
w.set_default_size(300, 300)
w.move(0, 0)
b = Gtk.EventBox()
b.add(Gtk.Label(label="drag me"))
b.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
b.drag_source_add_uri_targets()
def get(widget, ctx, data, info, time):
    data.set_uris([uri])
b.connect("drag-data-get", get)
w.add(b)
w.connect("destroy", Gtk.main_quit)
w.show_all()
Gtk.main()
`

// changed reports the share of coarse-grid pixels that differ between two
// screenshots.
func changed(a, b image.Image) float64 {
	n, diff := 0, 0
	r := a.Bounds().Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 4 {
		for x := r.Min.X; x < r.Max.X; x += 4 {
			n++
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1>>12 != r2>>12 || g1>>12 != g2>>12 || b1>>12 != b2>>12 {
				diff++
			}
		}
	}
	return float64(diff) / float64(max(n, 1))
}

// exited waits up to d for cmd to end and returns its exit status (-1 if
// it has not). It may be asked again of the same cmd.
func exited(cmd *exec.Cmd, d time.Duration) int {
	w, _ := waits.LoadOrStore(cmd, &waiter{done: make(chan struct{})})
	wt := w.(*waiter)
	wt.once.Do(func() {
		go func() {
			// The state Process.Wait returns: cmd.ProcessState is set only
			// by cmd.Wait (reading it made every exit look like 0).
			if st, err := cmd.Process.Wait(); err == nil {
				wt.code = st.ExitCode()
			} else {
				wt.code = -2
			}
			close(wt.done)
		}()
	})
	select {
	case <-wt.done:
		return wt.code
	case <-time.After(d):
		return -1
	}
}

// waits holds each process's one waiter (a process is reaped once).
var waits sync.Map // *exec.Cmd → *waiter

type waiter struct {
	once sync.Once
	done chan struct{}
	code int
}

// TestRealWindowOpenDialogAndQuit: Ctrl+O and the Add… button open the
// file dialog and the app lives on; Ctrl+Q then ends the process, while
// the agent goes on serving local links.
func TestRealWindowOpenDialogAndQuit(t *testing.T) {
	x := startX(t, 1024, 768)
	dirs := freshDirs(t)
	proc := startApp(t, x, dirs)
	win := waitWindow(t, x)
	x.run(t, "xdotool", "windowmove", win, "0", "0")
	x.run(t, "xdotool", "windowsize", win, "1024", "720")
	time.Sleep(1500 * time.Millisecond)
	before := x.screenshot(t, "before-open.png")
	x.run(t, "xdotool", "windowfocus", "--sync", win)
	x.run(t, "xdotool", "key", "--window", win, "ctrl+o")
	time.Sleep(1500 * time.Millisecond)
	open := x.screenshot(t, "open-dialog-ctrl-o.png")
	if c := changed(before, open); c < 0.2 {
		t.Errorf("Ctrl+O changed %.0f%% of the window: no dialog?", c*100)
	}
	if exited(proc, 500*time.Millisecond) != -1 {
		t.Fatal("the app died after Ctrl+O")
	}
	x.run(t, "xdotool", "key", "--window", win, "Escape")
	time.Sleep(time.Second)
	if c := changed(before, x.screenshot(t, "open-dialog-escaped.png")); c > 0.1 {
		t.Errorf("after Escape %.0f%% of the window still differs: the dialog stayed open?", c*100)
	}
	// The toolbar's Add… button, at the window's top left.
	x.run(t, "xdotool", "mousemove", "--window", win, "40", "22", "click", "1")
	time.Sleep(1500 * time.Millisecond)
	if c := changed(before, x.screenshot(t, "open-dialog-button.png")); c < 0.2 {
		t.Errorf("Add… changed %.0f%% of the window: no dialog?", c*100)
	}
	if exited(proc, 500*time.Millisecond) != -1 {
		t.Fatal("the app died after Add…")
	}
	x.run(t, "xdotool", "key", "--window", win, "Escape")
	time.Sleep(500 * time.Millisecond)
	if code := exited(proc, 0); code != -1 {
		t.Fatalf("the app ended (%d) when Escape closed the Add… dialog", code)
	}
	// Ctrl+Q: the window may be gone before xdotool sends the key's
	// release (BadWindow), which is the point; the exit says whether it
	// worked.
	quit := exec.Command("xdotool", "key", "--window", win, "ctrl+q")
	quit.Env = append(os.Environ(), "DISPLAY="+x.display)
	quit.Run()
	if code := exited(proc, 10*time.Second); code != 0 {
		t.Fatalf("Ctrl+Q: the process is still running or failed (%d)", code)
	}
	if _, ok := agent.ReadState(dirs); !ok {
		t.Error("the agent stopped with the app; local links would die")
	}
}

// TestRealWindowCloseQuitsWithoutTray: with no tray host (no
// StatusNotifierWatcher on the bus, as on stock GNOME), closing the window
// ends the app rather than leaving an invisible process.
func TestRealWindowCloseQuitsWithoutTray(t *testing.T) {
	testkit.Need(t, "/usr/bin/python3")
	x := startX(t, 1024, 768)
	proc := startApp(t, x, freshDirs(t))
	win := waitWindow(t, x)
	x.run(t, "/usr/bin/python3", "-c", closeWindow, win)
	if code := exited(proc, 10*time.Second); code != 0 {
		t.Fatalf("closing the window: the process is still running or failed (%d)", code)
	}
}

// TestRealWindowNoSessionBus: a window opened where there is no D-Bus
// session bus (ssh -X, a bare X session) autolaunches no dbus-daemon: each
// one it did outlived the window, one more per start.
func TestRealWindowNoSessionBus(t *testing.T) {
	testkit.Need(t, "/usr/bin/python3")
	x := startX(t, 1024, 768)
	dirs := freshDirs(t)
	proc := startApp(t, x, dirs, "DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR="+t.TempDir())
	win := waitWindow(t, x)
	x.run(t, "/usr/bin/python3", "-c", closeWindow, win)
	if code := exited(proc, 10*time.Second); code != 0 {
		t.Fatalf("closing the window: the process is still running or failed (%d)", code)
	}
	// A daemon the window's process tree started carries its environment.
	out, _ := exec.Command("pgrep", "-x", "dbus-daemon").Output()
	for _, pid := range strings.Fields(string(out)) {
		env, err := os.ReadFile("/proc/" + pid + "/environ")
		if err == nil && bytes.Contains(env, []byte("THUMBDROP_DATA_DIR="+dirs.Data+"\x00")) {
			t.Errorf("dbus-daemon %s was started by the window and outlives it", pid)
			exec.Command("kill", pid).Run()
		}
	}
}

// TestRealWindowRefusedDisplay: a display that answers but refuses the
// window (an X server whose authority the app lacks) ends the app with one
// sentence and exit status 1, not GLFW's panic and a stack trace.
func TestRealWindowRefusedDisplay(t *testing.T) {
	testkit.Need(t, "xauth", "mcookie")
	dir := t.TempDir()
	auth := filepath.Join(dir, "server.xauth")
	cookie, err := exec.Command("mcookie").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The cookie is the server's; the app is given an empty authority.
	if out, err := exec.Command("xauth", "-f", auth, "add", ":0", ".", strings.TrimSpace(string(cookie))).CombinedOutput(); err != nil {
		t.Fatalf("xauth: %v %s", err, out)
	}
	x := startXWith(t, 800, 600, "-auth", auth)
	empty := filepath.Join(dir, "empty.xauth")
	os.WriteFile(empty, nil, 0o600)
	dirs := freshDirs(t)
	cmd := exec.Command(buildApp(t))
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "XAUTHORITY="+empty, "THUMBDROP_CONFIG_DIR="+dirs.Config,
		"THUMBDROP_DATA_DIR="+dirs.Data, "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"), "LANG=en_US.UTF-8")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	defer stopAgent(t, dirs)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if code := exited(cmd, 60*time.Second); code != 1 {
		cmd.Process.Kill()
		t.Fatalf("exit %d, want 1:\n%s", code, out.String())
	}
	if got := out.String(); !strings.Contains(got, "thumbdrop: the window cannot open") || !strings.Contains(got, "XAUTHORITY") || strings.Contains(got, "goroutine ") {
		t.Errorf("said:\n%s", got)
	}
}

// closeWindow asks a window to close, as a window manager's close button
// does (a WM_DELETE_WINDOW client message).
const closeWindow = `
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XInternAtom.restype = ctypes.c_ulong
d = x.XOpenDisplay(None)
win = int(sys.argv[1])
protocols = x.XInternAtom(ctypes.c_void_p(d), b"WM_PROTOCOLS", 0)
delete = x.XInternAtom(ctypes.c_void_p(d), b"WM_DELETE_WINDOW", 0)
class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]
class Event(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
e = Event()
e.xclient.type = 33  # ClientMessage
e.xclient.window = win
e.xclient.message_type = protocols
e.xclient.format = 32
e.xclient.data[0] = delete
e.xclient.data[1] = 0
x.XSendEvent(ctypes.c_void_p(d), ctypes.c_ulong(win), 0, 0, ctypes.byref(e))
x.XFlush(ctypes.c_void_p(d))
`

// TestRealWindowSecondLaunch: 'thumbdrop photo.jpg' while the app is open
// hands the photo to it and exits; the open app uploads it.
func TestRealWindowSecondLaunch(t *testing.T) {
	x := startX(t, 1024, 768)
	dirs := freshDirs(t)
	first := startApp(t, x, dirs)
	waitWindow(t, x)
	photo := photos(t, 1, "handed over")[0]
	second := exec.Command(buildApp(t), photo)
	second.Env = append(os.Environ(), "DISPLAY="+x.display, "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data)
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "handed 1 file") {
		t.Fatalf("second launch: %v %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if recs := history(t, dirs); len(recs) == 1 && recs[0].Status == app.StatusReady {
			if exited(first, 0) != -1 {
				t.Fatal("the first app died")
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the handed-over photo was not uploaded")
}
