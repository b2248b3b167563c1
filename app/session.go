package app

import (
	"context"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
)

// session is an open target with the configuration it was opened with.
// Jobs keep the session they started with: a settings change swaps the
// core's session underneath them without disturbing them.
type session struct {
	cfg Config
	b   Bucket // its errors are the core's kinds (kindBucket)
	raw Bucket // the bucket itself, for what only some buckets can do
	id  string // the target's identity in the history
	// givenUp are uploads failed while the server was not answering
	// (key: sha256): it may still store them when it comes back.
	givenUp sync.Map
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
		return nil, &Error{Kind: KindShuttingDown}
	}
	if s := c.cur; s != nil {
		c.mu.Unlock()
		return s, nil
	}
	cfg, gen := c.cfg, c.gen
	c.mu.Unlock()
	s, err := c.openSession(ctx, cfg, c.opt.Keyring)
	if err != nil {
		return nil, &Error{Kind: KindNotConnected, Err: err}
	}
	c.mu.Lock()
	if c.closed { // closed while the target opened: nothing starts now
		c.mu.Unlock()
		return nil, &Error{Kind: KindShuttingDown}
	}
	if c.cur == nil && c.gen == gen {
		c.cur = s
		c.ensurePreviews()
		c.mu.Unlock()
		c.sweepStale(s)
		c.agentOnOpen(ctx, s)
		c.kickSync()
		return s, nil
	}
	if c.cur != nil {
		s = c.cur
	}
	c.mu.Unlock()
	return s, nil
}

// ensurePreviews makes the preview cache once (c.mu held): one for the
// core's life, whatever the target (its entries are keyed by target and
// key), so Close waits for every load it began.
func (c *Core) ensurePreviews() {
	if c.prev == nil {
		c.prev = newPreviews(filepath.Join(c.opt.Dirs.Data, "cache", "previews"), c.opt.Dirs.DecoderCache())
	}
}

// sweepStale aborts, in the background, the multipart uploads that
// processes which died mid-upload left in the bucket.
func (c *Core) sweepStale(s *session) {
	sw, ok := s.raw.(sweeper)
	if !ok {
		return
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
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

// openSession opens the target of cfg with the keys of kr.
func (c *Core) openSession(ctx context.Context, cfg Config, kr Keyring) (*session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var b Bucket
	var err error
	switch {
	case c.opt.OpenBucket != nil:
		b, err = c.opt.OpenBucket(ctx, cfg)
	case cfg.Target == TargetLocal:
		st, lerr := c.localStore()
		if lerr == nil {
			b = st.With(localOptions(cfg, c.opt.Dirs, c.log))
		}
		err = lerr
	default:
		b, err = openTarget(ctx, cfg, c.opt.Dirs, kr, c.log)
	}
	if err != nil {
		return nil, bucketErr(cfg, err)
	}
	return &session{cfg: cfg, b: kindBucket{b, cfg}, raw: b, id: TargetID(cfg)}, nil
}

// TargetID is the identity of the target of c in the history: "local", or
// "s3:<endpoint>/<bucket>".
func TargetID(c Config) string {
	if c.Target == TargetLocal {
		return TargetLocal
	}
	return "s3:" + c.Endpoint + "/" + c.Bucket
}

// kindBucket is a bucket whose errors are the core's kinds.
type kindBucket struct {
	b   Bucket
	cfg Config
}

func (k kindBucket) Upload(ctx context.Context, key string, body io.ReadSeeker, size int64, opt storage.PutOptions) error {
	return bucketErr(k.cfg, k.b.Upload(ctx, key, body, size, opt))
}

func (k kindBucket) Head(ctx context.Context, key string) (storage.ObjectInfo, error) {
	info, err := k.b.Head(ctx, key)
	return info, bucketErr(k.cfg, err)
}

func (k kindBucket) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	r, info, err := k.b.Get(ctx, key)
	return r, info, bucketErr(k.cfg, err)
}

func (k kindBucket) Delete(ctx context.Context, keys ...string) error {
	return bucketErr(k.cfg, k.b.Delete(ctx, keys...))
}

func (k kindBucket) URL(key string) string { return k.b.URL(key) }

func (k kindBucket) LinkBases() []string { return k.b.LinkBases() }

func (k kindBucket) Presign(ctx context.Context, key string, ttl time.Duration) (string, error) {
	u, err := k.b.Presign(ctx, key, ttl)
	return u, bucketErr(k.cfg, err)
}

func (k kindBucket) Check(ctx context.Context) error { return bucketErr(k.cfg, k.b.Check(ctx)) }

func (k kindBucket) Name() string { return k.b.Name() }
