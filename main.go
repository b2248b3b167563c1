// Command thumbdrop gets pictures into posts: with no arguments it opens the
// desktop app; with a subcommand it runs the command line.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/thumbdrop/thumbdrop/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) == 1 {
		stop()
		os.Exit(runGUI())
	}
	env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(cli.Run(ctx, env, os.Args[1:]))
}
