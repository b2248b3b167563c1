package app_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/app/apptest"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// The fast tier: the core over in-memory buckets (apptest), no server.

var bg = context.Background()

// eventLog collects every job event a core emits.
type eventLog struct {
	mu  sync.Mutex
	all []app.Job
	his int
}

func (l *eventLog) add(e app.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Job != nil {
		l.all = append(l.all, *e.Job)
	}
	if e.History {
		l.his++
	}
}

func (l *eventLog) states(id int) []app.State {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []app.State
	for _, j := range l.all {
		if j.ID == id && (len(s) == 0 || s[len(s)-1] != j.State) {
			s = append(s, j.State)
		}
	}
	return s
}

// buckets hands out an in-memory bucket per bucket name, so a settings
// swap really changes bucket.
type buckets struct {
	mu  sync.Mutex
	m   map[string]*apptest.Bucket
	bad map[string]error // bucket names that fail to open
}

func (bs *buckets) open(ctx context.Context, c app.Config) (app.Bucket, error) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	name := c.Bucket
	if c.Target == app.TargetLocal {
		name = "local"
	}
	if err := bs.bad[name]; err != nil {
		return nil, err
	}
	if bs.m[name] == nil {
		bs.m[name] = apptest.New(name, true)
	}
	return bs.m[name], nil
}

func (bs *buckets) get(name string) *apptest.Bucket {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.m[name] == nil {
		bs.m[name] = apptest.New(name, true)
	}
	return bs.m[name]
}

func newCore(t *testing.T, mod func(*app.Config)) (*app.Core, *buckets, app.Dirs) {
	t.Helper()
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.ThumbTimeout = app.Duration(5 * time.Second)
	if mod != nil {
		mod(&c)
	}
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	bs := &buckets{m: map[string]*apptest.Bucket{}, bad: map[string]error{}}
	core, err := app.Open(bg, app.Options{Dirs: d, OpenBucket: bs.open, Retries: 2, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	return core, bs, d
}

func TestQueueStatesOrderAndRefusal(t *testing.T) {
	core, bs, _ := newCore(t, nil)
	var log eventLog
	core.Watch(log.add)
	dir := t.TempDir()
	a := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "a.jpg"))
	notes := filepath.Join(dir, "notes.jpg")
	os.WriteFile(notes, []byte("shopping list"), 0o644)
	b := testkit.CopyCorpus(t, "video-001.png", filepath.Join(dir, "b.png"))
	ids := core.Add(app.AddOptions{}, a, notes, b)
	if ids[0]+1 != ids[1] || ids[1]+1 != ids[2] {
		t.Fatalf("ids %v", ids)
	}
	if err := core.Wait(bg, ids...); err != nil {
		t.Fatal(err)
	}
	jobs := core.Jobs()
	if len(jobs) != 3 || jobs[0].ID != ids[0] || jobs[2].ID != ids[2] {
		t.Fatalf("jobs out of order: %+v", jobs)
	}
	if j := jobs[1]; j.State != app.Failed || !strings.Contains(j.Err.Error(), "notes.jpg is not an image") {
		t.Errorf("text file: %v %v", j.State, j.Err)
	}
	for _, j := range []app.Job{jobs[0], jobs[2]} {
		if j.State != app.Done || j.Record.Status != app.StatusReady || j.Record.ElapsedMS < 0 {
			t.Errorf("%s: %v %+v", j.Name, j.State, j.Record)
		}
		if got := log.states(j.ID); len(got) != 5 {
			t.Errorf("%s went through %v", j.Name, got)
		}
		stored, ok, _ := core.Find(bg, j.Record.Key)
		if !ok || stored.ElapsedMS != j.Record.ElapsedMS || stored.Status != app.StatusReady {
			t.Errorf("history has %+v for %+v", stored, j.Record)
		}
	}
	if n := bs.get("local").Uploads(); n != 2 {
		t.Errorf("%d uploads, want 2", n)
	}
}

// The same file twice in one batch, and the same bytes under two names:
// uploaded once, the others are duplicates with the first one's links.
func TestSameBytesUploadedOnce(t *testing.T) {
	core, bs, _ := newCore(t, func(c *app.Config) { c.Concurrency = 4 })
	dir := t.TempDir()
	a := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "a.jpg"))
	b := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "same bytes.jpg"))
	ids := core.Add(app.AddOptions{}, a, a, b, a)
	core.Wait(bg, ids...)
	var key string
	dups := 0
	for _, id := range ids {
		j, _ := core.Job(id)
		if j.State != app.Done {
			t.Fatalf("%s: %v %v", j.Name, j.State, j.Err)
		}
		if key == "" {
			key = j.Record.Key
		}
		if j.Record.Key != key {
			t.Errorf("%s got key %s, want %s", j.Path, j.Record.Key, key)
		}
		if j.Record.Status == app.StatusDuplicate {
			dups++
		}
	}
	if dups != 3 || bs.get("local").Uploads() != 1 {
		t.Fatalf("%d duplicates, %d uploads; want 3 and 1", dups, bs.get("local").Uploads())
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 1 {
		t.Errorf("history: %d records", n)
	}
}

func TestTransientFailureRetried(t *testing.T) {
	core, bs, _ := newCore(t, nil)
	b := bs.get("local")
	var mu sync.Mutex
	fails := 2
	b.BeforeUpload = func(ctx context.Context, key string) error {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			return errors.New("connection reset by peer")
		}
		return nil
	}
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg"))
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	if j, _ := core.Job(id); j.State != app.Done {
		t.Fatalf("after 2 transient failures and 2 retries: %v %v", j.State, j.Err)
	}
}

func TestCancelThenRetry(t *testing.T) {
	core, bs, _ := newCore(t, nil)
	b := bs.get("local")
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	b.BeforeUpload = func(ctx context.Context, key string) error {
		select {
		case started <- struct{}{}:
		default:
		}
		select {
		case <-block:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg"))
	id := core.Add(app.AddOptions{}, p)[0]
	<-started
	core.Cancel(id)
	core.Wait(bg, id)
	if j, _ := core.Job(id); j.State != app.Canceled {
		t.Fatalf("after cancel: %v", j.State)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 0 {
		t.Errorf("a canceled upload is in the history")
	}
	close(block)
	if !core.Retry(id) {
		t.Fatal("retry refused")
	}
	core.Wait(bg, id)
	if j, _ := core.Job(id); j.State != app.Done || j.ID != id {
		t.Fatalf("retry: %v %v", j.State, j.Err)
	}
	if gone := core.ClearFinished(); len(gone) != 1 || len(core.Jobs()) != 0 {
		t.Errorf("clear finished: %v, %d left", gone, len(core.Jobs()))
	}
}

// TestSettingsSwapKeepsQueue: a settings change swaps the bucket under the
// queue; rows and IDs live on, a running job finishes where it started,
// new jobs go to the new bucket, and IDs keep counting.
func TestSettingsSwapKeepsQueue(t *testing.T) {
	core, bs, d := newCore(t, nil)
	local := bs.get("local")
	release := make(chan struct{})
	local.BeforeUpload = func(ctx context.Context, key string) error { <-release; return nil }
	dir := t.TempDir()
	first := core.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "first.jpg")))[0]
	testkit.Eventually(t, 5*time.Second, func() bool { j, _ := core.Job(first); return j.State == app.Uploading },
		func() string { j, _ := core.Job(first); return "the first upload is " + j.State.String() })
	cfg := core.Config()
	cfg.Target, cfg.Bucket, cfg.Region = app.TargetS3, "photos", "us-east-1"
	if err := core.ApplyConfig(bg, cfg); err != nil {
		t.Fatal(err)
	}
	second := core.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.png", filepath.Join(dir, "second.png")))[0]
	close(release)
	core.Wait(bg)
	if second <= first {
		t.Fatalf("IDs restarted: %d after %d", second, first)
	}
	j1, _ := core.Job(first)
	j2, _ := core.Job(second)
	if j1.State != app.Done || j2.State != app.Done || len(core.Jobs()) != 2 {
		t.Fatalf("jobs: %+v / %+v", j1, j2)
	}
	if local.Uploads() != 1 || bs.get("photos").Uploads() != 1 {
		t.Errorf("uploads: local %d, photos %d; want 1 each", local.Uploads(), bs.get("photos").Uploads())
	}
	if !strings.HasPrefix(j2.Record.URL, "mem://photos/") || !strings.HasPrefix(j1.Record.URL, "mem://local/") {
		t.Errorf("urls %s %s", j1.Record.URL, j2.Record.URL)
	}
	if saved, _ := app.LoadConfig(d); saved.Bucket != "photos" {
		t.Errorf("saved config: %+v", saved)
	}
}

// TestFailedSwapChangesNothing: a configuration whose target does not open
// is neither saved nor put in effect.
func TestFailedSwapChangesNothing(t *testing.T) {
	core, bs, d := newCore(t, nil)
	bs.bad["broken"] = errors.New("the storage server cannot be reached")
	before := core.Config()
	cfg := before
	cfg.Target, cfg.Bucket = app.TargetS3, "broken"
	err := core.ApplyConfig(bg, cfg)
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Fatalf("ApplyConfig: %v", err)
	}
	if core.Config() != before {
		t.Error("the config in effect changed")
	}
	if saved, _ := app.LoadConfig(d); saved != before {
		t.Errorf("config.json changed: %+v", saved)
	}
	id := core.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg")))[0]
	core.Wait(bg, id)
	if j, _ := core.Job(id); j.State != app.Done || !strings.HasPrefix(j.Record.URL, "mem://local/") {
		t.Fatalf("upload after a failed swap: %v %s %v", j.State, j.Record.URL, j.Err)
	}
}

// TestLateThumbnail: no thumbnail within the timeout leaves a "timeout"
// record whose links fall back to the original; one that appears later
// makes the record ready.
func TestLateThumbnail(t *testing.T) {
	core, bs, _ := newCore(t, nil)
	b := bs.get("local")
	b.Thumbs = nil // no resize function
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "late.jpg"))
	id := core.Add(app.AddOptions{Timeout: 300 * time.Millisecond}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	r := j.Record
	if j.State != app.Done || r.Status != app.StatusTimeout || j.Err == nil || !strings.Contains(r.Error, "no resize function") {
		t.Fatalf("%v %+v %v", j.State, r, j.Err)
	}
	for _, f := range []string{app.FormatMarkdown, app.FormatThumb, app.FormatHTML} {
		link, _ := core.Link(bg, f, r)
		if strings.Contains(link, "/thumb/") {
			t.Errorf("%s links the missing thumbnail: %s", f, link)
		}
	}
	out, _ := core.Output(bg, r, false)
	if out.ThumbURL != "" || out.URL == "" || !out.Time.IsZero() {
		t.Errorf("upload --json of a timeout: %+v", out)
	}
	b.Put(r.ThumbKey, []byte("late thumbnail"), "image/jpeg")
	recs, err := core.History(bg, "")
	if err != nil || len(recs) != 1 || recs[0].Status != app.StatusReady || recs[0].Error != "" {
		t.Fatalf("history after the thumbnail came: %+v %v", recs, err)
	}
	if link, _ := core.Link(bg, app.FormatThumb, recs[0]); !strings.Contains(link, "/thumb/") {
		t.Errorf("thumb link of a ready record: %s", link)
	}
}

func TestDeleteRemovesEveryCopy(t *testing.T) {
	core, bs, _ := newCore(t, nil)
	b := bs.get("local")
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "gone.jpg"))
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	b.Put(j.Record.ThumbKey+app.RefusedSuffix, []byte("{}"), "application/json")
	for _, ref := range []string{j.Record.ThumbURL} { // a thumbnail link names the upload
		r, err := core.Delete(bg, ref)
		if err != nil || r.Key != j.Record.Key {
			t.Fatalf("delete %s: %v %+v", ref, err, r)
		}
	}
	if keys := b.Keys(); len(keys) != 0 {
		t.Errorf("left in the bucket: %v", keys)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 0 {
		t.Errorf("left in the history: %d", n)
	}
	if _, err := core.Delete(bg, j.Record.Key); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("second delete: %v", err)
	}
	if _, err := core.Delete(bg, "thumbdrop.db"); !errors.Is(err, app.ErrNotOurs) {
		t.Errorf("a key outside the prefixes: %v", err)
	}
}

func TestPresignedLinksAndOutput(t *testing.T) {
	core, _, _ := newCore(t, func(c *app.Config) { c.LinkMode = app.LinkPresigned })
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "private.jpg"))
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	out, err := core.Output(bg, j.Record, true)
	if err != nil || !strings.Contains(out.URL, "expires=") || !strings.Contains(out.ThumbURL, "expires=") || out.Time.IsZero() {
		t.Fatalf("presigned output: %+v %v", out, err)
	}
	d, _ := core.PrivateLinks(bg, j.Record, time.Hour)
	if !strings.Contains(d.URL, "expires=3600") {
		t.Errorf("private link for an hour: %s", d.URL)
	}
	failed := app.Record{File: "x.jpg", Status: app.StatusFailed, Error: "boom"}
	if out, _ := core.Output(bg, failed, false); out.URL != "" || out.Variants == nil {
		t.Errorf("failed output: %+v", out)
	}
}

// TestWatchSeesOtherWriters: a second core on the same data folder (the
// CLI beside the app) uploads; the first hears of it.
func TestWatchSeesOtherWriters(t *testing.T) {
	core, bs, d := newCore(t, nil)
	heard := make(chan struct{}, 16)
	core.Watch(func(e app.Event) {
		if e.History {
			heard <- struct{}{}
		}
	})
	other, err := app.Open(bg, app.Options{Dirs: d, OpenBucket: bs.open})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	id := other.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "from-cli.jpg")))[0]
	other.Wait(bg, id)
	select {
	case <-heard:
	case <-time.After(5 * time.Second):
		t.Fatal("the first core never heard of the other's upload")
	}
	recs, _ := core.HistoryPage(bg, app.HistoryQuery{}, 0, 10)
	if len(recs) != 1 || recs[0].Name() != "from-cli.jpg" {
		t.Fatalf("history seen by the first core: %+v", recs)
	}
}

func TestCloseCancelsAndRefuses(t *testing.T) {
	core, bs, _ := newCore(t, nil)
	started, once := make(chan struct{}), sync.Once{}
	bs.get("local").BeforeUpload = func(ctx context.Context, key string) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return ctx.Err()
	}
	id := core.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg")))[0]
	select {
	case <-started: // Close now meets an upload under way
	case <-time.After(5 * time.Second):
		t.Fatal("the upload never started")
	}
	done := make(chan struct{})
	go func() { core.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a running upload")
	}
	if j, _ := core.Job(id); !j.State.Terminal() {
		t.Errorf("after Close: %v", j.State)
	}
	late := core.Add(app.AddOptions{}, "/nonexistent.jpg")[0]
	if j, _ := core.Job(late); j.State != app.Failed {
		t.Errorf("Add after Close: %v", j.State)
	}
}
