package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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

// headSize is how much of a file is read to sniff and size it.
const headSize = 256 << 10

// run takes one file through hashing, upload and the thumbnail wait.
func (c *Core) run(ctx context.Context, id int, opt AddOptions) (Record, error) {
	j, _ := c.Job(id)
	rec := Record{File: j.Path, Time: time.Now().UTC()}
	if opt.Name != "" {
		rec.File = opt.Name
	}
	started := j.Started
	elapsed := func() int64 { return time.Since(started).Milliseconds() }
	defer c.q.skipClaim(id)
	s, err := c.session(ctx)
	if err != nil {
		return rec, notConnected(err)
	}
	rec.Target = s.id
	c.keepAgent(ctx, s)

	f, st, err := openRegular(j.Path, j.Name)
	if err != nil {
		return rec, err
	}
	defer f.Close()
	rec.Bytes = st.Size()
	c.update(id, false, func(j *Job) { j.Size, j.State = st.Size(), Hashing })

	head := make([]byte, min(headSize, st.Size()))
	if _, err := io.ReadFull(f, head); err != nil {
		return rec, fmt.Errorf("%s: cannot read it (%v)", j.Name, err)
	}
	format := thumbnail.Sniff(head)
	if format == "" {
		return rec, fmt.Errorf("%s is not an image thumbdrop can use (%s); nothing uploaded", j.Name, thumbnail.FormatList)
	}
	rec.ContentType = format.ContentType()
	if info, err := thumbnail.Header(head); err == nil {
		rec.Width, rec.Height = info.DisplaySize()
	}
	// The resize function's own limits, checked now: if it will refuse
	// the picture, say so at once (the original still uploads).
	var predicted error
	if err := thumbnail.Check(head, st.Size(), functionLimits(s.cfg)); thumbnail.IsPermanent(err) {
		predicted = err
	}
	sum, err := hashFile(ctx, f)
	if err != nil {
		return rec, fmt.Errorf("%s: cannot read it (%v)", j.Name, err)
	}
	rec.SHA256 = sum

	// The same bytes: uploading now in another job, or uploaded before.
	mine, other, err := c.q.claim(ctx, id, s.id, sum)
	if err != nil {
		return rec, err
	}
	if other != nil {
		select {
		case <-other.done:
		case <-ctx.Done():
			return rec, ctx.Err()
		}
		if other.ok {
			return duplicateOf(other.rec, rec), nil
		}
		if mine, other, err = c.q.claim(ctx, id, s.id, sum); err != nil {
			return rec, err
		} else if other != nil {
			return rec, fmt.Errorf("%s: the same picture is being uploaded in another row", j.Name)
		}
	}
	ok := false
	defer func() { c.q.land(s.id, sum, mine, rec, ok) }()
	// Another thumbdrop (the app, an editor's upload, a script) may be
	// uploading the same picture now: wait for it, then it is a duplicate.
	release, err := c.claimShared(ctx, id, s.id, sum)
	if err != nil {
		return rec, err
	}
	defer release()
	if old, found, _ := c.hist.BySHA256(ctx, s.id, sum); found {
		if _, err := s.b.Head(ctx, old.Key); err == nil {
			ok = true
			rec = duplicateOf(old, rec)
			// Uploaded when no copies were made, which the settings
			// would make now (a twin, or a width it is wider than).
			wants := s.cfg.WebP || slices.ContainsFunc(s.cfg.Widths(), func(w int) bool { return w > old.ThumbWidth && w < old.Width })
			if wants && len(old.Variants) == 0 && old.Status == StatusReady {
				return rec, &doneWithNote{fmt.Errorf("%s was uploaded on %s, before copies were made: to have them, delete it and upload it again",
					j.Name, old.Time.Local().Format("2006-01-02"))}
			}
			return rec, nil
		} else if errors.Is(err, storage.ErrNotFound) {
			c.hist.Remove(ctx, old.Target, old.Key) // deleted elsewhere: upload again
		}
	}

	// What goes up: the file, with its location tags blanked if asked
	// (same size, same pixels; the duplicate check above used the file's
	// own bytes, so the same photo is still recognised).
	var body io.ReadSeeker = f
	if s.cfg.StripLocation {
		patches, err := thumbnail.LocationPatches(f, st.Size())
		if err != nil {
			return rec, fmt.Errorf("%s: cannot read its metadata (%v)", j.Name, err)
		}
		if len(patches) > 0 {
			body, rec.LocationRemoved = thumbnail.NewPatched(f, st.Size(), patches), true
		}
	}
	rec.Key, err = c.upload(ctx, id, s, body, st.Size(), rec)
	if err != nil {
		return rec, err
	}
	// A file written to (or cut short) while it went up: what the bucket
	// holds is neither the old file nor the new one.
	if now, err := f.Stat(); err == nil && (now.Size() != st.Size() || !now.ModTime().Equal(st.ModTime())) {
		if err := c.discard(context.WithoutCancel(ctx), s, rec); err != nil {
			return rec, fmt.Errorf("%s changed while it was uploading (%s before, %s now), and what went up could not be deleted (%v): delete %s with 'thumbdrop delete', then upload it again once it is complete",
				j.Name, HumanSize(st.Size()), HumanSize(now.Size()), err, rec.Key)
		}
		return rec, fmt.Errorf("%s changed while it was uploading (%s before, %s now); nothing was kept: upload it again once it is complete",
			j.Name, HumanSize(st.Size()), HumanSize(now.Size()))
	}
	rec.URL = s.b.URL(rec.Key)
	rec.ThumbKey, _ = ThumbKey(s.cfg, rec.Key)
	rec.ThumbURL = s.b.URL(rec.ThumbKey)
	rec.Status = StatusUploaded
	rec.ElapsedMS = elapsed()
	if err := c.hist.Put(ctx, rec); err != nil {
		return rec, fmt.Errorf("%s was uploaded as %s but the history could not be saved: %w", j.Name, rec.Key, err)
	}
	ok = true
	c.notifyHistory()
	if predicted != nil {
		rec.Error = "no thumbnail will be made: " + predicted.Error()
		if err := c.hist.Put(context.WithoutCancel(ctx), rec); err != nil {
			return rec, fmt.Errorf("save history: %w", err)
		}
		return rec, &doneWithNote{fmt.Errorf("%s: %s", j.Name, rec.Error)}
	}
	if opt.NoWait {
		return rec, nil
	}
	timeout := opt.Timeout
	if timeout <= 0 {
		timeout = s.cfg.ThumbTimeout.D()
	}
	c.update(id, false, func(j *Job) { j.State, j.WaitStarted, j.Record = Waiting, time.Now(), rec })
	info, werr := WaitThumb(ctx, s.b, rec.ThumbKey, timeout)
	var note error
	var refused *RefusedError
	switch {
	case werr == nil:
		rec.Status = StatusReady
		fromThumb(&rec, s.b, s.cfg, info)
	case ctx.Err() != nil:
		return rec, ctx.Err()
	case errors.As(werr, &refused):
		// Uploaded, and the link works; the function said why it makes
		// no thumbnail.
		rec.Error = refused.Error()
		note = fmt.Errorf("%s: %w", j.Name, refused)
	default:
		rec.Status = StatusTimeout
		rec.Error = werr.Error()
		note = fmt.Errorf("%s: %w", j.Name, werr)
	}
	rec.ElapsedMS = elapsed()
	if err := c.hist.Put(context.WithoutCancel(ctx), rec); err != nil {
		return rec, fmt.Errorf("save history: %w", err)
	}
	c.notifyHistory()
	if note != nil {
		return rec, &doneWithNote{note}
	}
	return rec, nil
}

// duplicateOf is the answer for bytes uploaded before: their record, as a
// duplicate of file.
func duplicateOf(old, now Record) Record {
	d := old
	d.File, d.Status, d.Error, d.ElapsedMS = now.File, StatusDuplicate, "", 0
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
		return nil, nil, fmt.Errorf("%s: cannot open it (%v)", name, unwrapPath(err))
	}
	switch {
	case st.IsDir():
		return nil, nil, fmt.Errorf("%s is a folder; drop the images inside it", name)
	case !st.Mode().IsRegular():
		return nil, nil, fmt.Errorf("%s is not a regular file (a pipe or a device); nothing uploaded", name)
	case st.Size() == 0:
		return nil, nil, fmt.Errorf("%s is empty (0 bytes); nothing uploaded", name)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cannot open it (%v)", name, unwrapPath(err))
	}
	st, err = f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a regular file; nothing uploaded", name)
	}
	return f, st, nil
}

// upload sends the file under a fresh key, retrying transient failures with
// backoff and moving to the next millisecond if the key is taken.
func (c *Core) upload(ctx context.Context, id int, s *session, f io.ReadSeeker, size int64, rec Record) (string, error) {
	c.sweepGivenUp(ctx, s)
	name := CleanName(rec.File)
	t := time.Now()
	backoff := time.Second
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
		key := OriginalKey(s.cfg.OriginalPrefix, t, name)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		c.update(id, false, func(j *Job) { j.State, j.Sent = Uploading, 0 })
		var stalled atomic.Bool
		err := s.b.Upload(ctx, key, f, size, storage.PutOptions{
			ContentType: rec.ContentType,
			Metadata:    map[string]string{"sha256": rec.SHA256},
			Progress: func(n int64) {
				c.update(id, true, func(j *Job) {
					if n > j.Sent {
						j.Note = ""
					}
					j.Sent = n
				})
			},
			Retrying: func(why error) {
				stalled.Store(true)
				c.update(id, false, func(j *Job) { j.Note = "the storage server stopped answering; trying again" })
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
			c.update(id, false, func(j *Job) { j.Sent, j.Note = size, "" })
			stalledKeys = slices.DeleteFunc(stalledKeys, func(k string) bool { return k == key }) // ours, stored
			return key, nil
		case errors.Is(err, storage.ErrExists) && attempt < 50:
			t = t.Add(time.Millisecond)
			continue
		case ctx.Err() != nil:
			return "", ctx.Err()
		case storage.Transient(err) && attempt < c.opt.Retries:
			c.update(id, false, func(j *Job) { j.Note = fmt.Sprintf("%v; trying again", err) })
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
			continue
		}
		c.update(id, false, func(j *Job) { j.Note = "" }) // no more "trying again"
		return "", fmt.Errorf("%s: %w", name, err)
	}
}

func hashFile(ctx context.Context, f *os.File) (string, error) {
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

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
				c.update(id, false, func(j *Job) { j.Note = "" })
			}
			var once sync.Once
			return func() { once.Do(func() { l.Release() }) }, nil
		}
		if !errors.Is(err, flock.ErrHeld) {
			return nil, fmt.Errorf("claim the picture: %w", err)
		}
		if !noted {
			noted = true
			c.update(id, false, func(j *Job) {
				j.Note = "the same picture is being uploaded by another thumbdrop; waiting for it"
			})
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
	if _, err := WaitThumb(ctx, s.b, rec.ThumbKey, discardWait); err == nil || errors.As(err, new(*RefusedError)) {
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
		o = LocalResizeConfig(c).Thumbnail
	} else {
		o.MaxMemory = resize.DecodeBudget(512 << 20)
	}
	// The thumbnail alone: a function that cannot hold the copies' larger
	// decode makes the thumbnail without them (resize.Handler).
	o.Widths, o.WebP = nil, false
	return o
}
