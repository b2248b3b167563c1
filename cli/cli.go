// Package cli is thumbdrop's command line: every subcommand of the spec,
// free of Fyne so it builds and tests without a display.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Env is what a command may touch: its streams, environment and arguments.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Exit statuses from the spec.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	programName = "thumbdrop"
)

type command struct {
	name, args, help string
	run              func(ctx context.Context, e Env, args []string) int
}

func commands() []command {
	return []command{
		{"upload", "[--json] [--format F] [--no-wait] [--timeout 60s] FILE...", "upload, wait for thumbnails, print links", runUpload},
		{"serve", "[--addr 127.0.0.1:8586]", "run the local S3 endpoint + resize trigger in the foreground", runServe},
		{"thumbnail", "[--max 200] [--json] -o DIR FILE...", "make thumbnails locally with the resize code", runThumbnail},
		{"login", "", "store an access key id and secret in the OS keyring (prompt, or two lines on stdin)", runLogin},
		{"logout", "", "remove them from the keyring", runLogout},
		{"config", "show [--json] | set KEY VALUE", "show or change settings", runConfig},
		{"history", "[--json] [--format F] [FILTER]", "past uploads, newest first", runHistory},
		{"delete", "KEY|URL...", "delete an original and its thumbnail from the bucket", runDelete},
	}
}

// Usage writes the list of subcommands.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s [COMMAND] [FLAGS]\n\nWith no command, %s opens the desktop app.\n\nCommands:\n", programName, programName)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s %s\n      %s\n", c.name, c.args, c.help)
	}
}

// Run runs one subcommand and returns the process exit status.
func Run(ctx context.Context, e Env, args []string) int {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if len(args) == 0 {
		Usage(e.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		Usage(e.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.Stderr, "%s: unknown command %q; run '%s help' for the list.\n", programName, args[0], programName)
	return ExitUsage
}

// parseFlags parses flags that may stand before, between or after the
// positional arguments, as users type them ("upload a.jpg --json").
func parseFlags(fs *flag.FlagSet, e Env, args []string) ([]string, bool) {
	fs.SetOutput(e.Stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, false
			}
			return nil, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, true
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(programName+" "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s %s\n", programName, name, args)
		fs.PrintDefaults()
	}
	return fs
}

// fail prints one sentence to stderr.
func fail(e Env, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.TrimRight(msg, ".") + "."
	fmt.Fprintf(e.Stderr, "%s: %s\n", programName, msg)
}
