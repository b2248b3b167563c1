package app_test

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"github.com/thumbdrop/thumbdrop/app"
)

// The importer's fixtures (app/internal/importer/testdata/README.md).
func importFixture(parts ...string) string {
	return filepath.Join(append([]string{"internal", "importer", "testdata"}, parts...)...)
}

func imported(t *testing.T, core *app.Core) map[string]app.Record {
	t.Helper()
	q := app.HistoryQuery{Show: app.ShowImported}
	n, err := core.HistoryCount(bg, q)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := core.HistoryPage(bg, q, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]app.Record{}
	for _, r := range recs {
		m[r.Name()] = r
	}
	return m
}

func importFile(t *testing.T, core *app.Core, a app.ImportApp, path string) app.ImportReport {
	t.Helper()
	rep, err := core.Import(bg, a, path, nil)
	if err != nil {
		t.Fatalf("import %s %s: %v", a, path, err)
	}
	return rep
}

// copyFixture copies a fixture to a folder of the test's.
func copyFixture(t *testing.T, parts ...string) string {
	t.Helper()
	b, err := os.ReadFile(importFixture(parts...))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), parts[len(parts)-1])
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// editGallery rewrites a picgo.db's gallery with edit.
func editGallery(t *testing.T, path string, edit func([]map[string]any) []map[string]any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var items []map[string]any
	b, _ := json.Marshal(doc["gallery"])
	json.Unmarshal(b, &items)
	doc["gallery"] = edit(items)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	json.NewEncoder(zw).Encode(doc)
	zw.Close()
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestImportPicGo: a PicGo gallery becomes records of the history, links
// as they are, source and target naming PicGo; importing it again
// changes nothing; an item edited in PicGo since is updated, a new one
// added, none doubled.
func TestImportPicGo(t *testing.T) {
	core, _, _ := newCore(t, nil)
	path := copyFixture(t, "generated", "picgo.db")
	var progress []app.ImportProgress
	rep, err := core.Import(bg, app.ImportPicGo, path, func(p app.ImportProgress) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pictures != 3 || rep.New != 3 || rep.Updated != 0 || rep.NoLink != 1 || rep.NotImage != 1 || rep.File != path ||
		!strings.Contains(rep.Format, "picgo.db") {
		t.Fatalf("report: %+v", rep)
	}
	if last := progress[len(progress)-1]; last.Total != 3 || last.Written != 3 || last.Read != 5 {
		t.Errorf("progress: %+v", progress)
	}
	recs := imported(t, core)
	cat := recs["cat.png"]
	if len(recs) != 3 || cat.URL != "https://i.loli.net/2024/05/01/cat.png" || cat.Source != "picgo" || cat.Target != "import:picgo" ||
		cat.Width != 1200 || cat.Status != app.StatusUploaded || cat.Time.UnixMilli() != 1714521600000 || cat.ContentType != "image/png" {
		t.Fatalf("records: %+v", recs)
	}
	if a, ok := app.Imported(cat); !ok || a != app.ImportPicGo {
		t.Errorf("Imported: %v %v", a, ok)
	}
	// The gallery shows them among all uploads too; the Bucket filter not.
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{Show: app.ShowLive}); n != 3 {
		t.Errorf("all uploads: %d", n)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{Show: app.ShowBucket}); n != 0 {
		t.Errorf("bucket: %d", n)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{Text: "사진", Show: app.ShowImported}); n != 1 {
		t.Errorf("filter by a Korean name: %d", n)
	}

	// Again: the same records.
	if rep := importFile(t, core, app.ImportPicGo, path); rep.New != 0 || rep.Updated != 0 || rep.Unchanged != 3 {
		t.Errorf("again: %+v", rep)
	}
	if again := imported(t, core); len(again) != 3 || !reflect.DeepEqual(again["cat.png"], cat) {
		t.Errorf("again, records: %+v", again)
	}

	// Edited in PicGo: a URL rewritten, a width corrected; one uploaded.
	editGallery(t, path, func(items []map[string]any) []map[string]any {
		for _, it := range items {
			if it["fileName"] == "cat.png" {
				it["imgUrl"] = "https://cdn.example.net/cat.png"
				it["width"] = 1199
			}
		}
		return append(items, map[string]any{"fileName": "new.png", "imgUrl": "https://cdn.example.net/new.png",
			"id": "f00d0000-0000-4000-8000-000000000009", "createdAt": 1730000000000})
	})
	if rep := importFile(t, core, app.ImportPicGo, path); rep.New != 1 || rep.Updated != 1 || rep.Unchanged != 2 {
		t.Errorf("after an edit: %+v", rep)
	}
	recs = imported(t, core)
	if len(recs) != 4 || recs["cat.png"].URL != "https://cdn.example.net/cat.png" || recs["cat.png"].Width != 1199 || recs["new.png"].Key == "" {
		t.Errorf("after an edit, records: %+v", recs)
	}
}

// TestImportKeepsNoSecret: PicList's piclist.db holds the host's keys in
// every item, PicGo's data.json in picBed; after importing both, no byte
// of any secret is anywhere in the data folder (the history database,
// its write-ahead log, caches), nor in what the history prints.
func TestImportKeepsNoSecret(t *testing.T) {
	core, _, dirs := newCore(t, nil)
	secrets := []string{"TDSECRET", "AKIATHUMBDROPTEST001"}
	for _, f := range []string{"piclist.db", "data.json"} {
		raw, _ := os.ReadFile(importFixture("generated", f))
		if f == "piclist.db" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			b.ReadFrom(zr)
			raw = b.Bytes()
		}
		if !bytes.Contains(raw, []byte("TDSECRET")) {
			t.Fatalf("%s holds no secret to look for", f)
		}
	}
	a := importFile(t, core, app.ImportPicList, copyFixture(t, "generated", "piclist.db"))
	b := importFile(t, core, app.ImportPicGo, copyFixture(t, "generated", "data.json"))
	if a.New != 2 || b.New != 2 {
		t.Fatalf("reports: %+v %+v", a, b)
	}
	recs, err := core.History(bg, "")
	if err != nil {
		t.Fatal(err)
	}
	var printed bytes.Buffer
	for _, r := range recs {
		out, err := core.Output(bg, r, true)
		if err != nil {
			t.Fatal(err)
		}
		json.NewEncoder(&printed).Encode(out)
	}
	if !strings.Contains(printed.String(), "screenshot.png") {
		t.Fatalf("history: %s", printed.String())
	}
	n := 0
	err = filepath.WalkDir(dirs.Data, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walk: %d files, %v", n, err)
	}
	for _, s := range secrets {
		if strings.Contains(printed.String(), s) {
			t.Errorf("the history prints %q", s)
		}
	}
}

// TestImportBadInput: each bad file is one sentence naming it and what
// was expected, and nothing is imported.
func TestImportBadInput(t *testing.T) {
	core, _, _ := newCore(t, nil)
	dir := t.TempDir()
	db, _ := os.ReadFile(importFixture("generated", "picgo.db"))
	cut := filepath.Join(dir, "picgo.db")
	os.WriteFile(cut, db[:len(db)/2], 0o600)
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("notes\n"), 0o600)
	upic := filepath.Join(dir, "uPic.db")
	udb, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(upic))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := udb.Exec(`CREATE TABLE historyTable(identifier INTEGER PRIMARY KEY, url TEXT, previewWidth REAL, previewHeight REAL, thumbnailData BLOB, createdDate REAL, size INTEGER, host TEXT, isImage INTEGER)`); err != nil {
		t.Fatal(err)
	}
	udb.Close()
	cases := []struct {
		app  app.ImportApp
		path string
		kind app.Kind
		want string
	}{
		{app.ImportPicGo, cut, app.KindImportFile, cut + " is not a PicGo gallery (the file is cut short, perhaps copied while it was being written): " +
			`expected picgo.db (gzip-compressed JSON) or the older data.json, in PicGo's folder (%APPDATA%\picgo, ~/Library/Application Support/picgo, ~/.config/picgo)`},
		{app.ImportShareX, notes, app.KindImportFile, notes + " is not a ShareX gallery (it is neither an SQLite database nor JSON): " +
			`expected History.db (SQLite) or the older History.json, in ShareX's personal folder (Documents\ShareX)`},
		{app.ImportShareX, upic, app.KindImportOtherApp, upic + " is a uPic file, not a ShareX gallery: import it as uPic"},
		{app.ImportUPic, importFixture("generated", "picgo.db"), app.KindImportOtherApp, importFixture("generated", "picgo.db") + " is a PicGo file, not a uPic gallery: import it as PicGo"},
		{app.ImportPicGo, importFixture("generated", "data-migrated.json"), app.KindImportMoved, importFixture("generated", "data-migrated.json") +
			" holds no gallery: PicGo moved it to picgo.db in the same folder; import that file"},
		{app.ImportPicGo, filepath.Join(dir, "gone.db"), app.KindCannotOpen, filepath.Join(dir, "gone.db") + ": cannot open it (no such file or folder)"},
		{"imgur", notes, app.KindImportApp, "unknown app imgur; import takes picgo, piclist, sharex or upic"},
	}
	for _, c := range cases {
		_, err := core.Import(bg, c.app, c.path, nil)
		var e *app.Error
		if !errors.As(err, &e) || e.Kind != c.kind {
			t.Errorf("%s %s: %v (%T)", c.app, c.path, err, err)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%s %s:\n got %q\nwant %q", c.app, c.path, err, c.want)
		}
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{Show: app.ShowEverything}); n != 0 {
		t.Errorf("%d records after bad imports", n)
	}
}

// TestImportedRecords: an imported record's links are its own whatever
// the link mode (and cannot be made private); deleting it only forgets
// it, the bucket untouched; a preview is fetched only from an http(s)
// link.
func TestImportedRecords(t *testing.T) {
	core, bs, _ := newCore(t, func(c *app.Config) { c.LinkMode = app.LinkPresigned })
	importFile(t, core, app.ImportPicGo, copyFixture(t, "generated", "picgo.db"))
	r := imported(t, core)["dog.webp"]
	d, err := core.Links(bg, r)
	if err != nil || d.URL != "https://cdn.example.com/dog.webp" || d.ThumbURL != "" {
		t.Errorf("links: %+v %v", d, err)
	}
	if link, err := core.Link(bg, app.FormatMarkdown, r); err != nil || link != "[![dog.webp](https://cdn.example.com/dog.webp)](https://cdn.example.com/dog.webp)" {
		t.Errorf("markdown: %q %v", link, err)
	}
	if out, err := core.Output(bg, r, true); err != nil || out.URL != "https://cdn.example.com/dog.webp" || out.Source != "picgo" {
		t.Errorf("output: %+v %v", out, err)
	}
	if _, err := core.PrivateLinks(bg, r, 0); !errors.Is(err, &app.Error{Kind: app.KindImportedLink}) {
		t.Errorf("a private link of an imported picture: %v", err)
	}
	bucket := bs.get("local")
	before := len(bucket.Keys())
	if err := core.DeleteRecord(bg, r); err != nil {
		t.Fatal(err)
	}
	if _, ok := imported(t, core)["dog.webp"]; ok || len(imported(t, core)) != 2 {
		t.Errorf("not forgotten: %+v", imported(t, core))
	}
	if len(bucket.Keys()) != before {
		t.Errorf("the bucket changed: %v", bucket.Keys())
	}
	for _, link := range []string{"file:///etc/passwd", "ftp://host/a.png", "javascript:alert(1)", "//host/a.png"} {
		bad := r
		bad.URL = link
		if _, err := core.Preview(bg, bad, false); !errors.Is(err, &app.Error{Kind: app.KindPreviewLink}) {
			t.Errorf("preview of %s: %v", link, err)
		}
	}
}
