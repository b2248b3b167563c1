package app

import (
	"context"
	"errors"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// The bucket is the history: a sync reconciles this machine's history
// with what the bucket holds under the original prefix. Objects another
// machine, a NodeBird server or any other tool put there appear with
// their links and thumbnail state; records whose objects are gone are
// marked deleted. Keys begin with the time of their upload, so a sync
// lists only what is newer than the last one saw (from a little before,
// for other machines' clocks and uploads that were under way), and a
// full pass now and then (fullEvery, or SyncOptions.Full) finds what was
// deleted. Listing goes a page at a time; each page's records are
// written in one transaction, so memory holds a page, and a sync killed
// half way loses nothing (the next one does its pass again).

// SyncOptions adjust Sync.
type SyncOptions struct {
	// Recent lists only the keys of uploads made within this long (keys
	// begin with their time), whatever the last pass saw, and leaves the
	// sync's state as it was: the quick look an upload takes before it
	// decides a picture is new. Nothing is marked deleted.
	Recent time.Duration
	// Full lists the whole bucket (finding deletions), however recent
	// the last full pass.
	Full bool
	// Progress, if set, is told how far the sync got.
	Progress func(SyncProgress)
}

// SyncProgress is how far a sync got.
type SyncProgress struct {
	Listed int // objects listed under the original prefix
	New    int // of them, new to this history
	Looked int // new ones whose metadata and thumbnail were looked at
	// Skipped could not be looked at (the server throttled, or they were
	// deleted since the listing): the next pass finds them again.
	Skipped int
	Full    bool // a full pass
}

// SyncReport is what a sync did.
type SyncReport struct {
	SyncProgress
	// Deleted are the records marked deleted (a full pass only).
	Deleted int
	// Requests is how many requests were made of the bucket.
	Requests int64
	Elapsed  time.Duration
}

// lister is a bucket that can list its keys in order (storage.S3 and
// local.Store).
type lister interface {
	ListAfter(ctx context.Context, prefix, after string, fn func(storage.ObjectInfo) error, pages func()) error
}

// Sync defaults.
const (
	// fullEvery: an incremental sync turns full when the last full pass
	// is this old.
	fullEvery = time.Hour
	// syncRewind: an incremental pass lists from this long before the
	// newest key the last one found.
	syncRewind = 10 * time.Minute
	// syncPage records are looked up and written at once.
	syncPage = 1000
	// syncLookers ask about new objects at once (a HEAD of each).
	syncLookers = 32
	// syncEvery is how often a watched core (the app) syncs.
	syncEvery = 5 * time.Minute
)

// Sync reconciles the history with the bucket of the configured target.
func (c *Core) Sync(ctx context.Context, opt SyncOptions) (SyncReport, error) {
	start := time.Now()
	s, err := c.session(ctx)
	if err != nil {
		return SyncReport{}, err
	}
	l, ok := s.raw.(lister)
	if !ok {
		return SyncReport{}, &Error{Kind: KindSyncUnsupported}
	}
	// One sync per target at a time in this process; other processes
	// may sync too (each page is a transaction; what two add is the same).
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	st, err := c.hist.SyncState(ctx, s.id)
	if err != nil {
		return SyncReport{}, &Error{Kind: KindHistory, Err: err}
	}
	var rep SyncReport
	var requests atomic.Int64
	// Incremental only where keys begin with their time, as the template
	// in force makes them and as the last pass found them.
	rep.Full = opt.Full || st.Full.IsZero() || time.Since(st.Full) > fullEvery || !timeKeys(st.After, s.cfg) ||
		!strings.HasPrefix(s.cfg.KeyTemplate, "{ms}")
	after := ""
	switch {
	case opt.Recent > 0:
		if !strings.HasPrefix(s.cfg.KeyTemplate, "{ms}") {
			return SyncReport{}, nil // keys do not say when: no quick look
		}
		rep.Full = false
		after = s.cfg.OriginalPrefix + strconv.FormatInt(time.Now().Add(-opt.Recent).UnixMilli(), 10)
	case !rep.Full:
		after = rewind(st.After, s.cfg)
	}
	gen := st.Gen + 1
	began := time.Now()
	progress := func() {
		if opt.Progress != nil {
			opt.Progress(rep.SyncProgress)
		}
	}
	var page []storage.ObjectInfo
	newest := st.After
	if !timeKeys(newest, s.cfg) {
		newest = "" // a key of another tool's, saved by an earlier version
	}
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		n, err := c.syncPage(ctx, s, page, &rep, &requests, progress)
		if err != nil {
			return err
		}
		if rep.Full {
			keys := make([]string, len(page))
			for i, o := range page {
				keys[i] = o.Key
			}
			if err := c.hist.MarkSeen(ctx, s.id, keys, gen); err != nil {
				return &Error{Kind: KindHistory, Err: err}
			}
		}
		if n > 0 {
			c.notifyHistory()
		}
		page = page[:0]
		return nil
	}
	err = l.ListAfter(ctx, s.cfg.OriginalPrefix, after, func(o storage.ObjectInfo) error {
		if _, ok := ThumbKey(s.cfg, o.Key); !ok || strings.HasSuffix(o.Key, "/") {
			return nil
		}
		rep.Listed++
		if o.Key > newest && timeKeys(o.Key, s.cfg) { // another tool's keys may sort after ours
			newest = o.Key
		}
		page = append(page, o)
		if len(page) == syncPage {
			if err := flush(); err != nil {
				return err
			}
			progress()
		}
		return nil
	}, func() { requests.Add(1) })
	if err == nil {
		err = flush()
	}
	if err != nil {
		rep.Requests, rep.Elapsed = requests.Load(), time.Since(start)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		return rep, bucketErr(s.cfg, err)
	}
	if opt.Recent > 0 {
		rep.Requests, rep.Elapsed = requests.Load(), time.Since(start)
		return rep, nil // a quick look: the sync's own state is as it was
	}
	next := history.SyncState{After: newest, Full: st.Full, Gen: st.Gen}
	if rep.Full {
		gone, err := c.hist.MarkDeletedUnseen(ctx, s.id, s.cfg.OriginalPrefix, gen, began)
		if err != nil {
			return rep, &Error{Kind: KindHistory, Err: err}
		}
		rep.Deleted = len(gone)
		next.Full, next.Gen = time.Now(), gen
		if len(gone) > 0 {
			c.notifyHistory()
		}
	}
	if err := c.hist.SaveSyncState(ctx, s.id, next); err != nil {
		return rep, &Error{Kind: KindHistory, Err: err}
	}
	c.caughtUp = time.Now()
	rep.Requests, rep.Elapsed = requests.Load(), time.Since(start)
	progress()
	return rep, nil
}

// syncPage adds the objects of a page the history does not know: their
// thumbnails' state from one listing of the same range of keys under the
// thumbnail prefix (a key and its thumbnail sort alike), their facts from
// a HEAD of each original, on several connections at once. The
// thumbnail's own facts (its size, the copies) are read when a link first
// needs them (thumbFacts). It returns how many it added.
func (c *Core) syncPage(ctx context.Context, s *session, page []storage.ObjectInfo, rep *SyncReport, requests *atomic.Int64, progress func()) (int, error) {
	keys := make([]string, len(page))
	for i, o := range page {
		keys[i] = o.Key
	}
	known, err := c.hist.Known(ctx, s.id, keys)
	if err != nil {
		return 0, &Error{Kind: KindHistory, Err: err}
	}
	var fresh []storage.ObjectInfo
	for _, o := range page {
		if _, ok := known[o.Key]; !ok {
			fresh = append(fresh, o)
		}
	}
	if len(fresh) == 0 {
		return 0, nil
	}
	rep.New += len(fresh)
	thumbs, err := c.thumbsOf(ctx, s, fresh[0].Key, fresh[len(fresh)-1].Key, requests)
	if err != nil {
		return 0, err
	}
	recs, ok := make([]Record, len(fresh)), make([]bool, len(fresh))
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < min(syncLookers, len(fresh)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(fresh) || ctx.Err() != nil {
					return
				}
				recs[i], ok[i] = c.lookAt(ctx, s, fresh[i], thumbs, requests)
				mu.Lock()
				rep.Looked++
				if rep.Looked%100 == 0 {
					progress()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// An object that could not be looked at (the server throttled, or it
	// was deleted since the listing) is left for the next pass to find.
	kept := recs[:0]
	for i, r := range recs {
		if ok[i] {
			kept = append(kept, r)
		} else {
			rep.Skipped++
		}
	}
	if err := c.hist.PutNew(ctx, kept); err != nil {
		return 0, &Error{Kind: KindHistory, Err: err}
	}
	return len(kept), nil
}

// errStopListing ends a listing early (not an error).
var errStopListing = errors.New("enough")

// thumbsOf lists the thumbnail prefix over the range of the originals
// first..last (their thumbnails, refusal notes and WebP twins sort the same
// way) and says, by thumbnail key, which exist.
func (c *Core) thumbsOf(ctx context.Context, s *session, first, last string, requests *atomic.Int64) (map[string]bool, error) {
	l := s.raw.(lister)
	from, _ := ThumbKey(s.cfg, first)
	to, _ := ThumbKey(s.cfg, last)
	to += resize.WebPSuffix // the last key of the range: ".webp" sorts after ".refused"
	out := map[string]bool{}
	err := l.ListAfter(ctx, s.cfg.ThumbPrefix, before(from), func(o storage.ObjectInfo) error {
		if o.Key > to {
			return errStopListing
		}
		out[o.Key] = true
		return nil
	}, func() { requests.Add(1) })
	if err != nil && !errors.Is(err, errStopListing) {
		return nil, bucketErr(s.cfg, err)
	}
	return out, nil
}

// before is a key that sorts before k, with few keys between them (a
// listing after it reaches k at once): k without its last character.
func before(k string) string {
	_, n := utf8.DecodeLastRuneInString(k)
	return k[:len(k)-n]
}

// lookAt makes the record of an object found in the bucket: its facts
// from its metadata where thumbdrop uploaded it (sha256, size, name), its
// thumbnail's state as the listing found it (made, refused, not yet).
func (c *Core) lookAt(ctx context.Context, s *session, o storage.ObjectInfo, thumbs map[string]bool, requests *atomic.Int64) (Record, bool) {
	r := Record{Target: s.id, Key: o.Key, Bytes: o.Size, URL: s.b.URL(o.Key), Status: StatusUploaded,
		Source: SourceBucket, Time: keyTime(o.Key, s.cfg, o.Modified)}
	r.ThumbKey, _ = ThumbKey(s.cfg, o.Key)
	r.ThumbURL = s.b.URL(r.ThumbKey)
	r.ContentType = mime.TypeByExtension(strings.ToLower(path.Ext(o.Key)))
	requests.Add(1)
	info, err := s.b.Head(ctx, o.Key)
	if err != nil {
		return r, false // a record without its facts would be kept wrong: the next pass asks again
	}
	{
		md := info.Metadata
		if info.ContentType != "" {
			r.ContentType = info.ContentType
		}
		if sum := md["sha256"]; sum != "" {
			r.SHA256, r.SourceSHA256, r.Source = sum, md["source-sha256"], SourceSynced
			r.LocationRemoved = r.SourceSHA256 != ""
		}
		r.Width, _ = strconv.Atoi(md["width"])
		r.Height, _ = strconv.Atoi(md["height"])
		if n, err := url.PathUnescape(md["name"]); err == nil && n != "" {
			r.File = n
		}
		if md[metaWebCopy] != "" {
			// Said before the copy is stored: trusted once it is there (a
			// crash between the two would leave links to nothing).
			wk, _ := WebKey(s.cfg, o.Key)
			requests.Add(1)
			if _, err := s.b.Head(ctx, wk); err == nil {
				r.WebKey, r.WebURL = wk, s.b.URL(wk)
			}
		}
	}
	switch {
	case thumbs[r.ThumbKey]:
		r.Status = StatusReady
	case thumbs[r.ThumbKey+RefusedSuffix]:
		requests.Add(1)
		if ref, ok := refusal(ctx, s.b, r.ThumbKey); ok {
			keepErr(&r, ref)
		}
	}
	return r, true
}

// NeedsThumbFacts reports whether r was found by a sync and its
// thumbnail's own facts (size, copies) are not read yet: ThumbFacts
// reads them.
func NeedsThumbFacts(r Record) bool {
	return r.Status == StatusReady && r.ThumbWidth == 0 && r.ThumbKey != "" && r.Source != SourceHere && !strings.HasPrefix(r.Target, "import:")
}

// ThumbFacts is r with what its thumbnail says of itself, read now (I/O:
// off the UI thread) and kept, where a sync found r and did not ask.
func (c *Core) ThumbFacts(ctx context.Context, r Record) Record { return c.thumbFacts(ctx, r) }

// thumbFacts reads what a synced record's thumbnail says of itself (its
// size, the copies and WebP twins made with it) when a link first needs
// them (srcset, <picture>, the detail pane), and keeps them: a sync
// lists thumbnails without asking each.
func (c *Core) thumbFacts(ctx context.Context, r Record) Record {
	if !NeedsThumbFacts(r) {
		return r
	}
	s, err := c.session(ctx)
	if err != nil || s.id != r.Target {
		return r
	}
	info, err := s.b.Head(ctx, r.ThumbKey)
	if err != nil {
		return r
	}
	fromThumb(&r, s.b, s.cfg, info)
	c.hist.Put(ctx, r)
	return r
}

// Sources of records (Record.Source).
const (
	SourceHere   = ""          // uploaded through this history
	SourceSynced = "thumbdrop" // uploaded by thumbdrop elsewhere, found by a sync
	SourceBucket = "bucket"    // in the bucket, not uploaded by thumbdrop
)

// StatusDeleted: the upload's objects were deleted from its bucket
// elsewhere (another machine, another tool); a sync found them gone.
const StatusDeleted = history.StatusDeleted

// keyTime is when the object of key was uploaded: the milliseconds its
// key begins with (the NodeBird convention), else when it was stored.
func keyTime(key string, c Config, modified time.Time) time.Time {
	rest, _ := strings.CutPrefix(key, c.OriginalPrefix)
	if ms, ok := keyMS(rest); ok {
		return time.UnixMilli(ms).UTC()
	}
	if modified.IsZero() {
		return time.Now().UTC()
	}
	return modified.UTC()
}

// timeKeys reports whether key begins with the milliseconds of its
// upload (a key template beginning with {ms}), so later uploads sort
// after it.
func timeKeys(key string, c Config) bool {
	rest, ok := strings.CutPrefix(key, c.OriginalPrefix)
	if !ok {
		return false
	}
	_, ok = leadingMS(rest)
	return ok
}

// rewind is where an incremental pass lists from: syncRewind before the
// newest key found (another machine's clock, an upload under way then).
func rewind(newest string, c Config) string {
	ms, ok := leadingMS(strings.TrimPrefix(newest, c.OriginalPrefix))
	if !ok {
		return ""
	}
	return c.OriginalPrefix + strconv.FormatInt(ms-syncRewind.Milliseconds(), 10)
}

// syncInBackground syncs at once (a full pass: the app starts with the
// bucket as it is), then every syncEvery, until the core closes (the
// app).
func (c *Core) syncInBackground() {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		t := time.NewTimer(syncEvery)
		defer t.Stop()
		full := true
		for {
			select {
			case <-c.life.Done():
				return
			case <-t.C:
			case <-c.syncKick: // a target opened: sync it now, from the start
				full = true
			}
			if c.Connected() { // not before the target opens (nor when it cannot)
				ctx, cancel := context.WithTimeout(c.life, syncEvery)
				c.SyncNow(ctx, full)
				cancel()
				full = false
			}
			t.Reset(syncEvery)
		}
	}()
}

// catchUpEvery: uploads look at what is new in the bucket at most this
// often (an incremental pass: one request), so a photo another machine
// uploaded a moment ago is a duplicate, not a second copy.
const catchUpEvery = 30 * time.Second

// catchUpWindow is how far back that look lists: uploads of the last day
// (older ones the background sync and 'thumbdrop sync' find).
const catchUpWindow = 24 * time.Hour

// catchUp runs an incremental sync before an upload decides its picture
// is new, unless one ran within catchUpEvery or a sync runs now (it will
// find what there is). It reports whether it synced.
func (c *Core) catchUp(ctx context.Context) bool {
	if !c.syncMu.TryLock() {
		return false
	}
	recent := time.Since(c.caughtUp) < catchUpEvery
	c.syncMu.Unlock()
	if recent {
		return false
	}
	rep, err := c.Sync(ctx, SyncOptions{Recent: catchUpWindow})
	c.syncMu.Lock()
	c.caughtUp = time.Now()
	c.syncMu.Unlock()
	return err == nil && rep.New > 0
}

// kickSync asks the background sync (if any) to sync now: a target
// opened.
func (c *Core) kickSync() {
	select {
	case c.syncKick <- struct{}{}:
	default:
	}
}

// SyncNow syncs as Sync does, telling watchers how far it got (an Event
// with Sync set; SyncStatus): the app's Sync button and its background
// syncs.
func (c *Core) SyncNow(ctx context.Context, full bool) (SyncReport, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { // the core closing ends it too
		select {
		case <-c.life.Done():
			stop()
		case <-ctx.Done():
		}
	}()
	c.setSyncing(true)
	rep, err := c.Sync(ctx, SyncOptions{Full: full, Progress: c.syncProgress})
	if errors.Is(err, context.DeadlineExceeded) {
		err = &Error{Kind: KindSyncTooLong, Value: Duration(syncEvery).String(), Err: err}
	}
	c.setSyncing(false)
	c.syncDone(rep, err)
	return rep, err
}

// syncWatch is what the core knows of its syncs, for front ends.
type syncWatch struct {
	mu      sync.Mutex
	running bool
	now     SyncProgress
	last    SyncReport
	err     error
	at      time.Time
}

// SyncStatus says whether a background sync runs and how far it got, and
// how the last one ended (when, its report, its error).
func (c *Core) SyncStatus() (running bool, now SyncProgress, last SyncReport, at time.Time, err error) {
	w := &c.syncs
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running, w.now, w.last, w.at, w.err
}

func (c *Core) setSyncing(on bool) {
	c.syncs.mu.Lock()
	c.syncs.running, c.syncs.now = on, SyncProgress{}
	c.syncs.mu.Unlock()
	c.emit(Event{Sync: true})
}

func (c *Core) syncProgress(p SyncProgress) {
	c.syncs.mu.Lock()
	c.syncs.now = p
	c.syncs.mu.Unlock()
	c.emit(Event{Sync: true})
}

func (c *Core) syncDone(rep SyncReport, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	c.syncs.mu.Lock()
	c.syncs.last, c.syncs.err, c.syncs.at = rep, err, time.Now()
	c.syncs.mu.Unlock()
	if err != nil {
		c.log.Warn("sync with the bucket failed", "err", err.Error())
	}
	c.emit(Event{Sync: true})
}
