package app

import (
	"context"
	"os"
	"time"
)

// ApplyConfig switches to a new configuration: the new target is opened
// first, and only once it is open is the configuration saved and put in
// effect. If it cannot open, nothing changes and the error says why. The
// queue, its rows and their IDs live on; jobs already running finish on
// the target they started with.
func (c *Core) ApplyConfig(ctx context.Context, cfg Config) error {
	return c.applyConfig(ctx, cfg, nil)
}

// applyConfig is ApplyConfig with keys typed in a form (nil: none): the
// target opens with them, and they reach the keyring only once it has,
// before the configuration is saved.
func (c *Core) applyConfig(ctx context.Context, cfg Config, typed *Keys) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	kr := c.opt.Keyring
	if typed != nil {
		if err := typed.Validate(); err != nil {
			return err
		}
		kr = staticKeys{*typed, kr}
	}
	s, err := c.openSession(ctx, cfg, kr)
	if err != nil {
		return err
	}
	if typed != nil {
		if err := c.opt.Keyring.Save(*typed); err != nil {
			return err
		}
		// The session reads them from the keyring from now on.
		if s, err = c.openSession(ctx, cfg, c.opt.Keyring); err != nil {
			return err
		}
	}
	if err := SaveConfig(c.opt.Dirs, cfg); err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return &Error{Kind: KindShuttingDown}
	}
	c.cfg, c.cur = cfg, s
	c.cfgSeen = stampOf(c.opt.Dirs.ConfigFile())
	c.gen++
	c.ensurePreviews()
	c.mu.Unlock()
	c.q.resize(cfg.Concurrency)
	c.sweepStale(s)
	c.agentOnOpen(ctx, s)
	c.kickSync()
	c.emit(Event{Config: true})
	c.notifyHistory()
	return nil
}

// Changes are settings changed in a form, by key, applied by
// ApplyChanges on top of the configuration in effect then (which another
// process may have changed since the form was filled).
type Changes map[string]string

// ApplyChanges sets the changed keys on the configuration in effect and
// applies the result as ApplyConfig does, so a setting another process
// changed meanwhile, and the form did not touch, is kept.
// typed, if not nil, are keys typed in the form: stored in the keyring
// only once the target opens with them (a form that cannot be applied
// leaves the stored keys as they were).
func (c *Core) ApplyChanges(ctx context.Context, ch Changes, typed *Keys) error {
	if _, err := c.Reload(ctx); err != nil {
		return err
	}
	cfg, err := c.Config().With(ch)
	if err != nil {
		return err
	}
	return c.applyConfig(ctx, cfg, typed)
}

// With is c with the changes set, each validated, then all together.
func (c Config) With(ch Changes) (Config, error) {
	next := c
	for _, f := range Fields() { // in the fields' order: a target before its bucket
		v, ok := ch[f.Key]
		if !ok {
			continue
		}
		if err := f.Set(&next, v); err != nil {
			return c, settingErr(f.Key, err)
		}
	}
	for k := range ch {
		if _, ok := Lookup(k); !ok {
			return c, unknownSetting(k)
		}
	}
	if err := next.Validate(); err != nil {
		return c, err
	}
	return next, nil
}

// Set changes one setting, validated against the others, and saves it
// (`thumbdrop config set`). It takes effect at the next connection.
func (c *Core) Set(key, value string) error {
	if _, err := c.Reload(context.Background()); err != nil {
		return err
	}
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
	c.cfgSeen = stampOf(c.opt.Dirs.ConfigFile())
	c.gen++
	c.mu.Unlock()
	return nil
}

// Reload re-reads config.json if another process (the app's Settings,
// 'thumbdrop config set') changed it since it was read, and switches to
// it. It reports whether the configuration changed. The agent calls it
// before serving each request; a watched core (Watch) calls it every
// PollInterval and emits an Event with Config set.
func (c *Core) Reload(ctx context.Context) (bool, error) {
	st := stampOf(c.opt.Dirs.ConfigFile())
	c.mu.Lock()
	seen := c.cfgSeen
	c.mu.Unlock()
	if st == seen {
		return false, nil
	}
	cfg, err := LoadConfig(c.opt.Dirs)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	c.cfgSeen = st
	same := c.cfg == cfg
	if !same {
		c.cfg, c.cur = cfg, nil
		c.gen++
	}
	c.mu.Unlock()
	if !same {
		c.q.resize(cfg.Concurrency)
	}
	return !same, nil
}

// fileStamp tells whether a file changed: its size and modification time
// (a rename over it, as SaveConfig does, changes both or the inode's time).
type fileStamp struct {
	size int64
	mod  time.Time
	ok   bool
}

func stampOf(path string) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: st.Size(), mod: st.ModTime(), ok: true}
}
