package app_test

import (
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

// putLocal writes an original straight into local mode's bucket, as
// another tool (or an earlier thumbdrop without the function) left it.
func putLocal(t *testing.T, d app.Dirs, key string, data []byte) {
	t.Helper()
	p := filepath.Join(d.Data, "objects", local.DefaultBucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func widthOf(t *testing.T, d app.Dirs, key string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(d.Data, "objects", local.DefaultBucket, filepath.FromSlash(key)))
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return cfg.Width
}

// TestBackfillHereLocal: in local mode, originals put in the bucket by
// another tool are counted by a dry run (nothing written), made by
// --here with progress, and a second run does nothing; a corrupt one
// fails once and is not tried again; after the thumbnail size and the
// extra widths change, every thumbnail is found stale with why, made
// again (its key said to be rewritten) with the new copies.
func TestBackfillHereLocal(t *testing.T) {
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	core := localCore(t, d)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	names := []string{"1732500000000_제주 사진 (1)+100%.jpg", "1732500000001_a b.jpg", "1732500000002_c.jpg", "2024/05/1732500000003_d.jpg"}
	for _, n := range names {
		putLocal(t, d, "original/"+n, jpg)
	}
	putLocal(t, d, "original/1732500000004_broken.jpg", jpg[:300])

	rep, err := core.Backfill(bg, app.BackfillOptions{DryRun: true, Here: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Plan; p.Originals != 5 || len(p.Missing) != 5 || len(p.Stale) != 0 || p.UpToDate != 0 || rep.Made != 0 {
		t.Fatalf("dry run: %+v", rep)
	}
	if _, err := os.Stat(filepath.Join(d.Data, "objects", local.DefaultBucket, "thumb")); err == nil {
		t.Fatal("a dry run wrote thumbnails")
	}

	var mu sync.Mutex
	var seen []app.BackfillProgress
	rep, err = core.Backfill(bg, app.BackfillOptions{Here: true, Workers: 2, Progress: func(p app.BackfillProgress) {
		mu.Lock()
		seen = append(seen, p)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Made != 4 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Reason, "corrupt") || rep.Failed[0].Temporary || len(rep.Rewritten) != 0 {
		t.Fatalf("first run: made %d, failed %+v, rewrote %d", rep.Made, rep.Failed, len(rep.Rewritten))
	}
	last := seen[len(seen)-1]
	if last.Phase != app.PhaseResizing || last.Done != 5 || last.Total != 5 || last.Failed != 1 {
		t.Errorf("last progress %+v", last)
	}
	for _, n := range names {
		if w := widthOf(t, d, "thumb/"+n); w != 150 {
			t.Errorf("thumb/%s: %d px", n, w)
		}
	}

	rep, err = core.Backfill(bg, app.BackfillOptions{Here: true})
	if err != nil || len(rep.Plan.Todo()) != 0 || rep.Made != 0 || rep.Plan.UpToDate != 4 || rep.Plan.Refused != 1 || len(rep.Failed) != 0 {
		t.Fatalf("second run: %+v %v", rep, err)
	}

	// New settings: a smaller thumbnail, and copies 128 px wide (wider
	// than the thumbnail, narrower than the photo).
	for k, v := range map[string]string{"thumb_max_size": "100", "extra_widths": "128"} {
		if err := core.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	rep, err = core.Backfill(bg, app.BackfillOptions{DryRun: true, Here: true})
	if err != nil || len(rep.Plan.Stale) != 4 || len(rep.Plan.Missing) != 0 {
		t.Fatalf("dry run after the change: %+v %v", rep.Plan, err)
	}
	if why := rep.Plan.Stale[0].Why; why != "thumbnail size 200 → 100 px; copies 128 px missing" {
		t.Errorf("why: %q", why)
	}
	rep, err = core.Backfill(bg, app.BackfillOptions{Here: true})
	if err != nil || rep.Made != 4 || len(rep.Rewritten) != 4 {
		t.Fatalf("after the change: made %d, rewrote %d, %v", rep.Made, len(rep.Rewritten), err)
	}
	var rewritten []string
	for _, r := range rep.Rewritten {
		rewritten = append(rewritten, r.Thumb)
	}
	if !slices.Contains(rewritten, "thumb/"+names[0]) {
		t.Errorf("rewritten %v", rewritten)
	}
	for _, n := range names {
		if w := widthOf(t, d, "thumb/"+n); w != 100 {
			t.Errorf("thumb/%s after the change: %d px", n, w)
		}
		if w := widthOf(t, d, "thumb/128w/"+n); w != 128 {
			t.Errorf("thumb/128w/%s: %d px", n, w)
		}
	}
	if rep, _ := core.Backfill(bg, app.BackfillOptions{Here: true}); len(rep.Plan.Todo()) != 0 {
		t.Errorf("a run after that still finds %d to do", len(rep.Plan.Todo()))
	}
}

// TestBackfillRefusesWhatCannotWork: local mode has no Batch Operations.
func TestBackfillRefusesWhatCannotWork(t *testing.T) {
	core := localCore(t, app.Dirs{})
	if _, err := core.Backfill(bg, app.BackfillOptions{Role: "arn:aws:iam::123456789012:role/r", Function: "arn:aws:lambda:us-east-1:123456789012:function:f"}); err == nil || !strings.Contains(err.Error(), "--here") {
		t.Errorf("local mode on AWS: %v", err)
	}
}

// TestBackfillPrefixIsTheTemplates: the SAM template's BatchRole reads
// manifests and writes reports under the prefix backfill uses, and the
// bucket's lifecycle rule expires them there.
func TestBackfillPrefixIsTheTemplates(t *testing.T) {
	tmpl := string(testkit.Read(t, filepath.Join("..", "deploy", "template.yaml")))
	for _, want := range []string{app.BackfillPrefix + "manifests/*", app.BackfillPrefix + "reports/*", "Prefix: " + app.BackfillPrefix} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("deploy/template.yaml has no %q", want)
		}
	}
}
