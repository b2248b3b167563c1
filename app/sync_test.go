package app_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/resize"
)

// secondMachine opens another core on the same configuration as core's,
// with a data folder of its own: another machine on the same bucket.
func secondMachine(t *testing.T, core *app.Core) *app.Core {
	t.Helper()
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	if err := app.SaveConfig(d, core.Config()); err != nil {
		t.Fatal(err)
	}
	other, err := app.Open(bg, app.Options{Dirs: d, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	return other
}

func upload(t *testing.T, core *app.Core, path string) app.Record {
	t.Helper()
	id := core.Add(app.AddOptions{}, path)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done {
		t.Fatalf("%s: %v %v", j.Name, j.State, j.Err)
	}
	return j.Record
}

func find(t *testing.T, core *app.Core, key string) app.Record {
	t.Helper()
	r, ok, err := core.Find(bg, key)
	if err != nil || !ok {
		t.Fatalf("%s is not in the history (%v)", key, err)
	}
	return r
}

// TestTwoMachinesOneBucket: two data folders ("machines") on one bucket.
// What one uploads, the other's sync shows with its links, thumbnail and
// facts; the same photo from the second is a duplicate of the first's; an
// object rclone put there appears as the bucket's, and the same bytes
// uploaded are its duplicate (hashed only because the size matched); what
// one deletes, the other's full pass marks deleted.
func TestTwoMachinesOneBucket(t *testing.T) {
	testkit.Need(t, "rclone")
	v, a := versityCore(t, true, 20*time.Second, func(_ *resize.Config, c *app.Config) { c.StripLocation = false })
	b := secondMachine(t, a)
	dir := t.TempDir()
	photo := testkit.Copy(t, testkit.Photo(t, "Storm.jpg"), filepath.Join(dir, "폭풍 (1).jpg"))
	ra := upload(t, a, photo)
	if ra.Status != app.StatusReady {
		t.Fatalf("a: %s", ra.Status)
	}

	// A third machine that never synced: its upload of the same photo
	// looks at the bucket's recent uploads first, and is a duplicate.
	third := secondMachine(t, a)
	if d := upload(t, third, testkit.Copy(t, photo, filepath.Join(dir, "on the third.jpg"))); d.Status != app.StatusDuplicate || d.Key != ra.Key {
		t.Errorf("the third machine, never synced: %s %s (a's key %s)", d.Status, d.Key, ra.Key)
	}

	rep, err := b.Sync(bg, app.SyncOptions{})
	if err != nil || rep.New != 1 || !rep.Full {
		t.Fatalf("b's first sync: %+v %v", rep, err)
	}
	rb := find(t, b, ra.Key)
	if rb.Source != app.SourceSynced || rb.Status != app.StatusReady || rb.SHA256 != ra.SHA256 || rb.ThumbURL != ra.ThumbURL ||
		rb.Width != ra.Width || rb.Height != ra.Height || rb.File != "폭풍 (1).jpg" || !app.NeedsThumbFacts(rb) {
		t.Errorf("b sees %+v\na had %+v", rb, ra)
	}
	// The thumbnail's own facts are read when a link (or the detail pane)
	// needs them, and kept.
	if link, _ := b.Link(bg, app.FormatSrcset, rb); !strings.Contains(link, " 200w") {
		t.Errorf("b's srcset: %s", link)
	}
	if rb = find(t, b, ra.Key); rb.ThumbWidth != ra.ThumbWidth || rb.ThumbHeight != ra.ThumbHeight || app.NeedsThumbFacts(rb) {
		t.Errorf("after the srcset, b keeps %dx%d", rb.ThumbWidth, rb.ThumbHeight)
	}
	// The same photo from b: a duplicate of a's upload.
	dup := upload(t, b, testkit.Copy(t, photo, filepath.Join(dir, "again.jpg")))
	if dup.Status != app.StatusDuplicate || dup.Key != ra.Key {
		t.Errorf("the same photo on b: %s %s", dup.Status, dup.Key)
	}

	// An object another tool put in the bucket, named as a NodeBird
	// server names them: an incremental pass finds it.
	ms := time.Now().UnixMilli()
	name := fmt.Sprintf("%d_from rclone.jpg", ms)
	other := filepath.Join(t.TempDir(), name)
	testkit.Copy(t, testkit.Photo(t, "Elephants_12MP.jpg"), other)
	v.Rclone(t, "copyto", other, "vg:photos/original/"+name)
	testkit.Eventually(t, 20*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(v.Root, "photos", "thumb", name))
		return err == nil
	}, func() string { return "no thumbnail of rclone's object" })
	if rep, err := b.Sync(bg, app.SyncOptions{}); err != nil || rep.New != 1 || rep.Full {
		t.Fatalf("b's sync after rclone: %+v %v", rep, err)
	}
	rr := find(t, b, "original/"+name)
	if rr.Source != app.SourceBucket || rr.SHA256 != "" || rr.Status != app.StatusReady || rr.Time.UnixMilli() != ms {
		t.Errorf("rclone's object: %+v", rr)
	}
	// One named with an older time (copied from an old server): the
	// incremental pass does not list so far back, a full one does.
	v.Rclone(t, "copyto", testkit.Corpus("video-001.png"), "vg:photos/original/1500000000000_old.png")
	if rep, _ := b.Sync(bg, app.SyncOptions{}); rep.New != 0 {
		t.Errorf("an incremental pass found %d", rep.New)
	}
	if rep, _ := b.Sync(bg, app.SyncOptions{Full: true}); rep.New != 1 {
		t.Errorf("a full pass found %d, want the old one", rep.New)
	}
	if n, _ := b.HistoryCount(bg, app.HistoryQuery{Show: app.ShowBucket}); n != 2 {
		t.Errorf("the Bucket filter shows %d", n)
	}
	same := upload(t, b, testkit.Copy(t, other, filepath.Join(dir, "elephants.jpg")))
	if same.Status != app.StatusDuplicate || same.Key != rr.Key {
		t.Errorf("rclone's bytes uploaded: %s %s", same.Status, same.Key)
	}

	// a deletes; b's incremental pass cannot know, its full pass does.
	if _, err := a.Delete(bg, ra.Key); err != nil {
		t.Fatal(err)
	}
	if rep, _ := b.Sync(bg, app.SyncOptions{}); rep.Full || rep.Deleted != 0 {
		t.Errorf("an incremental pass: %+v", rep)
	}
	rep, err = b.Sync(bg, app.SyncOptions{Full: true})
	if err != nil || rep.Deleted != 1 {
		t.Fatalf("b's full pass: %+v %v", rep, err)
	}
	if r := find(t, b, ra.Key); r.Status != app.StatusDeleted {
		t.Errorf("after a's delete, b has %s", r.Status)
	}
	if n, _ := b.HistoryCount(bg, app.HistoryQuery{}); n != 2 {
		t.Errorf("the gallery of b shows %d (the deleted one is hidden)", n)
	}
	// a uploads it again: a new key, which b sees, and b's next upload of
	// it is a duplicate again, not of the deleted record.
	again := upload(t, a, photo)
	b.Sync(bg, app.SyncOptions{})
	if d := upload(t, b, testkit.Copy(t, photo, filepath.Join(dir, "third.jpg"))); d.Key != again.Key || d.Status != app.StatusDuplicate {
		t.Errorf("after the new upload, b's copy is %s of %s", d.Status, d.Key)
	}
}

// TestSyncKilledLosesNothing: a sync killed (kill -9) half way leaves a
// history that opens, with every page it wrote whole, and the next sync
// finds the rest.
func TestSyncKilledLosesNothing(t *testing.T) {
	if os.Getenv("THUMBDROP_SYNC_CHILD") != "" {
		syncChild(t)
		return
	}
	testkit.Need(t, "rclone")
	v, a := versityCore(t, false, time.Second)
	const n = 3000
	src := t.TempDir()
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	base := time.Now().Add(-time.Hour).UnixMilli()
	for i := 0; i < n; i++ {
		os.WriteFile(filepath.Join(src, fmt.Sprintf("%d_p%04d.jpg", base+int64(i), i)), jpg, 0o644)
	}
	v.Rclone(t, "copy", "--transfers", "16", src, "vg:photos/original")
	b := secondMachine(t, a)
	b.Close() // the child uses its folders
	cmd := exec.Command(os.Args[0], "-test.run=^TestSyncKilledLosesNothing$", "-test.v")
	cmd.Env = append(os.Environ(), "THUMBDROP_SYNC_CHILD=1", "THUMBDROP_CONFIG_DIR="+b.Dirs().Config, "THUMBDROP_DATA_DIR="+b.Dirs().Data)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killedAt := 0
	for sc.Scan() {
		if got, ok := strings.CutPrefix(sc.Text(), "looked "); ok {
			// A page is written once its 1000 objects were looked at,
			// before the next page's are: kill during the second.
			if k, _ := strconv.Atoi(got); k >= 1200 {
				cmd.Process.Signal(syscall.SIGKILL)
				killedAt = k
				break
			}
		}
	}
	cmd.Wait()
	if killedAt == 0 {
		t.Fatal("the child ended before it was killed")
	}
	c := secondMachineAt(t, b.Dirs())
	had, err := c.HistoryCount(bg, app.HistoryQuery{})
	if err != nil || had < 1000 || had >= n {
		t.Fatalf("after the kill at %d: %d records (%v)", killedAt, had, err)
	}
	rep, err := c.Sync(bg, app.SyncOptions{})
	if err != nil || !rep.Full {
		t.Fatalf("the next sync: %+v %v", rep, err)
	}
	if got, _ := c.HistoryCount(bg, app.HistoryQuery{}); got != n || rep.New != n-had {
		t.Errorf("after the next sync: %d records (new %d, had %d), want %d", got, rep.New, had, n)
	}
	if rep2, _ := c.Sync(bg, app.SyncOptions{}); rep2.New != 0 || rep2.Full {
		t.Errorf("an incremental sync after it: %+v", rep2)
	}
}

func secondMachineAt(t *testing.T, d app.Dirs) *app.Core {
	t.Helper()
	c, err := app.Open(bg, app.Options{Dirs: d, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// syncChild is the process the test kills: it syncs, printing progress.
func syncChild(t *testing.T) {
	d, _ := app.ResolveDirs(os.Getenv)
	c, err := app.Open(context.Background(), app.Options{Dirs: d})
	if err != nil {
		t.Fatal(err)
	}
	c.Sync(context.Background(), app.SyncOptions{Progress: func(p app.SyncProgress) { fmt.Printf("looked %d\n", p.Looked) }})
	// Ending here, not killed: the parent says so.
}
