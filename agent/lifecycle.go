package agent

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/flock"
)

// startTimeout bounds how long starting an agent may take.
const startTimeout = 10 * time.Second

// Control looks after the agent of one user (data folder Dirs), started
// as Exe serve: it is the app.Agent the composition root hands the core.
type Control struct {
	Dirs app.Dirs
	Exe  string
}

// Ensure makes sure an agent runs as c says (links on c.LocalAddr's port,
// the editors' API on c.PicGoServer), starting Exe ("thumbdrop serve",
// detached from this process) when none does, and waits until it answers.
// Several processes may call it at once: one agent wins the lock, the
// others exit at once, and every caller sees the winner. An agent serving
// links on another port (local_addr changed since) is restarted; one
// serving the editors' API elsewhere follows picgo_server by itself.
func (ct Control) Ensure(ctx context.Context, c app.Config) (app.AgentState, error) {
	d := ct.Dirs
	if st, ok := ReadState(d); ok && alive(ctx, st) {
		if samePort(st.Addr, c.LocalAddr) {
			return st.app(), nil
		}
		if _, err := Stop(ctx, d); err != nil {
			return st.app(), err
		}
	}
	if ct.Exe == "" {
		return app.AgentState{}, &app.Error{Kind: app.KindAgentNoExe}
	}
	os.Remove(filepath.Join(d.Data, failFile))
	child, err := Detach(d, ct.Exe)
	if err != nil {
		return app.AgentState{}, err
	}
	st, err := WaitReady(ctx, d, child)
	return st.app(), err
}

// Stop stops the running agent, reporting whether one was running.
func (ct Control) Stop(ctx context.Context) (bool, error) { return Stop(ctx, ct.Dirs) }

// State says whether an agent runs and what it serves.
func (ct Control) State() (app.AgentState, bool) {
	st, ok := ReadState(ct.Dirs)
	return st.app(), ok
}

// app is the state as the core speaks of it.
func (st State) app() app.AgentState {
	s := app.AgentState{PID: st.PID, Links: st.Addr, API: st.PicGo}
	switch {
	case st.PicGoErrInfo != "":
		s.APIErr = app.DecodeError(st.PicGoErrInfo)
	case st.PicGoErr != "":
		s.APIErr = app.DecodeError(st.PicGoErr)
	}
	return s
}

// Detach starts exe serve in the background, in a session of its own, with
// its output appended to agent.log in the data folder.
func Detach(d app.Dirs, exe string, extra ...string) (*os.Process, error) {
	if err := os.MkdirAll(d.Data, 0o700); err != nil {
		return nil, &app.Error{Kind: app.KindAgentStart, Err: err}
	}
	logf, err := os.OpenFile(filepath.Join(d.Data, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, &app.Error{Kind: app.KindAgentStart, Err: err}
	}
	defer logf.Close()
	cmd := exec.Command(exe, append([]string{"serve"}, extra...)...)
	cmd.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+d.Config, "THUMBDROP_DATA_DIR="+d.Data, "THUMBDROP_AGENT_CHILD=1")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = filepath.VolumeName(d.Data) + string(filepath.Separator)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, &app.Error{Kind: app.KindAgentStart, Err: err}
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
			return State{}, &app.Error{Kind: app.KindAgentStart, Err: startFailure(d, logStart)}
		}
		select {
		case <-ctx.Done():
			return State{}, &app.Error{Kind: app.KindAgentNoAnswer, Value: startTimeout.String(), Err: lastLog(d, logStart)}
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
			if !waitUnlocked(ctx, lockPath, 2*time.Second) {
				return true, &app.Error{Kind: app.KindAgentStop, Value: strconv.Itoa(st.PID)}
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

// waitUnlocked waits up to d for the lock on path to be let go of.
func waitUnlocked(ctx context.Context, path string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for flock.Held(path) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// StopOrphan stops an agent found serving addr whose data folder no
// longer exists (deleted while it ran): no lock or state file leads to
// it. It reports whether there was one.
func StopOrphan(ctx context.Context, addr string) (bool, error) {
	pid, data, ok := whoServes(addr)
	if !ok || pid <= 0 || data == "" {
		return false, nil
	}
	if _, err := os.Stat(data); err == nil {
		return false, nil // a live agent of another folder: not ours to stop
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return true, err
	}
	terminate(p)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, _, ok := whoServes(addr); !ok {
			return true, nil
		}
		if time.Now().After(deadline) {
			p.Kill()
			return true, nil
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// failFile is where a detached agent that could not start leaves its
// error, encoded (app.EncodeError), for the process waiting for it.
const failFile = "agent.failed"

// ReportFailure leaves err where WaitReady finds it (serve calls it when
// it was started detached).
func ReportFailure(d app.Dirs, err error) {
	os.WriteFile(filepath.Join(d.Data, failFile), []byte(app.EncodeError(err)), 0o600)
}

// startFailure is why a detached agent exited: the error it left, else
// the last line it logged since from.
func startFailure(d app.Dirs, from int64) error {
	p := filepath.Join(d.Data, failFile)
	if b, err := os.ReadFile(p); err == nil {
		os.Remove(p)
		if e := app.DecodeError(string(b)); e != nil {
			return e
		}
	}
	return lastLog(d, from)
}

func logSize(d app.Dirs) int64 {
	st, err := os.Stat(filepath.Join(d.Data, logFile))
	if err != nil {
		return 0
	}
	return st.Size()
}

// lastLog is the last line the agent logged since from (its own error,
// a sentence), or where to look.
func lastLog(d app.Dirs, from int64) error {
	b, err := os.ReadFile(filepath.Join(d.Data, logFile))
	if err != nil || int64(len(b)) <= from {
		return &logRef{filepath.Join(d.Data, logFile)}
	}
	lines := strings.Split(strings.TrimSpace(string(bytes.TrimSpace(b[from:]))), "\n")
	last := strings.TrimPrefix(lines[len(lines)-1], "thumbdrop: ")
	return &logLine{strings.TrimSuffix(last, ".")}
}

type logRef struct{ path string }

func (l *logRef) Error() string { return "see " + l.path }

type logLine struct{ s string }

func (l *logLine) Error() string { return l.s }

func samePort(a, b string) bool {
	if b == "" {
		return true
	}
	_, pa, _ := net.SplitHostPort(a)
	_, pb, _ := net.SplitHostPort(b)
	return pa == pb
}
