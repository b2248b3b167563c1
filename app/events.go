package app

import (
	"context"
	"time"
)

// Event is what a watcher hears: a job changed, the history did (an upload
// here or in another process, a delete), the configuration did (Settings,
// or 'thumbdrop config set' in another process), or the local agent's
// state did.
type Event struct {
	Job     *Job // nil unless a job changed
	History bool
	Config  bool
	// Elsewhere: the configuration was changed by another process.
	Elsewhere bool
	Agent     bool
	// Sync: a background sync started, got further or ended (SyncStatus).
	Sync bool
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
		go c.poll(c.pollStop, c.pollDone)
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

// poll notices what other processes change while someone watches: uploads
// (SQLite's data_version changes when anyone commits) and config.json.
// Every refreshEvery polls it also looks again for thumbnails that came
// late.
func (c *Core) poll(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(c.opt.PollInterval)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-stop; cancel() }()
	c.refreshAgent() // what the agent serves, known before the first tick
	last, _ := c.hist.Version(ctx)
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		case <-t.C:
			if changed, err := c.Reload(ctx); err != nil {
				c.log.Warn("config.json changed but cannot be read", "err", err.Error())
			} else if changed {
				c.emit(Event{Config: true, Elsewhere: true})
			}
			c.refreshAgent()
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
