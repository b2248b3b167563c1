// Package agent is thumbdrop's per-user background process: it serves
// local mode's links read-only, and the editors' upload API (PicGo-Server
// compatible) over the same core as every other front end. One runs per
// user (a lock in the data folder); the app and the CLI start it when none
// is running, so the links they hand out outlive them.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/flock"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

// Files in the data folder.
const (
	lockFile  = "agent.lock" // held by the running agent
	stateFile = "agent.json" // where it listens, written once it does
	logFile   = "agent.log"  // what a detached agent prints
)

// State is what a running agent says of itself.
type State struct {
	PID   int    `json:"pid"`
	Addr  string `json:"addr"`            // link server
	PicGo string `json:"picgo,omitempty"` // editors' API ("" when off)
	// PicGoErr is why the editors' API is not served although it is on
	// (its port taken, by PicGo itself perhaps): links are served anyway.
	PicGoErr string `json:"picgo_error,omitempty"`
	// PicGoWant is the picgo_server setting the agent started with.
	PicGoWant string    `json:"picgo_want,omitempty"`
	Version   string    `json:"version"`
	Started   time.Time `json:"started"`
}

// ErrRunning: another agent already runs for this user.
var ErrRunning = errors.New("an agent is already running for this user")

// Options configure Run.
type Options struct {
	Dirs app.Dirs
	// Addr overrides the config's local_addr.
	Addr    string
	Version string
	Log     *slog.Logger
	// Ready, if set, is called once the agent listens.
	Ready func(State)
}

// Run is the agent in the foreground: it takes the per-user lock, listens
// on loopback, serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	lock, err := flock.TryLock(filepath.Join(o.Dirs.Data, lockFile))
	if errors.Is(err, flock.ErrHeld) {
		return ErrRunning
	}
	if err != nil {
		return err
	}
	defer lock.Unlock()
	ctx, unwatch := stopRequests(ctx) // Windows: 'serve --stop' sets an event
	defer unwatch()

	core, err := app.Open(ctx, app.Options{Dirs: o.Dirs, Log: o.Log})
	if err != nil {
		return err
	}
	defer core.Close()
	cfg := core.Config()
	addr := cfg.LocalAddr
	if o.Addr != "" {
		addr = o.Addr
	}
	if err := app.CheckLoopback(addr); err != nil {
		return fmt.Errorf("local_addr: %w", err)
	}
	store, err := local.Open(o.Dirs.Data, local.DefaultBucket, local.Options{Log: o.Log})
	if err != nil {
		return err
	}
	linkLn, err := listenLoopback(addr)
	if err != nil {
		fix := "config set local_addr 127.0.0.1:PORT"
		if o.Addr != "" {
			fix = "serve --addr 127.0.0.1:PORT"
		}
		return fmt.Errorf("local links: %w; pick another port with 'thumbdrop %s'", err, fix)
	}
	st := State{PID: os.Getpid(), Addr: linkLn.Addr().String(), Version: o.Version, Started: time.Now().UTC(), PicGoWant: cfg.PicGoServer}
	servers := []*http.Server{newServer(hostOnly(linkLn.Addr(), &links{store: store, log: o.Log}), o.Log)}
	listeners := []net.Listener{linkLn}
	if cfg.PicGoServer != "off" && cfg.PicGoServer != "" {
		// Links matter more than the editors' API: without its port
		// (PicGo itself may hold 36677) the agent serves links anyway.
		if ln, err := listenLoopback(cfg.PicGoServer); err != nil {
			st.PicGoErr = fmt.Sprintf("%v; pick another port with 'thumbdrop config set picgo_server 127.0.0.1:PORT' or turn it off with 'thumbdrop config set picgo_server off'", err)
			o.Log.Error("the editors' upload API is not served", "err", st.PicGoErr)
		} else {
			st.PicGo = ln.Addr().String()
			servers = append(servers, newServer(hostOnly(ln.Addr(), &picgo{core: core, log: o.Log}), o.Log))
			listeners = append(listeners, ln)
		}
	}
	if err := writeState(o.Dirs, st); err != nil {
		for _, ln := range listeners {
			ln.Close()
		}
		return err
	}
	defer os.Remove(filepath.Join(o.Dirs.Data, stateFile))
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func(srv *http.Server, ln net.Listener) { errc <- srv.Serve(ln) }(srv, listeners[i])
	}
	go recoverThumbnails(ctx, core, o.Log)
	o.Log.Info("agent listening", "links", st.Addr, "picgo", st.PicGo, "data", o.Dirs.Data)
	if o.Ready != nil {
		o.Ready(st)
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, srv := range servers {
		srv.Shutdown(sctx)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// listenLoopback listens on addr, which must be a loopback address: the
// agent never listens beyond this computer, whatever the config says.
func listenLoopback(addr string) (net.Listener, error) {
	if err := app.CheckLoopback(addr); err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		if isAddrInUse(err) {
			return nil, fmt.Errorf("%s is already in use by another program", addr)
		}
		return nil, err
	}
	return ln, nil
}

// newServer is an HTTP server that no slow or stuck client can hold up:
// each connection has its own goroutine, a request's headers must arrive
// within 5 s and its body within 60 s, idle connections close.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

func writeState(d app.Dirs, st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return app.WriteFileAtomic(filepath.Join(d.Data, stateFile), append(b, '\n'), 0o600)
}

// ReadState returns the running agent's state, if one runs.
func ReadState(d app.Dirs) (State, bool) {
	if !flock.Held(filepath.Join(d.Data, lockFile)) {
		return State{}, false
	}
	b, err := os.ReadFile(filepath.Join(d.Data, stateFile))
	if err != nil {
		return State{}, false
	}
	var st State
	if json.Unmarshal(b, &st) != nil || st.Addr == "" {
		return State{}, false
	}
	return st, true
}

// recoverThumbnails makes the thumbnails that an uploading process killed
// mid-way never made: every original with neither a thumbnail nor a
// refusal note gets one now, as the Lambda would have.
func recoverThumbnails(ctx context.Context, core *app.Core, log *slog.Logger) {
	cfg := core.Config()
	if cfg.Target != app.TargetLocal {
		return
	}
	store, err := app.OpenLocal(cfg, core.Dirs(), log)
	if err != nil {
		return
	}
	n, err := store.Recover(ctx, cfg.OriginalPrefix, time.Minute)
	if n > 0 || err != nil {
		log.Info("made missing thumbnails", "count", n, "err", err)
	}
}
