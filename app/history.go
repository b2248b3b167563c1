package app

import (
	"context"
	"errors"
	"sync"

	"github.com/thumbdrop/thumbdrop/storage"
)

// HistoryCount is the number of past uploads whose name or file contain
// filter ("" for all).
func (c *Core) HistoryCount(ctx context.Context, filter string) (int, error) {
	return c.hist.Count(ctx, filter)
}

// HistoryPage returns past uploads matching filter, newest first: limit of
// them after skipping offset. The gallery pages through the history this
// way rather than holding every record.
func (c *Core) HistoryPage(ctx context.Context, filter string, offset, limit int) ([]Record, error) {
	return c.hist.Page(ctx, filter, offset, limit)
}

// History returns every past upload matching filter, newest first, with
// its status as it is now: a thumbnail that appeared after a timeout makes
// the record ready (`thumbdrop history`).
func (c *Core) History(ctx context.Context, filter string) ([]Record, error) {
	c.RefreshUnfinished(ctx)
	n, err := c.hist.Count(ctx, filter)
	if err != nil {
		return nil, err
	}
	return c.hist.Page(ctx, filter, 0, n)
}

// Find returns the record of key in the current target's history.
func (c *Core) Find(ctx context.Context, key string) (Record, bool, error) {
	return c.hist.Find(ctx, TargetID(c.Config()), key)
}

// maxRefresh bounds how many unfinished records one refresh looks at.
const maxRefresh = 200

// RefreshUnfinished looks again for the thumbnails of the current target's
// recent uploads that had none (status uploaded or timeout), and marks
// those that appeared since as ready.
func (c *Core) RefreshUnfinished(ctx context.Context) {
	s, err := c.session(ctx)
	if err != nil {
		return
	}
	recs, err := c.hist.Unfinished(ctx, s.id, maxRefresh)
	if err != nil || len(recs) == 0 {
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	changed := false
	var mu sync.Mutex
	for _, r := range recs {
		if r.ThumbKey == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(r Record) {
			defer func() { <-sem; wg.Done() }()
			info, err := s.b.Head(ctx, r.ThumbKey)
			if errors.Is(err, storage.ErrNotFound) || err != nil {
				return
			}
			r.Status, r.Error = StatusReady, ""
			fromThumb(&r, s.b, s.cfg, info)
			if c.hist.Put(ctx, r) == nil {
				mu.Lock()
				changed = true
				mu.Unlock()
			}
		}(r)
	}
	wg.Wait()
	if changed {
		c.notifyHistory()
	}
}
