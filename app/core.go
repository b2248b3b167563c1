package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
	"github.com/thumbdrop/thumbdrop/storage"
)

// Options configure Open. The zero value of each field is a sensible
// default; Dirs is required.
type Options struct {
	Dirs    Dirs
	Keyring storage.Keyring
	Log     *slog.Logger
	// Retries of a transient upload failure, with backoff (0: 3;
	// negative: none).
	Retries int
	// OpenBucket, if set, replaces the real buckets (the fast tests pass
	// an apptest.Bucket). It returns the bucket for a configuration.
	OpenBucket func(ctx context.Context, c Config) (Bucket, error)
	// StartAgent, if set, is called when a local-mode target opens, so the
	// links it hands out are served after this process exits (the app and
	// the CLI pass agent.Ensure; tests leave it nil).
	StartAgent func(ctx context.Context, c Config) error
	// PollInterval is how often the history is checked for uploads made
	// by other processes while someone watches (default 1 s).
	PollInterval time.Duration
	// AgentRecheck is how long a local upload trusts that the agent found
	// running a moment ago still runs (default 2 s: a burst of uploads
	// looks after it once).
	AgentRecheck time.Duration
}

// Core is thumbdrop's one door: every front end (the window, the CLI,
// the editors' upload API) drives a Core, so they cannot disagree. It owns
// the configuration, the open target, the upload queue, the history and
// the previews.
type Core struct {
	opt  Options
	log  *slog.Logger
	hist *history.DB
	q    *queue

	mu      sync.Mutex
	cfg     Config
	cur     *session // the open target; nil until opened
	gen     int      // counts configuration changes
	subs    map[int]*subscriber
	nextSub int
	prev    *previews
	closed  bool
	tmp     string // AddBytes' files

	pollStop chan struct{}
	pollDone chan struct{}

	// agentMu serialises looking after the local agent; agentSeen is when
	// it was last found running (or started).
	agentMu   sync.Mutex
	agentSeen time.Time

	// life ends with Close: background work of the core (the sweep of
	// stale multipart uploads) stops then.
	life     context.Context
	lifeStop context.CancelFunc
}

// session is an open target with the configuration it was opened with.
// Jobs keep the session they started with: a settings change swaps the
// core's session underneath them without disturbing them.
type session struct {
	cfg Config
	b   Bucket
	id  string // the target's identity in the history
	// agentErr is why the local agent could not be started as the
	// session opened: local links answer only while it runs.
	agentErr error
	// givenUp are uploads failed while the server was not answering
	// (key: sha256): it may still store them when it comes back.
	givenUp sync.Map
}

// Open loads the configuration and the history. It does not connect:
// Connect does, or the first operation that needs the target.
func Open(ctx context.Context, o Options) (*Core, error) {
	if o.Dirs.Data == "" || o.Dirs.Config == "" {
		return nil, errors.New("app: no config or data folder")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Retries == 0 {
		o.Retries = 3
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.AgentRecheck <= 0 {
		o.AgentRecheck = 2 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	cfg, err := LoadConfig(o.Dirs)
	if err != nil {
		return nil, err
	}
	h, err := history.Open(ctx, o.Dirs.Data)
	if err != nil {
		return nil, err
	}
	c := &Core{opt: o, log: o.Log, hist: h, cfg: cfg, subs: map[int]*subscriber{}}
	c.life, c.lifeStop = context.WithCancel(context.Background())
	c.q = newQueue(c)
	return c, nil
}

// Dirs are the folders the core keeps its files in.
func (c *Core) Dirs() Dirs { return c.opt.Dirs }

// Config is the configuration in effect.
func (c *Core) Config() Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// Connect opens the configured target now (the app does so at start to
// say at once whether it works).
func (c *Core) Connect(ctx context.Context) error {
	_, err := c.session(ctx)
	return err
}

// Connected reports whether a target is open.
func (c *Core) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur != nil
}

var errClosed = errors.New("thumbdrop is shutting down")

// sweeper is a bucket that can abort the multipart uploads of processes
// that died mid-upload (storage.S3).
type sweeper interface {
	SweepIncomplete(ctx context.Context, prefix string, olderThan time.Duration) (int, error)
}

// staleUpload: a multipart upload begun this long ago belongs to a
// process that died (the SAM template's lifecycle rule uses a day too).
const staleUpload = 24 * time.Hour

// session returns the open target, opening the configured one if none is.
func (c *Core) session(ctx context.Context) (*session, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	if s := c.cur; s != nil {
		c.mu.Unlock()
		return s, nil
	}
	cfg, gen := c.cfg, c.gen
	c.mu.Unlock()
	s, err := c.openSession(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil && c.gen == gen {
		c.cur = s
		c.prev = newPreviews(filepath.Join(c.opt.Dirs.Data, "cache", "previews"), c.opt.Dirs.DecoderCache())
		if sw, ok := s.b.(sweeper); ok {
			go func() {
				ctx, cancel := context.WithTimeout(c.life, 30*time.Second)
				defer cancel()
				n, err := sw.SweepIncomplete(ctx, s.cfg.OriginalPrefix, staleUpload)
				switch {
				case err != nil && ctx.Err() == nil:
					c.log.Warn("could not look for stale multipart uploads", "err", err.Error())
				case n > 0:
					c.log.Info("aborted stale multipart uploads", "count", n)
				}
			}()
		}
	}
	if c.cur != nil {
		return c.cur, nil
	}
	return s, nil
}

func (c *Core) openSession(ctx context.Context, cfg Config) (*session, error) {
	var b Bucket
	var err error
	if c.opt.OpenBucket != nil {
		if err = cfg.Validate(); err == nil {
			b, err = c.opt.OpenBucket(ctx, cfg)
		}
	} else {
		b, err = openTarget(ctx, cfg, c.opt.Dirs, c.opt.Keyring, c.log)
	}
	if err != nil {
		return nil, err
	}
	s := &session{cfg: cfg, b: b, id: TargetID(cfg)}
	if cfg.Target == TargetLocal && c.opt.StartAgent != nil {
		c.agentMu.Lock()
		err := c.opt.StartAgent(ctx, cfg)
		if err == nil {
			c.agentSeen = time.Now()
		}
		c.agentMu.Unlock()
		if err != nil {
			c.log.Warn("the local agent did not start; local links work only while it runs", "err", err.Error())
			s.agentErr = err
		}
	}
	return s, nil
}

// keepAgent makes sure, before a local upload, that the agent serving
// its links runs: it may have been stopped (Settings, 'serve --stop')
// since the session opened. Starting one that runs costs a heartbeat.
// At most one check runs at a time, none within Options.AgentRecheck of
// the last success, and always with the settings in effect now.
func (c *Core) keepAgent(ctx context.Context, s *session) {
	if s.cfg.Target != TargetLocal || c.opt.StartAgent == nil {
		return
	}
	c.agentMu.Lock()
	defer c.agentMu.Unlock()
	if time.Since(c.agentSeen) < c.opt.AgentRecheck {
		return
	}
	cfg := c.Config()
	if cfg.Target != TargetLocal {
		return
	}
	err := c.opt.StartAgent(ctx, cfg)
	if ctx.Err() != nil {
		return // canceled: says nothing of the agent
	}
	if err == nil {
		c.agentSeen = time.Now()
	}
	c.mu.Lock()
	s.agentErr = err
	c.mu.Unlock()
}

// AgentErr is why the local agent could not be started when the target
// opened, if it could not: the links of local uploads do not answer until
// it runs. Nil on other targets, or before the target is open.
func (c *Core) AgentErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return nil
	}
	return c.cur.agentErr
}

// TargetID is the identity of the target of c in the history: "local", or
// "s3:<endpoint>/<bucket>".
func TargetID(c Config) string {
	if c.Target == TargetLocal {
		return TargetLocal
	}
	return "s3:" + c.Endpoint + "/" + c.Bucket
}

// ApplyConfig switches to a new configuration: the new target is opened
// first, and only once it is open is the configuration saved and put in
// effect. If it cannot open, nothing changes and the error says why. The
// queue, its rows and their IDs live on; jobs already running finish on
// the target they started with.
func (c *Core) ApplyConfig(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	s, err := c.openSession(ctx, cfg)
	if err != nil {
		return err
	}
	if err := SaveConfig(c.opt.Dirs, cfg); err != nil {
		return err
	}
	c.mu.Lock()
	c.cfg, c.cur = cfg, s
	c.gen++
	old := c.prev
	c.prev = newPreviews(filepath.Join(c.opt.Dirs.Data, "cache", "previews"), c.opt.Dirs.DecoderCache())
	c.mu.Unlock()
	if old != nil {
		go old.close()
	}
	c.q.resize(cfg.Concurrency)
	c.notifyHistory()
	return nil
}

// Set changes one setting, validated against the others, and saves it
// (`thumbdrop config set`). It takes effect at the next connection.
func (c *Core) Set(key, value string) error {
	c.mu.Lock()
	cfg := c.cfg
	c.mu.Unlock()
	if err := cfg.Set(key, value); err != nil {
		return err
	}
	if err := SaveConfig(c.opt.Dirs, cfg); err != nil {
		return err
	}
	c.mu.Lock()
	c.cfg, c.cur = cfg, nil
	c.gen++
	c.mu.Unlock()
	return nil
}

// Reload re-reads config.json and, if another process (the app's
// Settings, 'thumbdrop config set') changed it, switches to it. The agent
// calls it before serving each request.
func (c *Core) Reload(ctx context.Context) error {
	cfg, err := LoadConfig(c.opt.Dirs)
	if err != nil {
		return err
	}
	c.mu.Lock()
	same := c.cfg == cfg
	if !same {
		c.cfg, c.cur = cfg, nil
		c.gen++
	}
	c.mu.Unlock()
	if !same {
		c.q.resize(cfg.Concurrency)
	}
	return nil
}

// SaveKeys stores keys in the OS keyring only.
func (c *Core) SaveKeys(k storage.Keys) error { return c.opt.Keyring.Save(k) }

// ForgetKeys removes them.
func (c *Core) ForgetKeys() error { return c.opt.Keyring.Delete() }

// HasKeys reports whether keys are stored (it never returns them). It
// talks to the OS keyring: call it only where the target needs keys.
func (c *Core) HasKeys() bool {
	_, err := c.opt.Keyring.Load()
	return err == nil
}

// Close cancels running uploads, waits for the workers and preview loads
// (nothing writes into the data folder afterwards) and closes the history.
func (c *Core) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.lifeStop()
	p := c.prev
	stop, done := c.pollStop, c.pollDone
	c.pollStop = nil
	c.mu.Unlock()
	c.q.close()
	if p != nil {
		p.close()
	}
	if stop != nil {
		close(stop)
		<-done
	}
	c.hist.Close()
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

// Event is what a watcher hears: a job changed, or the history did (an
// upload here or in another process, a delete).
type Event struct {
	Job     *Job // nil for a history change
	History bool
}

type subscriber struct {
	fn func(Event)
}

// Watch calls fn for every event until the returned stop is called. fn is
// called from worker goroutines: a UI hands it to its own thread.
func (c *Core) Watch(fn func(Event)) (stop func()) {
	c.mu.Lock()
	c.nextSub++
	id := c.nextSub
	c.subs[id] = &subscriber{fn: fn}
	if c.pollStop == nil && !c.closed {
		c.pollStop, c.pollDone = make(chan struct{}), make(chan struct{})
		go c.pollHistory(c.pollStop, c.pollDone)
	}
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		delete(c.subs, id)
		c.mu.Unlock()
	}
}

func (c *Core) emit(e Event) {
	c.mu.Lock()
	subs := make([]*subscriber, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	c.mu.Unlock()
	for _, s := range subs {
		s.fn(e)
	}
}

func (c *Core) notifyHistory() { c.emit(Event{History: true}) }

// pollHistory notices uploads made by other processes (the CLI, the
// agent): SQLite's data_version changes when anyone commits. Every
// refreshEvery polls it also looks again for thumbnails that came late.
func (c *Core) pollHistory(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(c.opt.PollInterval)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-stop; cancel() }()
	last, _ := c.hist.Version(ctx)
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		case <-t.C:
			if n%refreshEvery == 0 && c.Connected() {
				c.RefreshUnfinished(ctx)
			}
			v, err := c.hist.Version(ctx)
			if err == nil && v != last {
				last = v
				c.notifyHistory()
			}
		}
	}
}

// refreshEvery polls of the history, the thumbnails of unfinished
// uploads are looked for again (30 s at the default interval).
const refreshEvery = 30

// errNotOpen wraps why the target is not open.
func notConnected(err error) error {
	return fmt.Errorf("not connected (%w); check Settings or 'thumbdrop config show'", err)
}
