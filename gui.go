package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/ui"
)

// runGUI opens the desktop app: local mode when nothing is configured.
func runGUI() int {
	start := time.Now()
	// A desktop app idles for hours next to a browser: collect garbage
	// sooner than the default (previews decoded while scrolling are
	// short-lived), with a soft ceiling on the Go heap.
	debug.SetGCPercent(50)
	debug.SetMemoryLimit(96 << 20)
	a := fyneapp.NewWithID("io.github.thumbdrop.thumbdrop")
	dirs, err := app.ResolveDirs(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbdrop:", err)
		return 1
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	core, err := app.NewCore(dirs, storage.Keyring{Service: os.Getenv("THUMBDROP_KEYRING_SERVICE")}, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "thumbdrop:", err)
		return 1
	}
	defer core.Close()
	openErr := core.Open(context.Background())
	u := ui.New(a, core, openErr)
	if os.Getenv("THUMBDROP_TRACE_STARTUP") != "" {
		// For the startup benchmark: the moment the first frame is shown.
		a.Lifecycle().SetOnStarted(func() {
			fmt.Fprintf(os.Stderr, "first-frame-ms %d\n", time.Since(start).Milliseconds())
		})
	}
	u.Window().ShowAndRun()
	return 0
}
