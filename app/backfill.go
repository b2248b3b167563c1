package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// Backfill: the originals already in a bucket (put there before the
// resize function was, by another tool, or under other settings) get the
// thumbnail and copies today's settings call for. The bucket is the
// record: each run lists it again, so a run that was killed is resumed by
// running it again, and a run with nothing left to do does nothing.

// BackfillPrefix is where backfill keeps its manifests and reports in the
// bucket (the SAM template's BatchRole may read and write there only).
const BackfillPrefix = "thumbdrop-backfill/"

// BackfillOptions say how to backfill.
type BackfillOptions struct {
	// DryRun only counts what would be made.
	DryRun bool
	// Here runs the resize code on this machine (local mode, S3-compatible
	// stores, keys without Batch Operations permissions); otherwise an S3
	// Batch Operations job on AWS invokes the deployed function.
	Here bool
	// Workers resizing at once with Here (0: one per core).
	Workers int
	// Role and Function are the stack's BatchRoleArn and FunctionArn (on
	// AWS).
	Role, Function string
	// Distribution is the CloudFront distribution in front of the bucket;
	// "": the one serving public_base_url, if the keys may list them.
	Distribution string
	// Progress, if set, is told how the run goes (never from two
	// goroutines at once).
	Progress func(BackfillProgress)
	// PollInterval is how often a Batch Operations job is asked how it
	// goes (0: 5 s).
	PollInterval time.Duration
}

// Phases of a backfill, as BackfillProgress says them.
const (
	PhaseListing    = "listing"    // the original and thumbnail prefixes
	PhaseChecking   = "checking"   // existing thumbnails' settings (HEAD)
	PhaseResizing   = "resizing"   // here
	PhaseJob        = "job"        // a Batch Operations job
	PhaseReport     = "report"     // reading its completion report
	PhaseInvalidate = "invalidate" // asking the CDN to drop what was rewritten
)

// BackfillProgress is how far a backfill is.
type BackfillProgress struct {
	Phase string
	// Done of Total (Total 0: not known yet), Failed among Done.
	Done, Total, Failed int
	// JobStatus is the Batch Operations job's (PhaseJob).
	JobStatus string
	// Key is the object just done, if any.
	Key string
}

// StaleThumb is a thumbnail that exists but was made with other
// settings: backfill makes it again, replacing its key.
type StaleThumb struct {
	Original, Thumb string
	// Why, in words: "thumbnail size 200 → 320 px", "copies 640 px
	// missing", "WebP twins missing", "made by another tool".
	Why string
	// Existing are the keys that exist and will be replaced (the
	// thumbnail, the copies and twins its metadata lists): what a CDN
	// must drop.
	Existing []string
}

// BackfillPlan is what a backfill found to do.
type BackfillPlan struct {
	Bucket    string
	Originals int // objects under the original prefix
	UpToDate  int
	// Missing are originals with no thumbnail; Stale, those whose
	// thumbnail lacks what today's settings make.
	Missing []string
	Stale   []StaleThumb
	// Refused originals have a refusal note and no thumbnail: the
	// function said why already; they are not tried again.
	Refused int
	// Foreign thumbnails were made by another tool (no settings recorded)
	// and are left as they are: nothing today's settings add is missing.
	Foreign int
}

// Todo lists the originals to resize: the missing, then the stale.
func (p BackfillPlan) Todo() []string {
	out := append([]string(nil), p.Missing...)
	for _, s := range p.Stale {
		out = append(out, s.Original)
	}
	return out
}

// BackfillFailure is an original that got no thumbnail, and why.
type BackfillFailure struct {
	Key, Reason string
	// Temporary: throttling, the network; running backfill again tries
	// it again.
	Temporary bool
}

// BackfillReport is what a backfill did.
type BackfillReport struct {
	Plan BackfillPlan
	// Made counts thumbnails written (with their copies); Rewritten the
	// stale ones among them, whose keys existed and were replaced.
	Made      int
	Rewritten []StaleThumb
	Failed    []BackfillFailure
	// JobID is the Batch Operations job's (on AWS); Resumed, whether it
	// was one an earlier run started.
	JobID   string
	Resumed bool
	// Invalidation is the CloudFront invalidation of what was rewritten:
	// its ID, the distribution and the paths asked for; InvalidationErr
	// says why none was made when one was due.
	Invalidation, Distribution string
	InvalidatedPaths           []string
	InvalidationErr            error
	// Mismatch says the function's thumbnails do not have today's
	// settings (on AWS: the deployed function decides).
	Mismatch error
	Elapsed  time.Duration
}

// backfillBucket is a bucket backfill can work on: listed, and written by
// the resize code in place (storage.S3, local.Store).
type backfillBucket interface {
	List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error
	ResizeStore() resize.Store
}

// Backfill finds the originals whose thumbnail or copies (for today's
// settings: thumbnail size, extra widths, WebP) are missing, and, unless
// opt.DryRun, makes them: with opt.Here on this machine, otherwise with an
// S3 Batch Operations job on AWS. Where a thumbnail is made again (its
// size changed), the keys it replaces are in the report, and with a
// CloudFront distribution in front of the bucket they are invalidated.
func (c *Core) Backfill(ctx context.Context, opt BackfillOptions) (BackfillReport, error) {
	start := time.Now()
	s, err := c.session(ctx)
	if err != nil {
		return BackfillReport{}, err
	}
	bb, ok := s.raw.(backfillBucket)
	if !ok {
		return BackfillReport{}, &Error{Kind: KindBackfillNoList}
	}
	prog := newProgress(opt.Progress)
	if !opt.Here && !opt.DryRun {
		if s.cfg.Target == TargetLocal {
			return BackfillReport{}, &Error{Kind: KindBackfillLocal}
		}
		if err := checkARNs(opt.Role, opt.Function); err != nil {
			return BackfillReport{}, err
		}
		if st, ok := c.loadJob(s); ok {
			// An earlier run's job: follow it rather than start another.
			rep := BackfillReport{Plan: st.Plan, JobID: st.JobID, Resumed: true}
			err := c.followJob(ctx, s, &rep, st, opt, prog)
			rep.Elapsed = time.Since(start)
			return rep, err
		}
	}
	plan, err := c.planBackfill(ctx, s, bb, prog)
	rep := BackfillReport{Plan: plan}
	if err != nil || opt.DryRun || len(plan.Todo()) == 0 {
		rep.Elapsed = time.Since(start)
		return rep, err
	}
	if opt.Here {
		err = c.backfillHere(ctx, s, bb, &rep, opt, prog)
	} else {
		err = c.backfillOnAWS(ctx, s, &rep, opt, prog)
	}
	rep.Elapsed = time.Since(start)
	return rep, err
}

// progress serialises a Progress callback.
type progress struct {
	mu sync.Mutex
	fn func(BackfillProgress)
}

func newProgress(fn func(BackfillProgress)) *progress { return &progress{fn: fn} }

func (p *progress) say(bp BackfillProgress) {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(bp)
}

// planBackfill lists the original and thumbnail prefixes and reads the
// settings each existing thumbnail was made with.
func (c *Core) planBackfill(ctx context.Context, s *session, bb backfillBucket, prog *progress) (BackfillPlan, error) {
	cfg := s.cfg
	plan := BackfillPlan{Bucket: s.b.Name()}
	// Thumbnails and refusal notes by the name they share with their
	// original (copies and twins are found from the thumbnail's metadata).
	thumbs, notes := map[string]bool{}, map[string]bool{}
	listed := 0
	err := bb.List(ctx, cfg.ThumbPrefix, func(o storage.ObjectInfo) error {
		listed++
		if listed%1000 == 0 {
			prog.say(BackfillProgress{Phase: PhaseListing, Done: listed})
		}
		rest := strings.TrimPrefix(o.Key, cfg.ThumbPrefix)
		if r, ok := strings.CutSuffix(rest, resize.RefusedSuffix); ok {
			notes[r] = true
		} else {
			thumbs[rest] = true
		}
		return nil
	})
	if err != nil {
		return plan, &Error{Kind: KindBackfillList, Key: cfg.ThumbPrefix, Err: bucketErr(cfg, err)}
	}
	var existing []string // originals with a thumbnail, to check
	err = bb.List(ctx, cfg.OriginalPrefix, func(o storage.ObjectInfo) error {
		listed++
		if listed%1000 == 0 {
			prog.say(BackfillProgress{Phase: PhaseListing, Done: listed})
		}
		rest := strings.TrimPrefix(o.Key, cfg.OriginalPrefix)
		if rest == "" || strings.HasSuffix(rest, "/") {
			return nil // a folder marker
		}
		plan.Originals++
		switch {
		case thumbs[rest]:
			existing = append(existing, o.Key)
		case notes[rest]:
			plan.Refused++
		default:
			plan.Missing = append(plan.Missing, o.Key)
		}
		return nil
	})
	if err != nil {
		return plan, &Error{Kind: KindBackfillList, Key: cfg.OriginalPrefix, Err: bucketErr(cfg, err)}
	}
	prog.say(BackfillProgress{Phase: PhaseListing, Done: listed})
	stale, foreign, err := c.checkThumbs(ctx, s, existing, prog)
	plan.Stale, plan.Foreign = stale, foreign
	plan.UpToDate = len(existing) - len(stale)
	return plan, err
}

// checkThumbs reads each existing thumbnail's metadata (HEAD, a few at a
// time) and tells which lack what today's settings make.
func (c *Core) checkThumbs(ctx context.Context, s *session, originals []string, prog *progress) ([]StaleThumb, int, error) {
	type result struct {
		stale   *StaleThumb
		foreign bool
		err     error
	}
	res := make([]result, len(originals))
	next := make(chan int)
	var wg sync.WaitGroup
	var done, mu = 0, sync.Mutex{}
	for range min(16, len(originals)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				tk, _ := ThumbKey(s.cfg, originals[i])
				info, err := s.b.Head(ctx, tk)
				switch {
				case errors.Is(err, storage.ErrNotFound):
					// Deleted since the listing: not stale; the next run
					// finds it missing and makes it.
				case err != nil:
					res[i].err = &Error{Kind: KindBackfillSettings, Key: tk, Err: err}
				default:
					res[i].stale, res[i].foreign = staleness(s.cfg, originals[i], tk, info.Metadata)
				}
				mu.Lock()
				done++
				if done%100 == 0 || done == len(originals) {
					prog.say(BackfillProgress{Phase: PhaseChecking, Done: done, Total: len(originals)})
				}
				mu.Unlock()
			}
		}()
	}
	for i := range originals {
		select {
		case next <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var stale []StaleThumb
	foreign := 0
	for _, r := range res {
		if r.err != nil {
			return nil, 0, r.err
		}
		if r.foreign {
			foreign++
		}
		if r.stale != nil {
			stale = append(stale, *r.stale)
		}
	}
	return stale, foreign, nil
}

// staleness compares a thumbnail's metadata (what the function made it
// with) with the settings: nil when nothing they call for is missing.
// foreign: made by another tool, which records no settings.
func staleness(cfg Config, original, thumb string, md map[string]string) (stale *StaleThumb, foreign bool) {
	want := localResizeConfig(cfg).Thumbnail
	size, known := md[resize.MetaMaxSize]
	had, _ := resize.ParseWidths(md[resize.MetaWidths])
	hadWebP := md[resize.MetaWebP] == "true"
	var why []string
	if !known {
		foreign = true
		if len(want.Widths) == 0 && !want.WebP {
			return nil, true // nothing to add, and the thumbnail is theirs
		}
		why = append(why, "made by another tool, without copies")
	} else {
		if n, _ := strconv.Atoi(size); n != want.MaxSize {
			why = append(why, fmt.Sprintf("thumbnail size %s → %d px", size, want.MaxSize))
		}
		var missing []string
		for _, w := range want.Widths {
			if !slices.Contains(had, w) {
				missing = append(missing, strconv.Itoa(w))
			}
		}
		if len(missing) > 0 {
			why = append(why, "copies "+strings.Join(missing, ", ")+" px missing")
		}
		if want.WebP && !hadWebP {
			why = append(why, "WebP twins missing")
		}
	}
	if len(why) == 0 {
		return nil, foreign
	}
	st := &StaleThumb{Original: original, Thumb: thumb, Why: strings.Join(why, "; "), Existing: []string{thumb}}
	rc := resize.Config{ThumbPrefix: cfg.ThumbPrefix}
	for _, v := range strings.Split(md[resize.MetaVariants], ",") {
		w, _, ok := strings.Cut(v, "x")
		if n, err := strconv.Atoi(w); ok && err == nil {
			st.Existing = append(st.Existing, rc.VariantKey(thumb, n))
		}
	}
	if hadWebP {
		for _, k := range slices.Clone(st.Existing) {
			st.Existing = append(st.Existing, k+resize.WebPSuffix)
		}
	}
	return st, foreign
}

// checkARNs refuses what cannot be a role or a function ARN before
// anything is written.
func checkARNs(role, function string) error {
	switch {
	case role == "":
		return &Error{Kind: KindBackfillNoRole}
	case !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":iam::") || !strings.Contains(role, ":role/"):
		return &Error{Kind: KindBackfillBadRole, Value: role}
	case function == "":
		return &Error{Kind: KindBackfillNoFunction}
	case !strings.HasPrefix(function, "arn:") || !strings.Contains(function, ":lambda:") || !strings.Contains(function, ":function:"):
		return &Error{Kind: KindBackfillBadFunction, Value: function}
	}
	return nil
}
