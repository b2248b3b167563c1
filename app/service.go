package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// State of a job in the queue.
type State int

const (
	Queued State = iota
	Hashing
	Uploading
	Waiting // for the thumbnail
	Done
	Failed
	Canceled
)

func (s State) String() string {
	return [...]string{"queued", "checking", "uploading", "waiting for thumbnail", "done", "failed", "canceled"}[s]
}

// Terminal reports whether the job has finished, one way or another.
func (s State) Terminal() bool { return s >= Done }

// Job is a snapshot of one file's trip.
type Job struct {
	ID          int
	Path        string
	Name        string
	Size        int64
	State       State
	Sent        int64     // bytes sent (Uploading)
	Started     time.Time // when work began
	WaitStarted time.Time // when the wait for the thumbnail began
	Record      Record    // filled as it becomes known; final once Done
	Err         error     // why it failed (Failed), or a note (Done with StatusTimeout)
}

// Progress is Sent/Size in 0..1.
func (j Job) Progress() float64 {
	if j.Size <= 0 {
		return 0
	}
	return float64(j.Sent) / float64(j.Size)
}

// ServiceOptions configure a Service.
type ServiceOptions struct {
	NoWait       bool          // do not wait for thumbnails
	ThumbTimeout time.Duration // 0: the config's
	// OnEvent receives a snapshot after every change (throttled to about
	// ten a second per job while bytes flow). It is called from worker
	// goroutines: a UI must hand it to its own thread (fyne.Do).
	OnEvent func(Job)
	// Retries of a transient failure, with backoff (default 3).
	Retries int
}

// Service uploads files: a queue, config.Concurrency workers, per-file
// state, cancel and retry.
type Service struct {
	cfg    Config
	target *Target
	hist   *History
	opt    ServiceOptions
	now    func() time.Time

	mu      sync.Mutex
	cond    *sync.Cond
	jobs    map[int]*job
	order   []int
	queue   []int
	nextID  int
	closing bool
	wg      sync.WaitGroup
}

type job struct {
	Job
	cancel   context.CancelFunc
	lastEmit time.Time
}

// NewService starts the workers.
func NewService(cfg Config, t *Target, h *History, opt ServiceOptions) *Service {
	if opt.ThumbTimeout <= 0 {
		opt.ThumbTimeout = cfg.ThumbTimeout.D()
	}
	if opt.Retries == 0 {
		opt.Retries = 3
	}
	s := &Service{cfg: cfg, target: t, hist: h, opt: opt, now: time.Now, jobs: map[int]*job{}}
	s.cond = sync.NewCond(&s.mu)
	n := max(cfg.Concurrency, 1)
	for i := 0; i < n; i++ {
		s.wg.Add(1)
		go s.worker()
	}
	return s
}

// Config is the configuration the service runs with.
func (s *Service) Config() Config { return s.cfg }

// Target is the open bucket.
func (s *Service) Target() *Target { return s.target }

// History is the upload history.
func (s *Service) History() *History { return s.hist }

// Add queues files and returns their job IDs, in order.
func (s *Service) Add(paths ...string) []int {
	s.mu.Lock()
	ids := make([]int, 0, len(paths))
	var snaps []Job
	for _, p := range paths {
		s.nextID++
		j := &job{Job: Job{ID: s.nextID, Path: p, Name: CleanName(p), State: Queued}}
		if st, err := os.Stat(p); err == nil {
			j.Size = st.Size()
		}
		s.jobs[j.ID] = j
		s.order = append(s.order, j.ID)
		s.queue = append(s.queue, j.ID)
		ids = append(ids, j.ID)
		snaps = append(snaps, j.Job)
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	for _, sn := range snaps {
		s.emit(sn)
	}
	return ids
}

// Cancel stops a queued or running job.
func (s *Service) Cancel(id int) {
	s.mu.Lock()
	j, ok := s.jobs[id]
	if !ok || j.State.Terminal() {
		s.mu.Unlock()
		return
	}
	if j.cancel != nil {
		j.cancel() // the worker reports Canceled
		s.mu.Unlock()
		return
	}
	j.State = Canceled
	j.Err = context.Canceled
	snap := j.Job
	s.cond.Broadcast()
	s.mu.Unlock()
	s.emit(snap)
}

// Retry queues a failed or canceled job again.
func (s *Service) Retry(id int) bool {
	s.mu.Lock()
	j, ok := s.jobs[id]
	if !ok || (j.State != Failed && j.State != Canceled) {
		s.mu.Unlock()
		return false
	}
	j.Job = Job{ID: j.ID, Path: j.Path, Name: j.Name, Size: j.Size, State: Queued}
	s.queue = append(s.queue, id)
	snap := j.Job
	s.cond.Broadcast()
	s.mu.Unlock()
	s.emit(snap)
	return true
}

// Jobs returns snapshots of every job, in the order added.
func (s *Service) Jobs() []Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Job, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.jobs[id].Job)
	}
	return out
}

// Job returns one job's snapshot.
func (s *Service) Job(id int) (Job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, false
	}
	return j.Job, true
}

// Wait blocks until every job has finished (or ctx ends).
func (s *Service) Wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		busy := false
		for _, j := range s.jobs {
			if !j.State.Terminal() {
				busy = true
				break
			}
		}
		if !busy {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.cond.Wait()
	}
}

// Close cancels what runs and stops the workers.
func (s *Service) Close() {
	s.mu.Lock()
	s.closing = true
	for _, j := range s.jobs {
		if j.cancel != nil {
			j.cancel()
		}
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Service) worker() {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.closing {
			s.cond.Wait()
		}
		if s.closing {
			s.mu.Unlock()
			return
		}
		id := s.queue[0]
		s.queue = s.queue[1:]
		j := s.jobs[id]
		if j.State != Queued { // canceled while queued
			s.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		j.cancel = cancel
		j.Started = s.now()
		s.mu.Unlock()

		rec, note, err := s.run(ctx, id)
		canceled := ctx.Err() != nil
		cancel()

		s.mu.Lock()
		j.cancel = nil
		switch {
		case err != nil && canceled:
			j.State, j.Err = Canceled, context.Canceled
		case err != nil:
			j.State, j.Err = Failed, err
			rec.Status, rec.Error = StatusFailed, err.Error()
		default:
			j.State, j.Err = Done, note
		}
		rec.ElapsedMS = s.now().Sub(j.Started).Milliseconds()
		j.Record = rec
		snap := j.Job
		s.cond.Broadcast()
		s.mu.Unlock()
		s.emit(snap)
	}
}

// update changes a running job and emits it; progress-only updates are
// throttled.
func (s *Service) update(id int, throttle bool, f func(*Job)) {
	s.mu.Lock()
	j := s.jobs[id]
	f(&j.Job)
	now := time.Now()
	if throttle && now.Sub(j.lastEmit) < 100*time.Millisecond {
		s.mu.Unlock()
		return
	}
	j.lastEmit = now
	snap := j.Job
	s.mu.Unlock()
	s.emit(snap)
}

func (s *Service) emit(j Job) {
	if s.opt.OnEvent != nil {
		s.opt.OnEvent(j)
	}
}

// headSize is how much of a file is read to sniff and size it.
const headSize = 256 << 10

// run takes one file through hashing, upload and the thumbnail wait. note
// is a non-fatal remark (thumbnail timeout).
func (s *Service) run(ctx context.Context, id int) (rec Record, note error, err error) {
	j, _ := s.Job(id)
	rec = Record{File: j.Path, Time: s.now().UTC(), Target: s.target.ID}
	f, err := os.Open(j.Path)
	if err != nil {
		return rec, nil, fmt.Errorf("%s: cannot open it (%v)", j.Name, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return rec, nil, fmt.Errorf("%s: %w", j.Name, err)
	}
	if st.IsDir() {
		return rec, nil, fmt.Errorf("%s is a folder; drop the images inside it", j.Name)
	}
	if st.Size() == 0 {
		return rec, nil, fmt.Errorf("%s is empty (0 bytes); nothing uploaded", j.Name)
	}
	rec.Bytes = st.Size()
	s.update(id, false, func(j *Job) { j.Size, j.State = st.Size(), Hashing })

	head := make([]byte, min(headSize, st.Size()))
	if _, err := io.ReadFull(f, head); err != nil {
		return rec, nil, fmt.Errorf("%s: cannot read it (%v)", j.Name, err)
	}
	format := thumbnail.Sniff(head)
	if format == "" {
		return rec, nil, fmt.Errorf("%s is not an image thumbdrop can use (JPEG, PNG, GIF, WebP, BMP or TIFF); nothing uploaded", j.Name)
	}
	rec.ContentType = format.ContentType()
	if info, err := thumbnail.Header(head); err == nil {
		rec.Width, rec.Height = info.DisplaySize()
	}
	sum, err := hashFile(ctx, f)
	if err != nil {
		return rec, nil, fmt.Errorf("%s: cannot read it (%v)", j.Name, err)
	}
	rec.SHA256 = sum

	if old, ok := s.hist.BySHA256(s.target.ID, sum); ok {
		if _, err := s.target.Bucket.Head(ctx, old.Key); err == nil {
			if old.Status != StatusReady {
				old.ThumbURL = "" // its thumbnail never came
			}
			old.File, old.Status, old.Error = j.Path, StatusDuplicate, ""
			return old, nil, nil
		} else if errors.Is(err, storage.ErrNotFound) {
			s.hist.Remove(old.Target, old.Key) // deleted elsewhere: upload again
		}
	}

	rec.Key, err = s.upload(ctx, id, f, st.Size(), rec)
	if err != nil {
		return rec, nil, err
	}
	rec.URL = s.target.Bucket.URL(rec.Key)
	rec.ThumbKey, _ = ThumbKey(s.cfg, rec.Key)
	rec.ThumbURL = s.target.Bucket.URL(rec.ThumbKey)
	rec.Status = StatusUploaded
	if err := s.hist.Put(rec); err != nil {
		return rec, nil, fmt.Errorf("%s was uploaded as %s but the history could not be saved: %w", j.Name, rec.Key, err)
	}
	if s.opt.NoWait {
		return rec, nil, nil
	}
	s.update(id, false, func(j *Job) { j.State, j.WaitStarted, j.Record = Waiting, s.now(), rec })
	info, werr := WaitThumb(ctx, s.target.Bucket, rec.ThumbKey, s.opt.ThumbTimeout)
	switch {
	case werr == nil:
		rec.Status = StatusReady
		if w, err := strconv.Atoi(info.Metadata[resize.MetaSourceWidth]); err == nil && rec.Width == 0 {
			rec.Width = w
		}
		if h, err := strconv.Atoi(info.Metadata[resize.MetaSourceHeight]); err == nil && rec.Height == 0 {
			rec.Height = h
		}
	case ctx.Err() != nil:
		return rec, nil, ctx.Err()
	default:
		rec.Status = StatusTimeout
		note = fmt.Errorf("%s: %w", j.Name, werr)
	}
	if err := s.hist.Put(rec); err != nil {
		return rec, note, fmt.Errorf("save history: %w", err)
	}
	return rec, note, nil
}

// upload sends the file under a fresh key, retrying transient failures with
// backoff and moving to the next millisecond if the key is taken.
func (s *Service) upload(ctx context.Context, id int, f *os.File, size int64, rec Record) (string, error) {
	name := CleanName(rec.File)
	t := s.now()
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		key := OriginalKey(s.cfg.OriginalPrefix, t, name)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
		s.update(id, false, func(j *Job) { j.State, j.Sent = Uploading, 0 })
		err := s.target.Bucket.Upload(ctx, key, f, size, storage.PutOptions{
			ContentType: rec.ContentType,
			Metadata:    map[string]string{"sha256": rec.SHA256},
			Progress:    func(n int64) { s.update(id, true, func(j *Job) { j.Sent = n }) },
		})
		switch {
		case err == nil:
			s.update(id, false, func(j *Job) { j.Sent = size })
			return key, nil
		case errors.Is(err, storage.ErrExists) && attempt < 10:
			t = t.Add(time.Millisecond)
			continue
		case ctx.Err() != nil:
			return "", ctx.Err()
		case storage.Transient(err) && attempt < s.opt.Retries:
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
			continue
		}
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

// LinkData resolves a record's links: public URLs, or presigned ones with
// the configured lifetime.
func (s *Service) LinkData(ctx context.Context, r Record) (LinkData, error) {
	return ResolveLinks(ctx, s.cfg, s.target.Bucket, r)
}

// ResolveLinks builds the link data of a record for the config's link mode.
func ResolveLinks(ctx context.Context, c Config, b storage.Bucket, r Record) (LinkData, error) {
	d := LinkData{URL: r.URL, ThumbURL: r.ThumbURL, Name: r.Name(), Key: r.Key, Width: r.Width, Height: r.Height}
	if r.Status != StatusReady && r.Status != StatusDuplicate {
		d.ThumbURL = ""
	}
	if c.LinkMode == LinkPresigned && r.Key != "" {
		u, err := b.Presign(ctx, r.Key, c.PresignTTL.D())
		if err != nil {
			return d, err
		}
		d.URL = u
		if d.ThumbURL != "" {
			if d.ThumbURL, err = b.Presign(ctx, r.ThumbKey, c.PresignTTL.D()); err != nil {
				return d, err
			}
		}
	}
	return d, nil
}
