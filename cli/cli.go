// Package cli is thumbdrop's command line: one file per subcommand, each a
// thin adapter over app.Core that returns an error; Run maps errors to
// exit statuses in one place.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
)

// Env is what a command may touch: its streams, environment and the
// services the binary provides.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Version is the program's version (thumbdrop --version).
	Version string
	// Executable is the thumbdrop binary, started in the background as
	// the agent when a local-mode upload needs its links served ("": the
	// agent is never started, as in the package's tests).
	Executable string
	// Keyring keeps the access keys (the composition root passes
	// app.OSKeyring; nil: none can be stored).
	Keyring app.Keyring
}

// Exit statuses from the spec.
const (
	ExitOK      = 0
	ExitFailed  = 1
	ExitUsage   = 2
	programName = "thumbdrop"
)

// usageError: the command line is wrong; nothing was done (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errReported: some files failed and each was reported already (exit 1).
var errReported = errors.New("reported")

type command struct {
	name, args, help string
	run              func(ctx context.Context, e Env, args []string) error
}

func commands() []command {
	return []command{
		{"upload", uploadArgs, "upload, wait for thumbnails, print links", runUpload},
		{"serve", serveArgs, "the local agent: serves local links and the editors' upload API", runServe},
		{"thumbnail", thumbnailArgs, "make thumbnails locally with the resize code", runThumbnail},
		{"login", "", "store an access key id and secret in the OS keyring (prompt, or two lines on stdin)", runLogin},
		{"logout", "", "remove them from the keyring", runLogout},
		{"config", "show [--json] | set KEY VALUE | reset", "show, change or reset settings", runConfig},
		{"history", "[--json] [--format F] [--sync] [FILTER]", "past uploads, newest first", runHistory},
		{"sync", "[--full] [--json]", "reconcile the history with the bucket: others' uploads appear, deleted ones are marked", runSync},
		{"delete", "KEY|URL...", "delete an upload and every copy made from it", runDelete},
		{"import", importArgs, "bring another uploader's gallery (PicGo, PicList, ShareX, uPic) into the history, links as they are", runImport},
		{"check", "", "test the settings: keys, bucket, upload, resize function, the endpoint's quirks", runCheck},
		{"backfill", "[--dry-run] [--here] [--role ARN --function ARN] [--distribution ID] [--json]", "make the thumbnails missing for originals already in the bucket", runBackfill},
	}
}

// Usage writes the list of subcommands.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s [FILE...] | %s COMMAND [FLAGS]\n\nWith no command, %s opens the desktop app (with files, it uploads them there).\n\nCommands:\n",
		programName, programName, programName)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %s %s\n      %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintf(w, "\n'%s COMMAND --help' describes a command's flags; '%s --version' prints the version.\n", programName, programName)
}

// IsCommand reports whether arg names a subcommand (or a help or version
// flag), as opposed to a file for the app.
func IsCommand(arg string) bool {
	switch arg {
	case "help", "-h", "--help", "-help", "--version", "-version", "version":
		return true
	}
	for _, c := range commands() {
		if c.name == arg {
			return true
		}
	}
	return false
}

// CheckAppArgs checks what is given to the app instead of a command: files
// and folders to upload. A flag, or a bare word that names no file, is a
// mistyped command (exit 2), not a file the app would fail to find.
func CheckAppArgs(args []string) error {
	if len(args) == 0 {
		return nil
	}
	a := args[0]
	if strings.HasPrefix(a, "-") {
		return usagef("unknown flag %q; run '%s help' for the commands and flags", a, programName)
	}
	if _, err := os.Stat(a); err != nil && !strings.ContainsAny(a, `/\.`) {
		return usagef("unknown command %q; run '%s help' for the list", a, programName)
	}
	return nil
}

// Run runs one subcommand and returns the process exit status.
func Run(ctx context.Context, e Env, args []string) int {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	return exitStatus(e, dispatch(ctx, e, args))
}

func dispatch(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 {
		Usage(e.Stderr)
		return &usageError{}
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		Usage(e.Stdout)
		return nil
	case "--version", "-version", "version":
		fmt.Fprintf(e.Stdout, "%s %s\n", programName, e.Version)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	return usagef("unknown command %q; run '%s help' for the list", args[0], programName)
}

// exitStatus maps what a command returned to the spec's exit status,
// printing the error as one sentence.
func exitStatus(e Env, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		if ue.msg != "" {
			fail(e, "%s", ue.msg)
		}
		return ExitUsage
	case errors.Is(err, errReported):
		return ExitFailed
	case errors.Is(err, context.Canceled):
		fail(e, "interrupted; uploads in progress were canceled")
		return ExitFailed
	}
	fail(e, "%v", err)
	return ExitFailed
}

// parseFlags parses flags that may stand before, between or after the
// positional arguments, as users type them ("upload a.jpg --json"). -h
// and --help print the command's usage to stdout (exit 0).
func parseFlags(fs *flag.FlagSet, e Env, args []string) ([]string, error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(e.Stdout)
			fs.Usage()
			return nil, flag.ErrHelp
		}
	}
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%v; run '%s --help'", err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet(programName+" "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s %s\n", programName, name, args)
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprintf(fs.Output(), "\n%s.\n", strings.ToUpper(c.help[:1])+c.help[1:])
			}
		}
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

// note prints a remark that is not a failure to stderr.
func note(e Env, format string, args ...any) {
	fmt.Fprintf(e.Stderr, "%s: note: %s\n", programName, fmt.Sprintf(format, args...))
}

// checkFormat is app.CheckFormat as a usage error, pointing a --format
// json at --json.
func checkFormat(f string) error {
	if f == "json" {
		return usagef("--format json: use --json for JSON")
	}
	if err := app.CheckFormat(f); err != nil {
		return usagef("--format: %v", err)
	}
	return nil
}

// agentNote says on stderr when the local agent could not start: the
// local links just printed do not answer until it runs.
func agentNote(e Env, core *app.Core) {
	if err := core.AgentErr(); err != nil {
		var ae *app.Error
		if errors.As(err, &ae) && ae.Kind == app.KindAgentStart && ae.Err != nil {
			err = ae.Err // "could not start: " is said here already
		}
		note(e, "these links answer only while the thumbdrop agent runs, and it could not start: %v", err)
	}
}

// openCore opens the one core every command drives.
func openCore(ctx context.Context, e Env) (*app.Core, error) {
	d, err := app.ResolveDirs(e.Getenv)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	o := app.Options{Dirs: d, Keyring: e.Keyring, Log: log}
	if e.Executable != "" {
		o.Agent = agent.Control{Dirs: d, Exe: e.Executable}
	}
	return app.Open(ctx, o)
}
