package app

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"
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
	// Err says why it failed (Failed), or why no thumbnail was made
	// (Done with StatusTimeout, or a refusal).
	Err error
	// Note says what is happening meanwhile (the storage server stopped
	// answering and the upload is tried again; another thumbdrop uploads
	// the same picture); nil once it passes. An *Error, like Err.
	Note error
}

// Progress is Sent/Size in 0..1.
func (j Job) Progress() float64 {
	if j.Size <= 0 {
		return 0
	}
	return min(float64(j.Sent)/float64(j.Size), 1)
}

// AddOptions adjust how queued files are handled.
type AddOptions struct {
	NoWait  bool          // do not wait for thumbnails
	Timeout time.Duration // how long to wait for each (0: the config's thumb_timeout)
	// Name, if set, is the file name to upload under (and show), for
	// files that arrive under a temporary name (the editors' API).
	Name string
}

// queue is the core's one upload queue: it lives as long as the core, so
// job IDs are stable across settings changes.
type queue struct {
	c *Core

	mu       sync.Mutex
	cond     *sync.Cond
	jobs     map[int]*job
	order    []int
	pending  []int
	nextID   int
	closing  bool
	workers  int // running
	want     int // configured
	seq      int // jobs started so far
	inflight map[string]*flight
	wg       sync.WaitGroup
}

type job struct {
	Job
	opt      AddOptions
	cancel   context.CancelFunc
	lastEmit time.Time
	// seq orders running jobs by when they started; claimed is set once a
	// job has checked its bytes against the others' (see turn).
	seq     int
	claimed bool
}

// flight is an upload of some bytes in progress: another job with the same
// bytes waits for it and becomes its duplicate.
type flight struct {
	done chan struct{}
	rec  Record
	ok   bool
}

func newQueue(c *Core) *queue {
	q := &queue{c: c, jobs: map[int]*job{}, inflight: map[string]*flight{}}
	q.cond = sync.NewCond(&q.mu)
	q.resize(c.Config().Concurrency)
	return q
}

// resize sets how many files upload at once.
func (q *queue) resize(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.want = max(n, 1)
	for q.workers < q.want && !q.closing {
		q.workers++
		q.wg.Add(1)
		go q.worker()
	}
	q.cond.Broadcast() // extra workers leave
}

// Add queues files (already expanded: see ExpandPaths) and returns their
// job IDs, in order.
func (c *Core) Add(opt AddOptions, paths ...string) []int {
	q := c.q
	q.mu.Lock()
	ids := make([]int, 0, len(paths))
	var snaps []Job
	for _, p := range paths {
		q.nextID++
		name := opt.Name
		if name == "" {
			name = CleanName(p)
		}
		j := &job{Job: Job{ID: q.nextID, Path: p, Name: name, State: Queued}, opt: opt}
		if st, err := os.Stat(p); err == nil {
			j.Size = st.Size()
		}
		if q.closing {
			j.State, j.Err = Failed, &Error{Kind: KindShuttingDown}
		} else {
			q.pending = append(q.pending, j.ID)
		}
		q.jobs[j.ID] = j
		q.order = append(q.order, j.ID)
		ids = append(ids, j.ID)
		snaps = append(snaps, j.Job)
	}
	q.cond.Broadcast()
	q.mu.Unlock()
	for _, s := range snaps {
		c.emitJob(s)
	}
	return ids
}

func (c *Core) emitJob(j Job) { c.emit(Event{Job: &j}) }

// Cancel stops a queued or running job.
func (c *Core) Cancel(id int) {
	q := c.q
	q.mu.Lock()
	j, ok := q.jobs[id]
	if !ok || j.State.Terminal() {
		q.mu.Unlock()
		return
	}
	if j.cancel != nil {
		j.cancel() // the worker reports Canceled
		q.mu.Unlock()
		return
	}
	j.State, j.Err = Canceled, context.Canceled
	snap := j.Job
	q.cond.Broadcast()
	q.mu.Unlock()
	c.emitJob(snap)
}

// Retry queues a failed or canceled job again, under the same ID.
func (c *Core) Retry(id int) bool {
	q := c.q
	q.mu.Lock()
	j, ok := q.jobs[id]
	if !ok || (j.State != Failed && j.State != Canceled) || q.closing {
		q.mu.Unlock()
		return false
	}
	j.Job = Job{ID: j.ID, Path: j.Path, Name: j.Name, Size: j.Size, State: Queued}
	q.pending = append(q.pending, id)
	snap := j.Job
	q.cond.Broadcast()
	q.mu.Unlock()
	c.emitJob(snap)
	return true
}

// ClearFinished forgets the jobs that are done, failed or canceled, and
// returns their IDs.
func (c *Core) ClearFinished() []int {
	q := c.q
	q.mu.Lock()
	defer q.mu.Unlock()
	var gone []int
	keep := q.order[:0]
	for _, id := range q.order {
		if q.jobs[id].State.Terminal() {
			gone = append(gone, id)
			delete(q.jobs, id)
			continue
		}
		keep = append(keep, id)
	}
	q.order = keep
	return gone
}

// Jobs returns snapshots of every job, in the order added.
func (c *Core) Jobs() []Job {
	q := c.q
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Job, 0, len(q.order))
	for _, id := range q.order {
		out = append(out, q.jobs[id].Job)
	}
	return out
}

// Job returns one job's snapshot.
func (c *Core) Job(id int) (Job, bool) {
	q := c.q
	q.mu.Lock()
	defer q.mu.Unlock()
	j, ok := q.jobs[id]
	if !ok {
		return Job{}, false
	}
	return j.Job, true
}

// wakeOnDone wakes the queue's waiters when ctx ends (so they see it);
// the returned func stops that.
func (q *queue) wakeOnDone(ctx context.Context) func() bool {
	return context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
}

// Wait blocks until the jobs ids (every job if none) have finished, or ctx
// ends.
func (c *Core) Wait(ctx context.Context, ids ...int) error {
	q := c.q
	defer q.wakeOnDone(ctx)()
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		busy := false
		if len(ids) == 0 {
			for _, j := range q.jobs {
				busy = busy || !j.State.Terminal()
			}
		}
		for _, id := range ids {
			if j, ok := q.jobs[id]; ok && !j.State.Terminal() {
				busy = true
			}
		}
		if !busy {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		q.cond.Wait()
	}
}

// close cancels what runs and stops the workers.
func (q *queue) close() {
	q.mu.Lock()
	q.closing = true
	for _, j := range q.jobs {
		if j.cancel != nil {
			j.cancel()
		}
	}
	q.cond.Broadcast()
	q.mu.Unlock()
	q.wg.Wait()
}

func (q *queue) worker() {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		for len(q.pending) == 0 && !q.closing && q.workers <= q.want {
			q.cond.Wait()
		}
		if q.closing || q.workers > q.want {
			q.workers--
			q.mu.Unlock()
			return
		}
		id := q.pending[0]
		q.pending = q.pending[1:]
		j, ok := q.jobs[id]
		if !ok || j.State != Queued { // canceled or cleared while queued
			q.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		j.cancel = cancel
		j.Started = time.Now()
		q.seq++
		j.seq, j.claimed = q.seq, false
		opt := j.opt
		q.mu.Unlock()

		rec, err := q.c.run(ctx, id, opt)
		canceled := ctx.Err() != nil
		cancel()

		q.mu.Lock()
		j.cancel, j.claimed = nil, true
		var note *doneWithNote
		switch {
		case err != nil && canceled:
			j.State, j.Err = Canceled, context.Canceled
		case errors.As(err, &note):
			j.State, j.Err = Done, note.err
		case err != nil:
			j.State, j.Err = Failed, err
			rec.Status = StatusFailed
			keepErr(&rec, err)
		default:
			j.State, j.Err = Done, nil
		}
		j.Record = rec
		snap := j.Job
		q.cond.Broadcast()
		q.mu.Unlock()
		q.c.emitJob(snap)
	}
}

// update changes a running job and emits it; progress-only updates are
// throttled to about ten a second.
func (c *Core) update(id int, throttle bool, f func(*Job)) {
	q := c.q
	q.mu.Lock()
	j, ok := q.jobs[id]
	if !ok {
		q.mu.Unlock()
		return
	}
	f(&j.Job)
	now := time.Now()
	if throttle && now.Sub(j.lastEmit) < 100*time.Millisecond {
		q.mu.Unlock()
		return
	}
	j.lastEmit = now
	snap := j.Job
	q.mu.Unlock()
	c.emitJob(snap)
}

// claim registers job id's upload of the bytes sum to target. If another
// job is uploading the same bytes, it returns that flight to wait on
// instead. Jobs claim in the order they started, so of identical files the
// first named is the one uploaded and the others are its duplicates,
// however long each took to hash.
func (q *queue) claim(ctx context.Context, id int, target, sum string) (mine *flight, other *flight, err error) {
	defer q.wakeOnDone(ctx)()
	q.mu.Lock()
	defer q.mu.Unlock()
	me := q.jobs[id]
	for q.earlierUnclaimed(me) {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		q.cond.Wait()
	}
	me.claimed = true
	q.cond.Broadcast()
	k := target + "\x00" + sum
	if f, ok := q.inflight[k]; ok {
		return nil, f, nil
	}
	f := &flight{done: make(chan struct{})}
	q.inflight[k] = f
	return f, nil, nil
}

// earlierUnclaimed reports whether a job that started before me is still
// on its way to its claim (hashing, say).
func (q *queue) earlierUnclaimed(me *job) bool {
	for _, o := range q.jobs {
		if o.cancel != nil && !o.claimed && o.seq < me.seq {
			return true
		}
	}
	return false
}

// skipClaim marks a job that ends before claiming (refused, canceled), so
// later jobs do not wait for it.
func (q *queue) skipClaim(id int) {
	q.mu.Lock()
	if j, ok := q.jobs[id]; ok && !j.claimed {
		j.claimed = true
		q.cond.Broadcast()
	}
	q.mu.Unlock()
}

// land ends a flight with its outcome.
func (q *queue) land(target, sum string, f *flight, rec Record, ok bool) {
	q.mu.Lock()
	delete(q.inflight, target+"\x00"+sum)
	f.rec, f.ok = rec, ok
	q.mu.Unlock()
	close(f.done)
}
