package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/clipimage"
	"github.com/thumbdrop/thumbdrop/internal/single"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/ui"
)

// runGUI opens the desktop app (local mode when nothing is configured),
// or hands files to the one already open.
func runGUI(files []string) int {
	start := time.Now()
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

	// A desktop app idles for hours next to a browser: collect garbage
	// sooner than the default (previews decoded while scrolling are
	// short-lived), with a soft ceiling on the Go heap.
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(96 << 20)
	a := fyneapp.NewWithID("io.github.thumbdrop.thumbdrop")
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	exe, _ := os.Executable()
	core, err := app.Open(context.Background(), app.Options{
		Dirs:    dirs,
		Keyring: storage.Keyring{Service: os.Getenv("THUMBDROP_KEYRING_SERVICE")},
		Log:     log,
		StartAgent: func(ctx context.Context, c app.Config) error {
			if os.Getenv("THUMBDROP_NO_AGENT") == "1" {
				return nil
			}
			_, err := agent.Ensure(ctx, dirs, exe, c.LocalAddr)
			return err
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbdrop:", err)
		return 1
	}
	defer core.Close()
	openErr := core.Connect(context.Background())
	u := ui.NewWithOptions(a, core, openErr, ui.Options{TrayHost: trayHost, Agent: agentControl{dirs},
		ClipboardImage: func(ctx context.Context) ([]byte, error) { return clipimage.Read(ctx, os.Getenv) }})
	inst.Serve(func(m single.Message) {
		fyne.Do(func() { u.Raise(m.Files) })
	})
	if len(files) > 0 {
		u.AddPaths(files)
	}
	if os.Getenv("THUMBDROP_TRACE_STARTUP") != "" {
		// For the startup benchmark: the moment the first frame is shown.
		a.Lifecycle().SetOnStarted(func() {
			fmt.Fprintf(os.Stderr, "first-frame-ms %d\n", time.Since(start).Milliseconds())
		})
	}
	u.Window().ShowAndRun()
	return 0
}
