package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/clipimage"
	"github.com/thumbdrop/thumbdrop/internal/single"
	"github.com/thumbdrop/thumbdrop/ui"
)

// haveDisplay says, on systems that draw through X11 or Wayland, when
// there is no display to open the window on, or the one named does not
// answer (GLFW would panic).
func haveDisplay(getenv func(string) string) error {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "android", "js":
		return nil
	}
	x, wl := getenv("DISPLAY"), getenv("WAYLAND_DISPLAY")
	if x == "" && wl == "" {
		return errors.New("there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); from a terminal, use 'thumbdrop upload FILE...' ('thumbdrop help' lists the commands)")
	}
	if wl != "" {
		p := wl
		if !filepath.IsAbs(p) {
			p = filepath.Join(getenv("XDG_RUNTIME_DIR"), wl)
		}
		if c, err := net.DialTimeout("unix", p, time.Second); err == nil {
			c.Close()
			return nil
		}
	}
	if x != "" && xAnswers(x) {
		return nil
	}
	name := "DISPLAY=" + x
	if x == "" {
		name = "WAYLAND_DISPLAY=" + wl
	}
	return fmt.Errorf("the display %s does not answer, so the window cannot open; check that the desktop session is running, or use 'thumbdrop upload FILE...' from a terminal", name)
}

// xAnswers says whether an X server listens at display name ("[host]:n[.s]").
func xAnswers(display string) bool {
	host, rest, ok := strings.Cut(display, ":")
	if !ok {
		return false
	}
	num, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(num)
	if err != nil {
		return false
	}
	tries := [][2]string{{"unix", fmt.Sprintf("/tmp/.X11-unix/X%d", n)}, {"unix", fmt.Sprintf("@/tmp/.X11-unix/X%d", n)}}
	if host != "" && host != "unix" {
		tries = [][2]string{{"tcp", net.JoinHostPort(host, strconv.Itoa(6000+n))}}
	}
	for _, t := range tries {
		if c, err := net.DialTimeout(t[0], t[1], time.Second); err == nil {
			c.Close()
			return true
		}
	}
	return false
}

// runGUI opens the desktop app (local mode when nothing is configured),
// or hands files to the one already open. kr keeps the access keys.
func runGUI(files []string, kr app.Keyring) (code int) {
	start := time.Now()
	defer func() {
		// A display that answers but will not take the window (another
		// user's, one needing an X authority we lack): GLFW panics once
		// Fyne has logged why. Say it in a sentence, exit 1.
		if r := recover(); r != nil {
			if !strings.Contains(fmt.Sprint(r), "GLFW") {
				panic(r)
			}
			fmt.Fprintf(os.Stderr, "thumbdrop: the window cannot open: the display (DISPLAY=%s WAYLAND_DISPLAY=%s) refused it (%v); check that it is your desktop session's (XAUTHORITY), or use 'thumbdrop upload FILE...' from a terminal\n",
				os.Getenv("DISPLAY"), os.Getenv("WAYLAND_DISPLAY"), r)
			code = 1
		}
	}()
	dirs, err := app.ResolveDirs(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbdrop:", err)
		return 1
	}
	for i, f := range files {
		if abs, err := filepath.Abs(f); err == nil {
			files[i] = abs
		}
	}
	inst, err := single.Acquire(dirs.Data)
	if errors.Is(err, single.ErrOther) {
		if err := single.Send(dirs.Data, single.Message{Files: files}); err != nil {
			fmt.Fprintln(os.Stderr, "thumbdrop: it is already open, but", err)
			return 1
		}
		if len(files) > 0 {
			fmt.Fprintf(os.Stderr, "thumbdrop: handed %d file(s) to the thumbdrop already open\n", len(files))
		}
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbdrop:", err)
		return 1
	}
	defer inst.Close()
	if err := haveDisplay(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "thumbdrop:", err)
		return 1
	}

	// A desktop app idles for hours next to a browser: collect garbage
	// sooner than the default (previews decoded while scrolling are
	// short-lived), with a soft ceiling on the Go heap.
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(96 << 20)
	a := fyneapp.NewWithID("io.github.thumbdrop.thumbdrop")
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	exe, _ := os.Executable()
	var core *app.Core
	defer func() {
		if core != nil {
			core.Close()
		}
	}()
	var u *ui.UI
	// open opens the core and the main window.
	open := func() error {
		c, err := app.Open(context.Background(), app.Options{
			Dirs:    dirs,
			Keyring: kr,
			Log:     log,
			Agent:   agent.Control{Dirs: dirs, Exe: exe},
			// The agent starts beside the window, not before it: the
			// status line says so once it answers (an event).
			AgentInBackground: true,
			// The bucket is the history: synced at start and every few
			// minutes (uploads from other machines and tools).
			BackgroundSync: true,
		})
		if err != nil {
			return err
		}
		core = c
		openErr := core.Connect(context.Background())
		u = ui.NewWithOptions(a, core, openErr, ui.Options{TrayHost: trayHost,
			ClipboardImage: func(ctx context.Context) ([]byte, error) { return clipimage.Read(ctx, os.Getenv) }})
		inst.Serve(func(m single.Message) {
			fyne.Do(func() { u.Raise(m.Files) })
		})
		if len(files) > 0 {
			u.AddPaths(files)
		}
		watchDragOver(u.Window(), u.SetDragOver)
		u.Window().Show()
		return nil
	}
	if err := open(); err != nil {
		var ce *app.ConfigError
		if !errors.As(err, &ce) {
			fmt.Fprintln(os.Stderr, "thumbdrop:", err)
			return 1
		}
		// A damaged config.json: say so in a window, and offer a reset.
		ui.ConfigRecovery(a, ce.Path, ce.Err, func() error {
			if _, err := app.ResetConfig(dirs); err != nil {
				return err
			}
			return open()
		}).Show()
	}
	if os.Getenv("THUMBDROP_TRACE_STARTUP") != "" {
		// For the startup benchmark: the moment the first frame is shown.
		a.Lifecycle().SetOnStarted(func() {
			fmt.Fprintf(os.Stderr, "first-frame-ms %d\n", time.Since(start).Milliseconds())
		})
	}
	a.Run()
	return 0
}
