package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/flock"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// doneWithNote: the job is done, with a remark: the file was uploaded but
// no thumbnail came (in time), or it was uploaded before without the
// copies configured now. err says which.
type doneWithNote struct{ err error }

func (e *doneWithNote) Error() string { return e.err.Error() }
func (e *doneWithNote) Unwrap() error { return e.err }

// headSize is how much of a file is read to sniff and size it.
const headSize = 256 << 10

// trip is one file's way through the queue: opened, hashed, compared with
// what was uploaded before, uploaded, recorded, its thumbnail waited for.
type trip struct {
	c    *Core
	id   int
	opt  AddOptions
	name string // the file's name, in messages
	s    *session
	f    *os.File
	st   os.FileInfo
	rec  Record
	// predicted is why the resize function will refuse the picture, as
	// its limits say before the upload.
	predicted error
	// sum is the file's sha256: what duplicates are recognised by (the
	// record's SHA256 is the stored object's, which differs where the
	// location was removed).
	sum     string
	started time.Time
	// plan is what the upload rules do to the picture before upload.
	plan thumbnail.Preparation
}

// run takes one file through hashing, upload and the thumbnail wait.
func (c *Core) run(ctx context.Context, id int, opt AddOptions) (Record, error) {
	j, _ := c.Job(id)
	t := &trip{c: c, id: id, opt: opt, name: j.Name, started: j.Started}
	t.rec = Record{File: j.Path, Time: time.Now().UTC()}
	if opt.Name != "" {
		t.rec.File = opt.Name
	}
	defer c.q.skipClaim(id)
	s, err := c.session(ctx)
	if err != nil {
		return t.rec, err
	}
	t.s, t.rec.Target = s, s.id
	c.keepAgent(ctx, s)
	if err := t.open(ctx, j.Path); err != nil {
		return t.rec, err
	}
	defer t.f.Close()

	// The same bytes: uploading now in another job, or uploaded before.
	mine, dup, err := t.claim(ctx)
	if dup != nil || err != nil {
		return t.result(dup, err)
	}
	ok := false
	defer func() { c.q.land(s.id, t.sum, mine, t.rec, ok) }()
	// Another thumbdrop (the app, an editor's upload, a script) may be
	// uploading the same picture now: wait for it, then it is a duplicate.
	release, err := c.claimShared(ctx, id, s.id, t.sum)
	if err != nil {
		return t.rec, err
	}
	defer release()
	if rec, err, found := t.uploadedBefore(ctx); found {
		ok = true
		return rec, err
	}
	if err := t.send(ctx); err != nil {
		return t.rec, err
	}
	ok = true
	return t.finish(ctx)
}

// result is a duplicate's outcome.
func (t *trip) result(dup *Record, err error) (Record, error) {
	if dup != nil {
		return *dup, err
	}
	return t.rec, err
}

// open opens the file, reads what it is (format, size, dimensions) and
// whether the resize function will take it, and hashes it.
func (t *trip) open(ctx context.Context, path string) error {
	f, st, err := openRegular(path, t.name)
	if err != nil {
		return err
	}
	t.f, t.st = f, st
	t.rec.Bytes = st.Size()
	t.c.update(t.id, false, func(j *Job) { j.Size, j.State = st.Size(), Hashing })
	head := make([]byte, min(headSize, st.Size()))
	if _, err := io.ReadFull(f, head); err != nil {
		f.Close()
		return errorf(KindCannotRead, t.name, osCause(err))
	}
	format := thumbnail.Sniff(head)
	if format == "" {
		f.Close()
		return &Error{Kind: KindNotImage, File: t.name, Value: thumbnail.FormatList}
	}
	t.rec.ContentType = format.ContentType()
	if info, err := thumbnail.Header(f, st.Size()); err == nil {
		t.rec.Width, t.rec.Height = info.DisplaySize()
		t.plan = thumbnail.Plan(info, prepareOptions(t.s.cfg, t.c.opt.Dirs))
	}
	// The resize function's own limits, checked now: if it will refuse
	// the picture, say so at once (the original still uploads).
	if err := thumbnail.Check(f, st.Size(), functionLimits(t.s.cfg)); thumbnail.IsPermanent(err) {
		t.predicted = imageCause(err)
	}
	sum, err := hashFile(ctx, f)
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errorf(KindCannotRead, t.name, osCause(err))
	}
	t.sum, t.rec.SHA256 = sum, sum
	return nil
}

// claim takes the bytes for this job in the queue, or, if another job
// uploads the same bytes now, waits for it and returns its record as a
// duplicate.
func (t *trip) claim(ctx context.Context) (mine *flight, dup *Record, err error) {
	q, s := t.c.q, t.s
	mine, other, err := q.claim(ctx, t.id, s.id, t.sum)
	if err != nil || other == nil {
		return mine, nil, err
	}
	select {
	case <-other.done:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if other.ok {
		d := duplicateOf(other.rec, t.rec)
		return nil, &d, nil
	}
	if mine, other, err = q.claim(ctx, t.id, s.id, t.sum); err != nil {
		return nil, nil, err
	} else if other != nil {
		return nil, nil, &Error{Kind: KindSameRow, File: t.name}
	}
	return mine, nil, nil
}

// uploadedBefore finds the same bytes in the history of this target,
// still in the bucket: then the upload is their duplicate.
func (t *trip) uploadedBefore(ctx context.Context) (Record, error, bool) {
	s := t.s
	old, found, _ := t.c.hist.BySHA256(ctx, s.id, t.sum)
	if !found && t.c.catchUp(ctx) {
		// Another machine may have uploaded it since this one last synced.
		old, found, _ = t.c.hist.BySHA256(ctx, s.id, t.sum)
	}
	if !found {
		old, found = t.sameBytesInBucket(ctx)
	}
	if !found {
		return Record{}, nil, false
	}
	if _, err := s.b.Head(ctx, old.Key); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			t.c.hist.Remove(ctx, old.Target, old.Key) // deleted elsewhere: upload again
		}
		return Record{}, nil, false
	}
	rec := duplicateOf(old, t.rec)
	// Uploaded when no copies were made, which the settings would make
	// now (a twin, or a width it is wider than).
	wants := s.cfg.WebP || slices.ContainsFunc(s.cfg.Widths(), func(w int) bool { return w > old.ThumbWidth && w < old.Width })
	if wants && len(old.Variants) == 0 && old.Status == StatusReady {
		return rec, &doneWithNote{&Error{Kind: KindBeforeCopies, File: t.name, Value: old.Time.Local().Format("2006-01-02")}}, true
	}
	return rec, nil, true
}

// sameBytesInBucket looks among the objects a sync found whose sha256 is
// not known (another tool uploaded them) for one of the file's size, and
// hashes those: only where a size matches is an object read. A hash
// found is kept.
func (t *trip) sameBytesInBucket(ctx context.Context) (Record, bool) {
	s := t.s
	cands, err := t.c.hist.SameSize(ctx, s.id, t.st.Size(), 4)
	if err != nil {
		return Record{}, false
	}
	for _, r := range cands {
		body, _, err := s.b.Get(ctx, r.Key)
		if err != nil {
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, body)
		body.Close()
		if err != nil {
			continue
		}
		r.SHA256 = hex.EncodeToString(h.Sum(nil))
		t.c.hist.Put(ctx, r)
		if r.SHA256 == t.sum {
			return r, true
		}
	}
	return Record{}, false
}

// send uploads the file (its location tags blanked if asked: same size,
// same pixels; the duplicate check used the file's own bytes, so the same
// photo is still recognised), makes sure it did not change meanwhile, and
// records the upload.
func (t *trip) send(ctx context.Context) error {
	s, rec := t.s, &t.rec
	size := t.st.Size()
	var body io.ReadSeeker = t.f
	var prep *prepared
	converted := false
	if t.plan.Recode || t.plan.WebCopy {
		var err error
		prep, err = t.prepare(ctx)
		switch {
		case err != nil && (t.plan.Recode || ctx.Err() != nil):
			return err
		case err != nil:
			// A web copy is an extra, as a WebP twin is: one that cannot
			// be made (the picture is corrupt, too large to decode here)
			// is left out, and links show the original.
			t.c.log.Warn("no web copy", "file", t.name, "err", err.Error())
			prep = nil
		default:
			defer prep.close()
		}
	}
	switch {
	case prep != nil && prep.orig != nil:
		// Made web-ready: that is what goes up (the file's sha256 kept
		// beside it, so the same photo is still recognised).
		from := rec.ContentType
		var err error
		if body, size, err = t.usePrepared(ctx, prep); err != nil {
			return err
		}
		converted = rec.ContentType != from
	case s.cfg.StripLocation:
		patches, err := thumbnail.LocationPatches(t.f, size)
		if err != nil {
			return errorf(KindMetadata, t.name, osCause(err))
		}
		if len(patches) > 0 {
			body, rec.LocationRemoved = thumbnail.NewPatched(t.f, size, patches), true
			// What is stored is not the file: its own hash, for --json
			// and the object's metadata; the file's is kept beside it,
			// so the same photo is still recognised anywhere.
			stored, err := hashReader(ctx, body)
			if err != nil {
				return errorf(KindCannotRead, t.name, osCause(err))
			}
			rec.SHA256, rec.SourceSHA256 = stored, t.sum
		}
	}
	as := uploadAs{converted: converted, webCopy: prep != nil && prep.web != nil}
	key, err := t.c.upload(ctx, t.id, s, body, size, *rec, as)
	if err != nil {
		return err
	}
	rec.Key = key
	if prep != nil && prep.web != nil {
		// The web copy goes up once the original's key is known (it is
		// derived from it); if it cannot, nothing of the upload stays.
		if err := t.sendWebCopy(ctx, prep); err != nil {
			if derr := t.c.discard(context.WithoutCancel(ctx), s, *rec); derr != nil {
				t.c.log.Warn("an upload whose web copy failed could not be deleted", "key", rec.Key, "err", derr.Error())
			}
			return err
		}
	}
	// A file written to (or cut short) while it went up: what the bucket
	// holds is neither the old file nor the new one.
	if now, err := t.f.Stat(); err == nil && (now.Size() != t.st.Size() || !now.ModTime().Equal(t.st.ModTime())) {
		change := sizeChange(t.st.Size(), now.Size())
		if err := t.c.discard(context.WithoutCancel(ctx), s, *rec); err != nil {
			return &Error{Kind: KindChangedKept, File: t.name, Value: change, Key: rec.Key, Err: err}
		}
		return &Error{Kind: KindChanged, File: t.name, Value: change}
	}
	rec.URL = s.b.URL(rec.Key)
	rec.ThumbKey, _ = ThumbKey(s.cfg, rec.Key)
	rec.ThumbURL = s.b.URL(rec.ThumbKey)
	rec.Status = StatusUploaded
	rec.ElapsedMS = time.Since(t.started).Milliseconds()
	if err := t.c.hist.Put(ctx, *rec); err != nil {
		return &Error{Kind: KindHistorySave, File: t.name, Key: rec.Key, Err: err}
	}
	t.c.notifyHistory()
	return nil
}

// finish waits for the thumbnail (unless told not to, or the function
// will refuse it) and records the outcome.
func (t *trip) finish(ctx context.Context) (Record, error) {
	s, rec := t.s, &t.rec
	if t.predicted != nil {
		note := &Error{Kind: KindWillNotThumb, File: t.name, Err: t.predicted}
		keepErr(rec, note.withoutFile())
		if err := t.c.hist.Put(context.WithoutCancel(ctx), *rec); err != nil {
			return *rec, &Error{Kind: KindHistorySave, File: t.name, Key: rec.Key, Err: err}
		}
		return *rec, &doneWithNote{note}
	}
	if t.opt.NoWait {
		return *rec, nil
	}
	timeout := t.opt.Timeout
	if timeout <= 0 {
		timeout = s.cfg.ThumbTimeout.D()
	}
	t.c.update(t.id, false, func(j *Job) { j.State, j.WaitStarted, j.Record = Waiting, time.Now(), *rec })
	info, werr := waitThumb(ctx, s.b, rec.ThumbKey, timeout)
	var note *Error
	switch {
	case werr == nil:
		rec.Status = StatusReady
		fromThumb(rec, s.b, s.cfg, info)
	case ctx.Err() != nil:
		return *rec, ctx.Err()
	case isKind(werr, KindNoFunction):
		rec.Status = StatusTimeout
		note = &Error{Kind: KindNoFunction, File: t.name, Value: Duration(timeout).String()}
	case isRefusal(werr):
		// Uploaded, and the link works; the function said why it makes
		// no thumbnail.
		note = &Error{Kind: KindRefused, File: t.name, Err: werr}
	default:
		rec.Status = StatusTimeout
		note = &Error{Kind: KindWaitFailed, File: t.name, Err: werr}
	}
	if note != nil {
		keepErr(rec, note.withoutFile()) // the record names its file
	}
	rec.ElapsedMS = time.Since(t.started).Milliseconds()
	if err := t.c.hist.Put(context.WithoutCancel(ctx), *rec); err != nil {
		return *rec, &Error{Kind: KindHistorySave, File: t.name, Key: rec.Key, Err: err}
	}
	t.c.notifyHistory()
	if note != nil {
		return *rec, &doneWithNote{note}
	}
	return *rec, nil
}

// sizeChange says how a file's size changed, exactly where the rounded
// sizes would read the same ("1.2 GB before, 1.2 GB now" for 3 bytes).
func sizeChange(before, now int64) string {
	b, n := HumanSize(before), HumanSize(now)
	if b == n {
		b, n = strconv.FormatInt(before, 10)+" bytes", strconv.FormatInt(now, 10)+" bytes"
	}
	return b + " before, " + n + " now"
}

// duplicateOf is the answer for bytes uploaded before: their record, as a
// duplicate of file.
func duplicateOf(old, now Record) Record {
	d := old
	d.File, d.Status, d.ElapsedMS = now.File, StatusDuplicate, 0
	keepErr(&d, nil)
	if old.Status != StatusReady && old.Status != StatusDuplicate {
		d.ThumbURL = "" // its thumbnail never came: link the original
	}
	return d
}

// openRegular opens a file to upload, refusing folders, FIFOs, devices and
// empty files with a sentence naming the file.
func openRegular(path, name string) (*os.File, os.FileInfo, error) {
	st, err := os.Stat(path) // follows a symlink to what it names
	if err != nil {
		return nil, nil, errorf(KindCannotOpen, name, osCause(err))
	}
	switch {
	case st.IsDir():
		return nil, nil, errorf(KindFolder, name, nil)
	case !st.Mode().IsRegular():
		return nil, nil, errorf(KindNotRegular, name, nil)
	case st.Size() == 0:
		return nil, nil, errorf(KindEmpty, name, nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errorf(KindCannotOpen, name, osCause(err))
	}
	st, err = f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, errorf(KindNotRegular, name, nil)
	}
	return f, st, nil
}

// upload sends the file under a fresh key, retrying transient failures with
// backoff and moving to the next millisecond if the key is taken.
// uploadAs says what an original is besides its record.
type uploadAs struct {
	// converted: the bytes are not the file's format (a name in the key
	// takes their extension).
	converted bool
	// webCopy: a web copy goes up after it (its metadata says so).
	webCopy bool
}

func (c *Core) upload(ctx context.Context, id int, s *session, f io.ReadSeeker, size int64, rec Record, as uploadAs) (string, error) {
	c.sweepGivenUp(ctx, s)
	name := CleanName(rec.File)
	keys, err := newKeyMaker(s.cfg, rec, as.converted, time.Now())
	if err != nil {
		return "", err
	}
	backoff := time.Second
	taken := 0 // keys found taken
	// A request given up while the server was not answering may still be
	// stored when it comes back: remember such keys whatever happens next.
	var stalledKeys []string
	defer func() {
		for _, k := range stalledKeys {
			if k != "" {
				s.givenUp.Store(k, givenUp{sha256: rec.SHA256, at: time.Now()})
			}
		}
	}()
	for attempt := 0; ; attempt++ {
		key := keys.key(taken)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		c.update(id, false, func(j *Job) { j.State, j.Sent = Uploading, 0 })
		var stalled atomic.Bool
		err := s.b.Upload(ctx, key, f, size, storage.PutOptions{
			ContentType: rec.ContentType,
			Metadata:    objectMeta(rec, as.webCopy),
			Progress: func(n int64) {
				c.update(id, true, func(j *Job) {
					if n > j.Sent {
						j.Note = nil
					}
					j.Sent = n
				})
			},
			Retrying: func(why error) {
				stalled.Store(true)
				c.update(id, false, func(j *Job) { j.Note = &Error{Kind: KindRetrying, Err: &Error{Kind: KindStalled}} })
			},
		})
		if err != nil && (stalled.Load() || errors.Is(err, storage.ErrStalled)) {
			stalledKeys = append(stalledKeys, key)
		}
		if errors.Is(err, storage.ErrExists) {
			// A request retried after the server had stored it (it took
			// too long to say so): the object is ours if it has our
			// bytes.
			if info, herr := s.b.Head(ctx, key); herr == nil && info.Size == size && info.Metadata["sha256"] == rec.SHA256 {
				err = nil
			}
		}
		switch {
		case err == nil:
			c.update(id, false, func(j *Job) { j.Sent, j.Note = size, nil })
			stalledKeys = slices.DeleteFunc(stalledKeys, func(k string) bool { return k == key }) // ours, stored
			return key, nil
		case errors.Is(err, storage.ErrExists) && taken < 50:
			taken++ // the next millisecond, or a suffix
			continue
		case ctx.Err() != nil:
			return "", ctx.Err()
		case storage.Transient(err) && attempt < c.opt.Retries:
			c.update(id, false, func(j *Job) { j.Note = &Error{Kind: KindRetrying, Err: err} })
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
			continue
		}
		c.update(id, false, func(j *Job) { j.Note = nil }) // no more "trying again"
		return "", &Error{Kind: KindUploadFailed, File: name, Err: err}
	}
}

// objectMeta are the facts an original carries in its object metadata
// (x-amz-meta-*), so the bucket is the history another machine syncs:
// its sha256 and, where it differs (location removed), the file's, which
// duplicates are recognised by; its size as displayed; the name of the
// file it came from (percent-encoded: metadata is ASCII).
func objectMeta(rec Record, webCopy bool) map[string]string {
	m := map[string]string{"sha256": rec.SHA256}
	if rec.SourceSHA256 != "" && rec.SourceSHA256 != rec.SHA256 {
		m["source-sha256"] = rec.SourceSHA256
	}
	if rec.Width > 0 && rec.Height > 0 {
		m["width"], m["height"] = strconv.Itoa(rec.Width), strconv.Itoa(rec.Height)
	}
	if name := CleanName(rec.File); name != "" {
		m["name"] = url.PathEscape(name)
	}
	if webCopy {
		m[metaWebCopy] = "jpeg" // thumb/web/<key>.jpg (WebKey)
	}
	return m
}

func hashFile(ctx context.Context, f *os.File) (string, error) { return hashReader(ctx, f) }

// hashReader is the sha256 of what r holds from its start, read with ctx.
func hashReader(ctx context.Context, f io.ReadSeeker) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}

// claimShared claims the picture of sum for this process, among every
// thumbdrop process of the user: a lock file per picture, which the kernel
// lets go of when its process ends however it ends (kill -9, a power cut),
// so a claim never outlives its holder. While another process holds it,
// the job waits (saying so) and then finds that process's record. The
// release it returns may be called more than once.
func (c *Core) claimShared(ctx context.Context, id int, target, sum string) (func(), error) {
	t := sha256.Sum256([]byte(target))
	path := filepath.Join(c.opt.Dirs.Data, "claims", hex.EncodeToString(t[:8])+"-"+sum+".lock")
	noted := false
	for {
		l, err := flock.TryLockLive(path)
		if err == nil {
			if noted {
				c.update(id, false, func(j *Job) { j.Note = nil })
			}
			var once sync.Once
			return func() { once.Do(func() { l.Release() }) }, nil
		}
		if !errors.Is(err, flock.ErrHeld) {
			return nil, &Error{Kind: KindClaim, Err: osCause(err)}
		}
		if !noted {
			noted = true
			c.update(id, false, func(j *Job) { j.Note = &Error{Kind: KindWaitingOther} })
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// givenUp is an upload failed while the server was not answering.
type givenUp struct {
	sha256 string
	at     time.Time
}

// givenUpWatch is how long a given-up upload is looked for.
const givenUpWatch = 10 * time.Minute

// sweepGivenUp deletes what a server that stopped answering stored after
// all of uploads that had been given up (requests it had queued, served
// when it came back): objects the user was told failed, which nothing
// else would ever delete. Checked before each upload, by key and sha256.
func (c *Core) sweepGivenUp(ctx context.Context, s *session) {
	s.givenUp.Range(func(k, _ any) bool {
		v, mine := s.givenUp.LoadAndDelete(k) // one sweeper per entry
		if !mine {
			return true
		}
		key, g := k.(string), v.(givenUp)
		hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		info, err := s.b.Head(hctx, key)
		cancel()
		switch {
		case err == nil && info.Metadata["sha256"] == g.sha256:
			if c.discard(context.WithoutCancel(ctx), s, Record{Key: key}) == nil {
				c.log.Info("deleted an upload stored after it was given up", "key", key)
				return true
			}
		case err == nil, errors.Is(err, storage.ErrNotFound) && time.Since(g.at) > givenUpWatch:
			return true // another upload's (keys are unique), or never came
		}
		s.givenUp.Store(key, g) // not there yet, or the server still down: later
		return true
	})
}

// discardWait is how long a discarded upload's resize function is given
// to write what it makes of it, so that is deleted too.
const discardWait = 5 * time.Second

// discard deletes an upload that must not stay, with whatever the resize
// function makes of it: the original at once (a function not yet started
// finds nothing), then, once its thumbnail or refusal appears (or after
// discardWait), every object the upload can have.
func (c *Core) discard(ctx context.Context, s *session, rec Record) error {
	rec.ThumbKey, _ = ThumbKey(s.cfg, rec.Key)
	if err := s.b.Delete(ctx, deleteKeys(s.cfg, rec)...); err != nil {
		return err
	}
	if _, err := waitThumb(ctx, s.b, rec.ThumbKey, discardWait); err == nil || isRefusal(err) {
		return s.b.Delete(ctx, deleteKeys(s.cfg, rec)...)
	}
	return nil
}

// functionLimits are the limits the target's resize function applies: local
// mode's own, or those of a function deployed with the SAM template's
// defaults (512 MB).
func functionLimits(c Config) thumbnail.Options {
	o := resize.DefaultConfig().Thumbnail
	if c.Target == TargetLocal {
		o = localResizeConfig(c).Thumbnail
	} else {
		o.MaxMemory = resize.DecodeBudget(512 << 20)
	}
	// The thumbnail alone: a function that cannot hold the copies' larger
	// decode makes the thumbnail without them (resize.Handler).
	o.Widths, o.WebP = nil, false
	return o
}
