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
	"runtime/debug"
	"syscall"

	"github.com/thumbdrop/thumbdrop/cli"
)

// version is set at release builds (-ldflags "-X main.version=1.2.3").
var version = ""

func main() {
	// Libraries that write to the standard logger (transfermanager says
	// "failed to complete multipart upload" even when the retry that
	// follows succeeds) would print past the one-sentence errors: what
	// matters reaches the user through the core's errors instead. With
	// THUMBDROP_DEBUG set they are kept.
	if os.Getenv("THUMBDROP_DEBUG") == "" {
		log.SetOutput(io.Discard)
	}
	args := os.Args[1:]
	if len(args) == 0 || !cli.IsCommand(args[0]) {
		if err := cli.CheckAppArgs(args); err != nil {
			fmt.Fprintf(os.Stderr, "thumbdrop: %v\n", err)
			os.Exit(cli.ExitUsage)
		}
		os.Exit(runGUI(args))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	exe, _ := os.Executable()
	env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Version: programVersion(), Executable: exe}
	os.Exit(cli.Run(ctx, env, args))
}

// programVersion is the release version, or the commit a development build
// was made from.
func programVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "(development build)"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+changes"
	}
	return "development build " + rev
}
