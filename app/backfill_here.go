package app

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/thumbdrop/thumbdrop/resize"
)

// backfillHere runs the resize code (the Lambda's) on this machine, one
// original per core at a time. Each thumbnail is written after its copies,
// so an original whose run was killed has no thumbnail with today's
// settings yet, and the next run makes it again.
func (c *Core) backfillHere(ctx context.Context, s *session, bb backfillBucket, rep *BackfillReport, opt BackfillOptions, prog *progress) error {
	h := &resize.Handler{Store: bb.ResizeStore(), Config: localResizeConfig(s.cfg), Log: c.log}
	todo := rep.Plan.Todo()
	stale := map[string]StaleThumb{}
	for _, st := range rep.Plan.Stale {
		stale[st.Original] = st
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	next := make(chan string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := 0
	for range min(workers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range next {
				f := resizeOne(ctx, h, s.b.Name(), key)
				mu.Lock()
				done++
				if f != nil {
					rep.Failed = append(rep.Failed, *f)
				} else {
					rep.Made++
					if st, ok := stale[key]; ok {
						rep.Rewritten = append(rep.Rewritten, st)
					}
				}
				prog.say(BackfillProgress{Phase: PhaseResizing, Done: done, Total: len(todo), Failed: len(rep.Failed), Key: key})
				mu.Unlock()
			}
		}()
	}
	for _, k := range todo {
		select {
		case next <- k:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	c.invalidate(ctx, s, rep, opt, prog)
	return nil
}

// resizeOne makes one original's thumbnail and copies; a transient
// failure is tried once more.
func resizeOne(ctx context.Context, h *resize.Handler, bucket, key string) *BackfillFailure {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var out resize.Outcome
		out, err = h.Resize(ctx, bucket, key)
		if err == nil {
			if out.Failed != nil {
				return &BackfillFailure{Key: key, Reason: out.Failed.Error()}
			}
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	if errors.Is(err, context.Canceled) {
		return &BackfillFailure{Key: key, Reason: "interrupted", Temporary: true}
	}
	return &BackfillFailure{Key: key, Reason: err.Error(), Temporary: true}
}
