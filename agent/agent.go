// Package agent is thumbdrop's per-user background process: it serves
// local mode's links read-only, and the editors' upload API (PicGo-Server
// compatible) over the same core as every other front end. One runs per
// user (a lock in the data folder); the app and the CLI start it when none
// is running (Control), so the links they hand out outlive them.
package agent

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/atomicfile"
	"github.com/thumbdrop/thumbdrop/internal/flock"
)

// Files in the data folder.
const (
	lockFile  = "agent.lock" // held by the running agent
	stateFile = "agent.json" // where it listens, written once it does
	logFile   = "agent.log"  // what a detached agent prints
)

// State is what a running agent says of itself (agent.json).
type State struct {
	PID   int    `json:"pid"`
	Addr  string `json:"addr"`            // link server
	PicGo string `json:"picgo,omitempty"` // editors' API ("" when off)
	// PicGoErr is why the editors' API is not served although it is on
	// (its port taken, by PicGo itself perhaps): links are served anyway.
	// PicGoErrInfo is the same as the core's typed error.
	PicGoErr     string `json:"picgo_error,omitempty"`
	PicGoErrInfo string `json:"picgo_error_info,omitempty"`
	// PicGoWant is the picgo_server setting the agent serves by.
	PicGoWant string    `json:"picgo_want,omitempty"`
	Version   string    `json:"version"`
	Started   time.Time `json:"started"`
	// Data is the data folder it serves.
	Data string `json:"data,omitempty"`
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
	// CheckEvery is how often the agent looks whether its data folder is
	// still there and whether picgo_server changed (default 1 s).
	CheckEvery time.Duration
	// Keyring is the OS keyring (the composition root's): the keys of an
	// S3 target the editors upload to, and the editors' API secret.
	Keyring app.Keyring
}

// Header is the header by which the agent's link server says who it is,
// so a port found taken can be told apart from another program's.
const Header = "X-Thumbdrop-Agent"

// Run is the agent in the foreground: it takes the per-user lock, listens
// on loopback, serves until ctx ends (or its data folder is deleted: then
// no one could find or stop it), then shuts down gracefully.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = time.Second
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

	core, err := app.Open(ctx, app.Options{Dirs: o.Dirs, Log: o.Log, Keyring: o.Keyring})
	if err != nil {
		return err
	}
	defer core.Close()
	cfg := core.Config()
	addr := cfg.LocalAddr
	fix := "thumbdrop config set local_addr 127.0.0.1:PORT"
	if o.Addr != "" {
		addr, fix = o.Addr, "thumbdrop serve --addr 127.0.0.1:PORT"
	}
	if err := app.CheckLoopback(addr); err != nil {
		return err
	}
	bucket, err := core.LocalBucket()
	if err != nil {
		return err
	}
	linkLn, err := listenLoopback(addr, fix)
	if err != nil {
		return err
	}
	a := &agent{o: o, core: core, st: State{PID: os.Getpid(), Addr: linkLn.Addr().String(), Version: o.Version,
		Started: time.Now().UTC(), Data: o.Dirs.Data}}
	a.links = newServer(hostOnly(linkLn.Addr(), &links{core: core, bucket: bucket, log: o.Log, pid: a.st.PID}), o.Log)
	a.serveAPI(cfg.PicGoServer)
	if err := a.writeState(); err != nil {
		linkLn.Close()
		a.stopAPI()
		return err
	}
	defer os.Remove(filepath.Join(o.Dirs.Data, stateFile))
	errc := make(chan error, 1)
	go func() { errc <- a.links.Serve(linkLn) }()
	// Thumbnails a killed upload never made, made now; done (or stopped)
	// before the core closes.
	rctx, stopRecover := context.WithCancel(ctx)
	var recovering sync.WaitGroup
	recovering.Add(1)
	go func() {
		defer recovering.Done()
		if n, err := core.RecoverLocal(rctx, time.Minute); n > 0 || err != nil {
			o.Log.Info("made missing thumbnails", "count", n, "err", err)
		}
	}()
	defer func() { stopRecover(); recovering.Wait() }()
	o.Log.Info("agent listening", "links", a.st.Addr, "picgo", a.st.PicGo, "data", o.Dirs.Data)
	if o.Ready != nil {
		o.Ready(a.state())
	}
	t := time.NewTicker(o.CheckEvery)
	defer t.Stop()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err = <-errc:
			break loop
		case <-t.C:
			if lock.Gone() {
				o.Log.Warn("the data folder's agent.lock is gone (the folder was deleted?): stopping, since no one could find this agent", "data", o.Dirs.Data)
				break loop
			}
			a.followConfig(ctx)
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.links.Shutdown(sctx)
	a.stopAPI()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// agent is a running agent's servers and state.
type agent struct {
	o     Options
	core  *app.Core
	links *http.Server

	mu  sync.Mutex
	st  State
	api *http.Server // nil when not served
}

// serveAPI starts the editors' upload API on want ("off" or "": none).
// Links matter more than the API: without its port (PicGo itself may
// hold 36677) the agent serves links anyway and says why the API is off.
func (a *agent) serveAPI(want string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.st.PicGo, a.st.PicGoErr, a.st.PicGoErrInfo, a.st.PicGoWant = "", "", "", want
	if want == "off" || want == "" {
		return
	}
	ln, err := listenLoopback(want, "thumbdrop config set picgo_server 127.0.0.1:PORT")
	if err != nil {
		a.st.PicGoErr, a.st.PicGoErrInfo = err.Error(), app.EncodeError(err)
		a.o.Log.Error("the editors' upload API is not served", "err", a.st.PicGoErr)
		return
	}
	a.st.PicGo = ln.Addr().String()
	a.api = newServer(hostOnly(ln.Addr(), &picgo{core: a.core, log: a.o.Log}), a.o.Log)
	go a.api.Serve(ln)
}

func (a *agent) stopAPI() {
	a.mu.Lock()
	srv := a.api
	a.api = nil
	a.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}

// followConfig serves the editors' API where picgo_server now says
// (turned on, off, or moved by 'config set' or Settings), without a
// restart: local links keep answering meanwhile.
func (a *agent) followConfig(ctx context.Context) {
	if _, err := a.core.Reload(ctx); err != nil {
		return // a damaged config.json: keep serving as before
	}
	want := a.core.Config().PicGoServer
	a.mu.Lock()
	same := want == a.st.PicGoWant
	a.mu.Unlock()
	if same {
		return
	}
	a.stopAPI()
	a.serveAPI(want)
	if err := a.writeState(); err != nil {
		a.o.Log.Warn("cannot write agent.json", "err", err.Error())
	}
	a.o.Log.Info("editors' upload API moved", "picgo", want)
}

func (a *agent) state() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st
}

func (a *agent) writeState() error {
	b, err := json.MarshalIndent(a.state(), "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(a.o.Dirs.Data, stateFile), append(b, '\n'), 0o600)
}

// listenLoopback listens on addr, which must be a loopback address: the
// agent never listens beyond this computer, whatever the config says. A
// port taken is said as such, naming who holds it where that is another
// thumbdrop agent (fix is the command that picks another port).
func listenLoopback(addr, fix string) (net.Listener, error) {
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
			return nil, portTaken(addr, fix)
		}
		return nil, err
	}
	return ln, nil
}

// portTaken says who holds addr: another thumbdrop agent (of another data
// folder, or one whose folder is gone) or another program.
func portTaken(addr, fix string) error {
	if pid, data, ok := whoServes(addr); ok {
		k := app.KindAgentPort
		if _, err := os.Stat(data); data != "" && err != nil {
			k = app.KindAgentPortOrphan // 'serve --stop' stops it (StopOrphan)
		}
		return &app.Error{Kind: k, Value: addr, File: data, Err: &app.Error{Kind: app.KindAgentPID, Value: strconv.Itoa(pid)}, Key: fix}
	}
	return &app.Error{Kind: app.KindPortTaken, Value: addr, Key: fix}
}

// whoServes asks what listens on addr whether it is a thumbdrop agent.
func whoServes(addr string) (pid int, data string, ok bool) {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Head("http://" + addr + "/")
	if err != nil {
		return 0, "", false
	}
	resp.Body.Close()
	v := resp.Header.Get(Header)
	if v == "" {
		return 0, "", false
	}
	var id struct {
		PID  int    `json:"pid"`
		Data string `json:"data"`
	}
	if json.Unmarshal([]byte(v), &id) != nil {
		return 0, "", true
	}
	return id.PID, id.Data, true
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
