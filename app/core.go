package app

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

// Options configure Open. The zero value of each field is a sensible
// default; Dirs is required.
type Options struct {
	Dirs Dirs
	// Keyring keeps the access keys: the composition root hands the core
	// the OS keyring (OSKeyring); nil: no keys can be stored.
	Keyring Keyring
	Log     *slog.Logger
	// Retries of a transient upload failure, with backoff (0: 3;
	// negative: none).
	Retries int
	// OpenBucket, if set, replaces the real buckets (the fast tests pass
	// an apptest.Bucket). It returns the bucket for a configuration.
	OpenBucket func(ctx context.Context, c Config) (Bucket, error)
	// Agent, if set, is the local agent the core looks after: started
	// when a local-mode target opens and before local uploads, so the
	// links it hands out are served after this process exits (the app and
	// the CLI pass agent.Control; the agent itself and tests leave it nil).
	Agent Agent
	// AgentInBackground starts the agent beside the caller when a target
	// opens rather than before Connect returns (the window shows first);
	// an Event with Agent set says when it answers.
	AgentInBackground bool
	// PollInterval is how often the history (and config.json) is checked
	// for changes made by other processes while someone watches (default
	// 1 s).
	PollInterval time.Duration
	// BackgroundSync syncs the history with the bucket once the target is
	// open and every few minutes (the app); an Event with Sync set says how
	// far it got.
	BackgroundSync bool
	// AgentRecheck is how long a local upload trusts that the agent found
	// running a moment ago still runs (default 2 s: a burst of uploads
	// looks after it once).
	AgentRecheck time.Duration
}

// Core is thumbdrop's one door: every front end (the window, the CLI,
// the editors' upload API) drives a Core, so they cannot disagree. It owns
// the configuration, the open target, the upload queue, the history, the
// previews and, in the app and the CLI, the local agent.
type Core struct {
	opt  Options
	log  *slog.Logger
	hist *history.DB
	q    *queue

	mu      sync.Mutex
	cfg     Config
	cfgSeen fileStamp // config.json as last read
	cur     *session  // the open target; nil until opened
	gen     int       // counts configuration changes
	subs    map[int]*subscriber
	nextSub int
	prev    *previews
	closed  bool
	tmp     string // AddBytes' files

	// local is local mode's bucket in the data folder, opened once per
	// process (sessions on the local target and the agent's links share
	// it).
	localOnce sync.Once
	local     *local.Store
	localErr  error

	pollStop chan struct{}
	pollDone chan struct{}

	agent agentWatch
	// syncMu lets one sync run at a time; syncs is what front ends see.
	syncMu   sync.Mutex
	caughtUp time.Time // when a sync last ended (syncMu)
	syncs    syncWatch
	syncKick chan struct{}

	// life ends with Close: background work of the core (the sweep of
	// stale multipart uploads, a background agent start) stops then.
	life     context.Context
	lifeStop context.CancelFunc
	bg       sync.WaitGroup

	// prep lets one picture at a time be made web-ready (prepare.go).
	prep chan struct{}
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
	if o.Keyring == nil {
		o.Keyring = noKeyring{}
	}
	if o.Retries == 0 {
		o.Retries = defaultRetries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.AgentRecheck <= 0 {
		o.AgentRecheck = defaultAgentRecheck
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	stamp := stampOf(o.Dirs.ConfigFile())
	cfg, err := LoadConfig(o.Dirs)
	if err != nil {
		return nil, err
	}
	h, err := history.Open(ctx, o.Dirs.Data)
	if err != nil {
		return nil, &Error{Kind: KindHistory, Err: err}
	}
	c := &Core{opt: o, log: o.Log, hist: h, cfg: cfg, cfgSeen: stamp, subs: map[int]*subscriber{}, syncKick: make(chan struct{}, 1),
		prep: make(chan struct{}, 1)}
	c.life, c.lifeStop = context.WithCancel(context.Background())
	c.q = newQueue(c)
	if o.BackgroundSync {
		c.syncInBackground()
	}
	return c, nil
}

// Defaults of Options.
const (
	defaultRetries      = 3
	defaultAgentRecheck = 2 * time.Second
	defaultPollInterval = time.Second
)

// Dirs are the folders the core keeps its files in.
func (c *Core) Dirs() Dirs { return c.opt.Dirs }

// Config is the configuration in effect.
func (c *Core) Config() Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
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
	c.bg.Wait()
	c.hist.Close()
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

// localStore is local mode's bucket, opened on first use.
func (c *Core) localStore() (*local.Store, error) {
	c.localOnce.Do(func() {
		c.local, c.localErr = local.Open(c.opt.Dirs.Data, local.DefaultBucket, local.Options{Log: c.log})
	})
	return c.local, c.localErr
}
