package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/flock"
)

// startTimeout bounds how long starting an agent may take.
const startTimeout = 10 * time.Second

// Ensure makes sure an agent runs for the user of dirs as c says (links
// on c.LocalAddr's port, the editors' API on c.PicGoServer), starting exe
// ("thumbdrop serve", detached from this process) when none does, and
// waits until it answers. Several processes may call it at once: one
// agent wins the lock, the others exit at once, and every caller sees the
// winner. An agent started with other settings (local_addr or
// picgo_server changed since) is restarted.
func Ensure(ctx context.Context, d app.Dirs, exe string, c app.Config) (State, error) {
	if st, ok := ReadState(d); ok && alive(ctx, st) {
		if samePort(st.Addr, c.LocalAddr) && (st.PicGoWant == "" || st.PicGoWant == c.PicGoServer) {
			return st, nil
		}
		if _, err := Stop(ctx, d); err != nil {
			return st, err
		}
	}
	if exe == "" {
		return State{}, errors.New("no thumbdrop binary to start the agent with")
	}
	child, err := Detach(d, exe)
	if err != nil {
		return State{}, err
	}
	return WaitReady(ctx, d, child)
}

// Detach starts exe serve in the background, in a session of its own, with
// its output appended to agent.log in the data folder.
func Detach(d app.Dirs, exe string, extra ...string) (*os.Process, error) {
	if err := os.MkdirAll(d.Data, 0o700); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(d.Data, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(exe, append([]string{"serve"}, extra...)...)
	cmd.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+d.Config, "THUMBDROP_DATA_DIR="+d.Data, "THUMBDROP_AGENT_CHILD=1")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = "/"
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the agent: %w", err)
	}
	p := cmd.Process
	go cmd.Wait() // reap it if it exits while we run
	return p, nil
}

// WaitReady waits until some agent (the child, or another that won the
// lock) answers, or the child fails.
func WaitReady(ctx context.Context, d app.Dirs, child *os.Process) (State, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	logStart := logSize(d)
	for {
		if st, ok := ReadState(d); ok && alive(ctx, st) {
			return st, nil
		}
		if child != nil && !processAlive(child) && !flock.Held(filepath.Join(d.Data, lockFile)) {
			return State{}, fmt.Errorf("the agent did not start: %s", lastLog(d, logStart))
		}
		select {
		case <-ctx.Done():
			return State{}, fmt.Errorf("the agent did not answer within %s: %s", startTimeout, lastLog(d, logStart))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// alive asks an agent for its heartbeat on the link server.
func alive(ctx context.Context, st State) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+st.Addr+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusOK
}

// Stop stops the running agent: SIGTERM, then SIGKILL if it has not let go
// of its lock within 5 s. It reports whether one was running.
func Stop(ctx context.Context, d app.Dirs) (bool, error) {
	lockPath := filepath.Join(d.Data, lockFile)
	st, ok := ReadState(d)
	if !ok {
		return false, nil
	}
	p, err := os.FindProcess(st.PID)
	if err != nil {
		return true, err
	}
	terminate(p)
	deadline := time.Now().Add(5 * time.Second)
	for flock.Held(lockPath) {
		if time.Now().After(deadline) {
			p.Kill()
			time.Sleep(100 * time.Millisecond)
			if flock.Held(lockPath) {
				return true, fmt.Errorf("the agent (pid %d) does not stop", st.PID)
			}
			break
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return true, nil
}

func logSize(d app.Dirs) int64 {
	st, err := os.Stat(filepath.Join(d.Data, logFile))
	if err != nil {
		return 0
	}
	return st.Size()
}

// lastLog is the last line the agent logged since from, for messages.
func lastLog(d app.Dirs, from int64) string {
	b, err := os.ReadFile(filepath.Join(d.Data, logFile))
	if err != nil || int64(len(b)) <= from {
		return "see " + filepath.Join(d.Data, logFile)
	}
	lines := strings.Split(strings.TrimSpace(string(bytes.TrimSpace(b[from:]))), "\n")
	last := strings.TrimPrefix(lines[len(lines)-1], "thumbdrop: ")
	return strings.TrimSuffix(last, ".")
}

func samePort(a, b string) bool {
	if b == "" {
		return true
	}
	_, pa, _ := net.SplitHostPort(a)
	_, pb, _ := net.SplitHostPort(b)
	return pa == pb
}
