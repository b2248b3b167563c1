// Command thumbdrop gets pictures into posts: with no arguments (or with
// image files) it opens the desktop app; with a subcommand it runs the
// command line.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/cli"
)

func main() {
	// Libraries that write to the standard logger (transfermanager says
	// "failed to complete multipart upload" even when the retry that
	// follows succeeds) would print past the one-sentence errors: what
	// matters reaches the user through the core's errors instead. With
	// THUMBDROP_DEBUG set they are kept.
	if os.Getenv("THUMBDROP_DEBUG") == "" {
		log.SetOutput(io.Discard)
	}
	// The composition root: the OS keyring is made here, once, and handed
	// to the core by both front ends.
	keyring := app.OSKeyring(os.Getenv("THUMBDROP_KEYRING_SERVICE"), os.Getenv)
	args := os.Args[1:]
	if len(args) == 0 || !cli.IsCommand(args[0]) {
		if err := cli.CheckAppArgs(args); err != nil {
			fmt.Fprintf(os.Stderr, "thumbdrop: %v\n", err)
			os.Exit(cli.ExitUsage)
		}
		if os.Getenv("THUMBDROP_DEBUG") == "" {
			// The window's driver says why it cannot start (GLFW) only
			// through the standard logger: keep what Fyne logs, on stderr.
			log.SetOutput(&fyneErrors{w: os.Stderr})
		}
		os.Exit(runGUI(args, keyring))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	exe, _ := os.Executable()
	env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Version: programVersion(), Executable: exe, Keyring: keyring}
	os.Exit(cli.Run(ctx, env, args))
}

// fyneErrors passes on what Fyne logs (fyne.LogError: "Fyne error: ...",
// then its cause and place) and drops the other libraries' lines.
type fyneErrors struct {
	w    io.Writer
	keep bool // the lines after a "Fyne error" line are its own
}

func (f *fyneErrors) Write(p []byte) (int, error) {
	line := string(p)
	switch {
	case strings.Contains(line, "Fyne error"):
		f.keep = true
	case strings.Contains(line, "  Cause:") || strings.Contains(line, "  At:"):
	default:
		f.keep = false
	}
	if f.keep {
		f.w.Write(p)
	}
	return len(p), nil
}
