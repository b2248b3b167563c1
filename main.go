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
		// No session bus: Fyne's notifications and the tray probe would
		// each autolaunch a dbus-daemon left running after the window.
		noBus := app.NoAutolaunchBus(os.Getenv, os.Setenv)
		if os.Getenv("THUMBDROP_DEBUG") == "" {
			// The window's driver says why it cannot start (GLFW) only
			// through the standard logger: keep what Fyne logs, on stderr.
			log.SetOutput(&fyneErrors{w: os.Stderr, noBus: noBus})
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
	// noBus: there is no session bus, on purpose (NoAutolaunchBus):
	// Fyne's errors of reaching one say nothing new.
	noBus bool
}

// busError: line is Fyne's error of a session bus it cannot reach.
func busError(line string) bool {
	for _, e := range []string{"theme settings", "session D-Bus", "message to bus"} {
		if strings.Contains(line, e) {
			return true
		}
	}
	return false
}

func (f *fyneErrors) Write(p []byte) (int, error) {
	line := string(p)
	switch {
	case strings.Contains(line, "Fyne error"):
		f.keep = !f.noBus || !busError(line)
	case strings.Contains(line, "  Cause:") || strings.Contains(line, "  At:"):
	default:
		f.keep = false
	}
	if f.keep {
		f.w.Write(p)
	}
	return len(p), nil
}
