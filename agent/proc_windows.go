//go:build windows

package agent

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/windows"
)

// detach starts the agent with no console (closing the one the command
// ran in does not end it) in a process group of its own (its Ctrl+C does
// not reach it). Go hands it only the handles it is given (the agent's
// log, through PROC_THREAD_ATTRIBUTE_HANDLE_LIST), so the caller's console
// or pipe is not kept open by it: `thumbdrop upload ... | more` returns.
// (Under Wine every process also inherits its parent's Unix stderr, which
// Wine keeps for its own messages: there a pipe on stderr stays open while
// the agent runs. wine_test.go shows both.)
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS}
}

// Windows has no SIGTERM, and a detached agent has no console to send
// Ctrl+Break to: it waits on a named event instead, which 'serve --stop'
// sets, and shuts down as gracefully as on Unix (requests finish, the
// state file goes). Local\ is the user's session.
func stopEventName(pid int) *uint16 {
	p, _ := windows.UTF16PtrFromString(fmt.Sprintf(`Local\thumbdrop-agent-stop-%d`, pid))
	return p
}

// stopRequests returns ctx, ended when the stop event is set.
func stopRequests(ctx context.Context) (context.Context, func()) {
	ev, err := windows.CreateEvent(nil, 1, 0, stopEventName(os.Getpid()))
	if err != nil {
		return ctx, func() {} // terminate falls back to TerminateProcess
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		windows.WaitForSingleObject(ev, windows.INFINITE)
		cancel()
		close(done)
	}()
	return ctx, func() {
		windows.SetEvent(ev)
		<-done
		windows.CloseHandle(ev)
	}
}

// terminate asks the agent to stop; one that has no stop event (not yet
// listening) is ended at once.
func terminate(p *os.Process) {
	ev, err := windows.OpenEvent(windows.EVENT_MODIFY_STATE, false, stopEventName(p.Pid))
	if err != nil {
		p.Kill()
		return
	}
	windows.SetEvent(ev)
	windows.CloseHandle(ev)
}

// processAlive: os.FindProcess succeeds for a process that has exited as
// long as a handle to it is open (ours is), so ask whether it is signalled.
func processAlive(p *os.Process) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(p.Pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	ev, err := windows.WaitForSingleObject(h, 0)
	return err == nil && ev == uint32(windows.WAIT_TIMEOUT)
}
