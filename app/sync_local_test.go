package app_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// TestSyncLocalFolder: local mode syncs over its data folder as over a
// bucket: a file a folder-syncing tool put among the objects appears, and
// one it removed is marked deleted by a full pass.
func TestSyncLocalFolder(t *testing.T) {
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	core := localCore(t, d)
	mine := upload(t, core, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "mine.jpg")))
	if rep, err := core.Sync(bg, app.SyncOptions{}); err != nil || rep.New != 0 || rep.Listed != 1 {
		t.Fatalf("first sync: %+v %v", rep, err)
	}
	// Another machine's upload, arrived through a synced folder.
	key := fmt.Sprintf("original/%d_from the laptop.png", time.Now().UnixMilli())
	p := filepath.Join(d.Data, "objects", "thumbdrop", filepath.FromSlash(key))
	testkit.CopyCorpus(t, "video-001.png", p)
	rep, err := core.Sync(bg, app.SyncOptions{})
	if err != nil || rep.New != 1 || rep.Full {
		t.Fatalf("sync after a file arrived: %+v %v", rep, err)
	}
	r := find(t, core, key)
	if r.Source != app.SourceBucket || r.URL == "" || r.ContentType != "image/png" || r.Bytes == 0 {
		t.Errorf("the arrived file: %+v", r)
	}
	// Removed by the folder's sync: a full pass marks it deleted, and the
	// gallery no longer shows it.
	os.Remove(p)
	if rep, err := core.Sync(bg, app.SyncOptions{Full: true}); err != nil || rep.Deleted != 1 {
		t.Fatalf("full pass: %+v %v", rep, err)
	}
	if got := find(t, core, key); got.Status != app.StatusDeleted {
		t.Errorf("status %s", got.Status)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 1 {
		t.Errorf("the gallery shows %d", n)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{Show: app.ShowDeleted}); n != 1 {
		t.Errorf("Deleted elsewhere shows %d", n)
	}
	if got := find(t, core, mine.Key); got.Status != app.StatusReady {
		t.Errorf("this machine's upload became %s", got.Status)
	}
	// Another original prefix: the full pass lists that one, and takes no
	// upload under the old prefix (its objects are there) for a deletion.
	if err := core.Set("original_prefix", "photos/"); err != nil {
		t.Fatal(err)
	}
	if rep, err := core.Sync(bg, app.SyncOptions{Full: true}); err != nil || rep.Deleted != 0 {
		t.Fatalf("full pass under photos/: %+v %v", rep, err)
	}
	if got := find(t, core, mine.Key); got.Status != app.StatusReady {
		t.Errorf("after the prefix changed, the upload under original/ became %s", got.Status)
	}
}
