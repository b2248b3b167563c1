package history

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

var ctx = context.Background()

func open(t testing.TB, dir string) *DB {
	t.Helper()
	d, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func rec(i int, name string) Record {
	ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	key := fmt.Sprintf("original/%d_%s", ts.UnixMilli(), name)
	return Record{Key: key, File: "/home/me/Pictures/" + name, URL: "http://127.0.0.1:8586/thumbdrop/" + key,
		ThumbKey: "thumb/" + key[9:], Status: "ready", Time: ts, Target: "local", Bytes: int64(1000 + i),
		SHA256: fmt.Sprintf("%064x", i), Width: 4000, Height: 3000}
}

func TestPutFindPageFilter(t *testing.T) {
	d := open(t, t.TempDir())
	for i, name := range []string{"제주 바다.jpg", "Storm 100%.png", "under_score.jpg", "plain.gif"} {
		if err := d.Put(ctx, rec(i, name)); err != nil {
			t.Fatal(err)
		}
	}
	r := rec(1, "Storm 100%.png")
	r.Variants = []Variant{{Key: "thumb/640w/x.png", URL: "u", Width: 640, Height: 480, ContentType: "image/png"}}
	r.Status, r.LocationRemoved = "timeout", true
	if err := d.Put(ctx, r); err != nil { // same target and key: replaced
		t.Fatal(err)
	}
	if n, _ := d.Count(ctx, Query{}); n != 4 {
		t.Fatalf("count %d", n)
	}
	got, ok, err := d.Find(ctx, "local", r.Key)
	if !ok || err != nil || got.Status != "timeout" || !got.LocationRemoved || len(got.Variants) != 1 || got.Variants[0].Width != 640 {
		t.Fatalf("find: %+v %v %v", got, ok, err)
	}
	if !got.Time.Equal(r.Time) || got.Bytes != r.Bytes || got.Width != 4000 {
		t.Errorf("round trip: %+v", got)
	}
	for filter, want := range map[string]int{"": 4, "제주": 1, "STORM": 1, "100%": 1, "_": 1, "%": 1, "pictures": 4, "nothing": 0} {
		if n, _ := d.Count(ctx, Query{Text: filter}); n != want {
			t.Errorf("filter %q: %d, want %d", filter, n, want)
		}
	}
	page, _ := d.Page(ctx, Query{}, 1, 2)
	if len(page) != 2 || page[0].Name() != "under_score.jpg" || page[1].Name() != "Storm 100%.png" {
		t.Errorf("page: %v", page)
	}
	if _, ok, _ := d.BySHA256(ctx, "local", fmt.Sprintf("%064x", 2)); !ok {
		t.Error("BySHA256 missed")
	}
	if _, ok, _ := d.BySHA256(ctx, "s3:/other", fmt.Sprintf("%064x", 2)); ok {
		t.Error("a duplicate was found in another bucket")
	}
	un, _ := d.Unfinished(ctx, "local", 10)
	if len(un) != 1 || un[0].Key != r.Key {
		t.Errorf("unfinished: %v", un)
	}
	d.Remove(ctx, "local", r.Key)
	if n, _ := d.Count(ctx, Query{}); n != 3 {
		t.Errorf("after remove: %d", n)
	}
}

// TestVersionSeesOtherWriters: a commit by another connection (another
// process, in real use) changes Version.
func TestVersionSeesOtherWriters(t *testing.T) {
	dir := t.TempDir()
	a, b := open(t, dir), open(t, dir)
	v0, err := a.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.Put(ctx, rec(1, "x.jpg"))
	if v1, _ := a.Version(ctx); v1 == v0 {
		t.Fatal("data_version did not change after another connection's commit")
	}
}

func TestImportJSONLOnce(t *testing.T) {
	dir := t.TempDir()
	lines := `{"file":"/a.jpg","key":"original/1_a.jpg","url":"u","status":"ready","time":"2025-01-01T00:00:00Z","target":"local","sha256":"aa"}
{not json
{"file":"/b.jpg","key":"original/2_b.jpg","status":"timeout","time":"2025-01-02T00:00:00Z","target":"s3:/photos","width":10,"height":20}
`
	os.WriteFile(filepath.Join(dir, "history.jsonl"), []byte(lines), 0o600)
	d := open(t, dir)
	if n, _ := d.Count(ctx, Query{}); n != 2 {
		t.Fatalf("imported %d records, want 2 (the damaged line skipped)", n)
	}
	if r, ok, _ := d.Find(ctx, "s3:/photos", "original/2_b.jpg"); !ok || r.Width != 10 || r.Status != "timeout" {
		t.Errorf("imported record: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "history.jsonl.imported")); err != nil {
		t.Errorf("the old file was not set aside: %v", err)
	}
	d.Remove(ctx, "local", "original/1_a.jpg")
	// Put the file back (a second version of thumbdrop running the old
	// code, say): it is not imported twice.
	os.WriteFile(filepath.Join(dir, "history.jsonl"), []byte(lines), 0o600)
	d2 := open(t, dir)
	if n, _ := d2.Count(ctx, Query{}); n != 1 {
		t.Fatalf("after a second open: %d records, want 1", n)
	}
}

// TestConcurrentProcessesLoseNothing: several processes write at once,
// as the app, the CLI and the agent do.
func TestConcurrentProcessesLoseNothing(t *testing.T) {
	if dir := os.Getenv("HISTORY_CHILD_DIR"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("HISTORY_CHILD_N"))
		d, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 25; i++ {
			if err := d.Put(ctx, rec(n*1000+i, fmt.Sprintf("p%d-%d.jpg", n, i))); err != nil {
				t.Fatal(err)
			}
		}
		d.Close()
		return
	}
	testkit.Heavy(t, "starts a process (the test binary again)")
	dir := t.TempDir()
	open(t, dir) // create the schema first, as a real first run does
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for n := 0; n < 4; n++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run", "^TestConcurrentProcessesLoseNothing$")
			cmd.Env = append(os.Environ(), "HISTORY_CHILD_DIR="+dir, "HISTORY_CHILD_N="+strconv.Itoa(n))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("child %d: %v\n%s", n, err, out)
			}
		}(n)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	d := open(t, dir)
	if n, _ := d.Count(ctx, Query{}); n != 100 {
		t.Fatalf("4 processes x 25 records: %d kept", n)
	}
}

// TestKilledWriterLeavesReadableHistory: a process killed with SIGKILL in
// the middle of writing leaves every committed record and a database that
// opens.
func TestKilledWriterLeavesReadableHistory(t *testing.T) {
	if dir := os.Getenv("HISTORY_KILL_DIR"); dir != "" {
		d, err := Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			d.Put(ctx, rec(i, "k.jpg"))
			if i == 20 {
				os.WriteFile(filepath.Join(dir, "twenty"), nil, 0o600)
			}
		}
	}
	testkit.Heavy(t, "starts a process (the test binary again)")
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledWriterLeavesReadableHistory$")
	cmd.Env = append(os.Environ(), "HISTORY_KILL_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(filepath.Join(dir, "twenty")); err == nil {
			break
		}
		if i > 1000 {
			cmd.Process.Kill()
			t.Fatal("the writer never got going")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	cmd.Process.Kill()
	cmd.Wait()
	d := open(t, dir)
	n, err := d.Count(ctx, Query{})
	if err != nil || n < 21 {
		t.Fatalf("after kill -9: %d records, %v", n, err)
	}
	if err := d.Put(ctx, rec(100000, "after.jpg")); err != nil {
		t.Fatalf("writing after the kill: %v", err)
	}
	var check string
	d.db.QueryRow("PRAGMA integrity_check").Scan(&check)
	if check != "ok" {
		t.Fatalf("integrity_check: %s", check)
	}
	if !strings.HasSuffix(d.Path(), FileName) {
		t.Error(d.Path())
	}
}

// TestOpensOlderDatabase: a history written before the thumbnail's size
// was kept opens, keeps its rows, and takes records with it.
func TestOpensOlderDatabase(t *testing.T) {
	dir := t.TempDir()
	old, err := sql.Open("sqlite3", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	before := schema
	for _, c := range []string{"thumb_width      INTEGER", "thumb_height     INTEGER", "prepared         TEXT", "web_key          TEXT", "web_url          TEXT"} {
		before = regexp.MustCompile(`\t`+c+`[^\n]*\n`).ReplaceAllString(before, "")
	}
	if before == schema {
		t.Fatal("the test no longer removes the new columns from the schema")
	}
	if _, err := old.Exec(before); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`INSERT INTO uploads (target, key, time_ms, status) VALUES ('local', 'original/1_old.jpg', 1, 'ready')`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	d := open(t, dir)
	r, ok, err := d.Find(ctx, "local", "original/1_old.jpg")
	if err != nil || !ok || r.Status != "ready" {
		t.Fatalf("old row: %+v %v %v", r, ok, err)
	}
	n := rec(5, "new.jpg")
	n.ThumbWidth, n.ThumbHeight = 200, 150
	n.WebKey, n.WebURL = "thumb/web/5_new.heic.jpg", "http://x/thumb/web/5_new.heic.jpg"
	n.Prepared = &Prepared{Summary: "4032×3024 → 2048×1536", SourceWidth: 4032, SourceHeight: 3024, SourceBytes: 5 << 20, SourceContentType: "image/jpeg", ICC: "kept"}
	if err := d.Put(ctx, n); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := d.Find(ctx, "local", n.Key); r.ThumbWidth != 200 || r.ThumbHeight != 150 || r.WebKey != n.WebKey || r.WebURL != n.WebURL ||
		r.Prepared == nil || *r.Prepared != *n.Prepared {
		t.Fatalf("new row: %+v", r)
	}
	open(t, dir) // a second open finds the columns there
}
