//go:build unix

package agent

import (
	"context"
	"os"
	"os/exec"
	"syscall"
)

// detach puts the child in a session of its own: closing the terminal or
// the app that started it does not stop it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }

func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }

func processAlive(p *os.Process) bool { return p.Signal(syscall.Signal(0)) == nil }

// stopRequests: on Unix 'serve --stop' sends SIGTERM, which ends the
// caller's context already.
func stopRequests(ctx context.Context) (context.Context, func()) { return ctx, func() {} }
