package app

import (
	"context"
	"errors"
	"sync"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
	"github.com/thumbdrop/thumbdrop/storage"
)

// HistoryQuery picks past uploads: Text in their name or file, and which
// ones by Show.
type HistoryQuery = history.Query

// Show is which records a HistoryQuery shows.
type Show = history.Show

// Which records a HistoryQuery shows.
const (
	ShowLive       = history.ShowLive       // all but those deleted elsewhere (the gallery)
	ShowEverything = history.ShowEverything // deleted ones too (thumbdrop history)
	ShowBucket     = history.ShowBucket     // objects thumbdrop did not upload, found in the bucket
	ShowImported   = history.ShowImported   // galleries imported from other uploaders
	ShowDeleted    = history.ShowDeleted    // deleted from their bucket elsewhere
)

// HistoryCount is the number of past uploads q picks.
func (c *Core) HistoryCount(ctx context.Context, q HistoryQuery) (int, error) {
	n, err := c.hist.Count(ctx, q)
	if err != nil {
		return 0, &Error{Kind: KindHistory, Err: err}
	}
	return n, nil
}

// HistoryPicks says whether q picks r (a filter or a choice of what to
// show may hide the record a pane shows).
func (c *Core) HistoryPicks(ctx context.Context, q HistoryQuery, r Record) (bool, error) {
	ok, err := c.hist.Picks(ctx, q, r.Target, r.Key)
	if err != nil {
		return false, &Error{Kind: KindHistory, Err: err}
	}
	return ok, nil
}

// HistoryPage returns past uploads q picks, newest first: limit of them
// after skipping offset. The gallery pages through the history this way
// rather than holding every record.
func (c *Core) HistoryPage(ctx context.Context, q HistoryQuery, offset, limit int) ([]Record, error) {
	recs, err := c.hist.Page(ctx, q, offset, limit)
	if err != nil {
		return nil, &Error{Kind: KindHistory, Err: err}
	}
	return recs, nil
}

// History returns every past upload whose name or file contain filter,
// deleted ones included, newest first, with its status as it is now: a
// thumbnail that appeared after a timeout makes the record ready
// (`thumbdrop history`).
func (c *Core) History(ctx context.Context, filter string) ([]Record, error) {
	c.RefreshUnfinished(ctx)
	q := HistoryQuery{Text: filter, Show: ShowEverything}
	n, err := c.HistoryCount(ctx, q)
	if err != nil {
		return nil, err
	}
	return c.HistoryPage(ctx, q, 0, n)
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
