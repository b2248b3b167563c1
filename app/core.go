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

	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Core is what the desktop app drives: the config, the keys, the open
// target with its upload service, the history and the previews. It has no
// Fyne in it; the UI calls it and receives Job events.
type Core struct {
	Dirs    Dirs
	Keyring storage.Keyring
	Log     *slog.Logger
	// Retries of a transient upload failure (0: the service's default).
	Retries int

	mu       sync.Mutex
	cfg      Config
	target   *Target
	svc      *Service
	hist     *History
	previews *Previews
	onEvent  func(Job)
	onChange func() // history changed
}

// NewCore loads config and history; Open connects.
func NewCore(d Dirs, kr storage.Keyring, log *slog.Logger) (*Core, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := LoadConfig(d)
	if err != nil {
		return nil, err
	}
	h, err := OpenHistory(d.Data)
	if err != nil {
		return nil, err
	}
	return &Core{Dirs: d, Keyring: kr, Log: log, cfg: c, hist: h}, nil
}

// SetHandlers sets who hears of job changes and history changes. Both are
// called from worker goroutines.
func (c *Core) SetHandlers(onEvent func(Job), onHistory func()) {
	c.mu.Lock()
	c.onEvent, c.onChange = onEvent, onHistory
	c.mu.Unlock()
}

// Config is the current configuration.
func (c *Core) Config() Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg
}

// History is the upload history.
func (c *Core) History() *History { return c.hist }

// TargetID is the open target's identity ("" when not open).
func (c *Core) TargetID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.target == nil {
		return ""
	}
	return c.target.ID
}

// Open connects to the configured target and starts the upload service.
func (c *Core) Open(ctx context.Context) error {
	c.mu.Lock()
	cfg := c.cfg
	c.mu.Unlock()
	t, err := OpenTarget(ctx, cfg, c.Dirs, OpenOptions{Keyring: c.Keyring, Log: c.Log})
	if err != nil {
		return err
	}
	svc := NewService(cfg, t, c.hist, ServiceOptions{OnEvent: c.event, Retries: c.Retries})
	c.mu.Lock()
	oldSvc, oldT, oldP := c.svc, c.target, c.previews
	c.svc, c.target = svc, t
	c.previews = NewPreviews(t.Bucket, filepath.Join(c.Dirs.Data, "cache", "previews"), cfg)
	c.mu.Unlock()
	if oldSvc != nil {
		oldSvc.Close()
	}
	if oldT != nil {
		oldT.Close()
	}
	if oldP != nil {
		oldP.Close()
	}
	return nil
}

func (c *Core) event(j Job) {
	c.mu.Lock()
	on, onH := c.onEvent, c.onChange
	c.mu.Unlock()
	if on != nil {
		on(j)
	}
	if onH != nil && (j.State == Done || j.State == Waiting) {
		onH()
	}
}

// Close stops uploads and the local server, and waits for preview loads
// (which then fail fast) so nothing writes into the data folder afterwards.
func (c *Core) Close() {
	c.mu.Lock()
	svc, t, p := c.svc, c.target, c.previews
	c.svc, c.target = nil, nil
	c.mu.Unlock()
	if svc != nil {
		svc.Close()
	}
	if t != nil {
		t.Close()
	}
	if p != nil {
		p.Close()
	}
}

var errNotOpen = errors.New("not connected: check Settings")

func (c *Core) service() (*Service, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.svc == nil {
		return nil, errNotOpen
	}
	return c.svc, nil
}

// Add queues files; it returns their job IDs.
func (c *Core) Add(paths ...string) ([]int, error) {
	s, err := c.service()
	if err != nil {
		return nil, err
	}
	return s.Add(paths...), nil
}

// Cancel stops a job.
func (c *Core) Cancel(id int) {
	if s, err := c.service(); err == nil {
		s.Cancel(id)
	}
}

// Retry queues a failed job again.
func (c *Core) Retry(id int) bool {
	s, err := c.service()
	return err == nil && s.Retry(id)
}

// Jobs lists the jobs of this session.
func (c *Core) Jobs() []Job {
	s, err := c.service()
	if err != nil {
		return nil
	}
	return s.Jobs()
}

// Links resolves a record's links (presigned ones are made fresh).
func (c *Core) Links(ctx context.Context, r Record) (LinkData, error) {
	s, err := c.service()
	if err != nil {
		return LinkData{}, err
	}
	return s.LinkData(ctx, r)
}

// LinksWith resolves links with another link mode or lifetime than the
// configured one (a fresh private link, say).
func (c *Core) LinksWith(ctx context.Context, cfg Config, r Record) (LinkData, error) {
	s, err := c.service()
	if err != nil {
		return LinkData{}, err
	}
	return ResolveLinks(ctx, cfg, s.target.Bucket, r)
}

// Delete removes an upload's original and thumbnail from the bucket and
// from the history.
func (c *Core) Delete(ctx context.Context, r Record) error {
	s, err := c.service()
	if err != nil {
		return err
	}
	if err := s.target.Bucket.Delete(ctx, r.Key, r.ThumbKey); err != nil {
		return fmt.Errorf("delete %s: %w", r.Name(), err)
	}
	if err := c.hist.Remove(r.Target, r.Key); err != nil {
		return err
	}
	c.mu.Lock()
	onH := c.onChange
	c.mu.Unlock()
	if onH != nil {
		onH()
	}
	return nil
}

// Previews loads preview images.
func (c *Core) Previews() *Previews {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.previews
}

// ApplyConfig validates, saves and reconnects with a new configuration.
func (c *Core) ApplyConfig(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := SaveConfig(c.Dirs, cfg); err != nil {
		return err
	}
	c.mu.Lock()
	c.cfg = cfg
	c.mu.Unlock()
	return c.Open(ctx)
}

// SaveKeys stores keys in the OS keyring only.
func (c *Core) SaveKeys(k storage.Keys) error { return c.Keyring.Save(k) }

// ForgetKeys removes them.
func (c *Core) ForgetKeys() error { return c.Keyring.Delete() }

// HasKeys reports whether keys are stored (never returns them).
func (c *Core) HasKeys() bool {
	_, err := c.Keyring.Load()
	return err == nil
}

// TestConnection opens cfg (without saving it) and reports what works.
func (c *Core) TestConnection(ctx context.Context, cfg Config) CheckReport {
	t, err := OpenTarget(ctx, cfg, c.Dirs, OpenOptions{Keyring: c.Keyring})
	if err != nil {
		item := CheckItem{false, err.Error()}
		nc := CheckItem{false, "not checked"}
		if errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring) {
			return CheckReport{Credentials: item, Bucket: nc, Put: nc, Resize: nc}
		}
		return CheckReport{Credentials: nc, Bucket: item, Put: nc, Resize: nc}
	}
	defer t.Close()
	return Check(ctx, cfg, t, min(cfg.ThumbTimeout.D(), 20*time.Second))
}

// Sniff reports whether a file is an image thumbdrop uploads, reading its
// first bytes; the error says why not, naming the file.
func Sniff(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: cannot open it (%v)", filepath.Base(path), unwrapPath(err))
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := f.Read(head)
	if n == 0 {
		return fmt.Errorf("%s is empty (0 bytes)", filepath.Base(path))
	}
	if thumbnail.Sniff(head[:n]) == "" {
		return fmt.Errorf("%s is not an image (JPEG, PNG, GIF, WebP, BMP or TIFF)", filepath.Base(path))
	}
	return nil
}
