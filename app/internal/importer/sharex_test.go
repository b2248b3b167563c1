package importer

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shareXItem is ShareX.HistoryLib/HistoryItem.cs: the fields in the
// order it declares them (Newtonsoft writes them so), Id aside
// ([JsonIgnore]).
type shareXItem struct {
	FileName, FilePath string
	DateTime           time.Time
	Type, Host         string
	URL, ThumbnailURL  string
	DeletionURL        string
	ShortenedURL       string
	Tags               map[string]string
}

// dotnetO is DateTime.ToString("o") of a local DateTime: seven
// fractional digits and the offset.
func dotnetO(t time.Time) string { return t.Format("2006-01-02T15:04:05.0000000-07:00") }

// shareXDB writes History.db as ShareX.HistoryLib/HistoryManagerSQLite.cs
// does (ShareX at e9711f202): its CREATE TABLE, then Append's INSERT with
// each null as DBNull, DateTime as ToString("o") and Tags as JSON.
func shareXDB(t *testing.T, items []shareXItem) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "History.db")
	db, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// HistoryManagerSQLite.EnsureDatabase.
	if _, err := db.Exec(`
CREATE TABLE IF NOT EXISTS History (
    Id INTEGER PRIMARY KEY AUTOINCREMENT,
    FileName TEXT,
    FilePath TEXT,
    DateTime TEXT,
    Type TEXT,
    Host TEXT,
    URL TEXT,
    ThumbnailURL TEXT,
    DeletionURL TEXT,
    ShortenedURL TEXT,
    Tags TEXT
);
`); err != nil {
		t.Fatal(err)
	}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	tx, _ := db.Begin()
	for _, it := range items {
		var tags any
		if it.Tags != nil {
			b, _ := json.Marshal(it.Tags)
			tags = string(b)
		}
		// HistoryManagerSQLite.Append.
		if _, err := tx.Exec(`
INSERT INTO History
(FileName, FilePath, DateTime, Type, Host, URL, ThumbnailURL, DeletionURL, ShortenedURL, Tags)
VALUES (@FileName, @FilePath, @DateTime, @Type, @Host, @URL, @ThumbnailURL, @DeletionURL, @ShortenedURL, @Tags);
SELECT last_insert_rowid();`,
			sql.Named("FileName", null(it.FileName)), sql.Named("FilePath", null(it.FilePath)), sql.Named("DateTime", dotnetO(it.DateTime)),
			sql.Named("Type", null(it.Type)), sql.Named("Host", null(it.Host)), sql.Named("URL", null(it.URL)),
			sql.Named("ThumbnailURL", null(it.ThumbnailURL)), sql.Named("DeletionURL", null(it.DeletionURL)),
			sql.Named("ShortenedURL", null(it.ShortenedURL)), sql.Named("Tags", tags)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// shareXJSON writes History.json as ShareX.HistoryLib/HistoryManagerJSON.cs
// Append does: each item JObject.FromObject(item, serializer) with
// DefaultValueHandling.Ignore (null strings and a null Tags left out),
// .ToString() (indented by two spaces, Windows line ends), the items joined
// by ",\r\n", no brackets, no newline at the end.
func shareXJSON(t *testing.T, items []shareXItem) []byte {
	t.Helper()
	var out bytes.Buffer
	for i, it := range items {
		if i > 0 {
			out.WriteString(",\r\n")
		}
		var b bytes.Buffer
		b.WriteString("{")
		first := true
		field := func(name string, v any) {
			if s, ok := v.(string); ok && s == "" {
				return
			}
			if m, ok := v.(map[string]string); ok && m == nil {
				return
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			enc, _ := json.MarshalIndent(v, "  ", "  ")
			b.WriteString("\n  " + string(mustJSON(name)) + ": " + string(enc))
		}
		field("FileName", it.FileName)
		field("FilePath", it.FilePath)
		field("DateTime", dotnetO(it.DateTime))
		field("Type", it.Type)
		field("Host", it.Host)
		field("URL", it.URL)
		field("ThumbnailURL", it.ThumbnailURL)
		field("DeletionURL", it.DeletionURL)
		field("ShortenedURL", it.ShortenedURL)
		field("Tags", it.Tags)
		b.WriteString("\n}")
		out.WriteString(strings.ReplaceAll(b.String(), "\n", "\r\n"))
	}
	return out.Bytes()
}

func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // Newtonsoft leaves <, > and & as they are
	enc.Encode(v)
	return bytes.TrimRight(b.Bytes(), "\n")
}

var seoul = time.FixedZone("KST", 9*3600)

func shareXItems() []shareXItem {
	return []shareXItem{
		{FileName: "chrome_a1B2c3.png", FilePath: `C:\Users\me\Documents\ShareX\Screenshots\2024-05\chrome_a1B2c3.png`,
			DateTime: time.Date(2024, 5, 1, 12, 0, 5, 635078900, seoul), Type: "Image", Host: "Imgur",
			URL: "https://i.imgur.com/a1B2c3.png", ThumbnailURL: "https://i.imgur.com/a1B2c3t.png",
			DeletionURL: "https://imgur.com/delete/TDSECRET-sharex-deletehash-0042", Tags: map[string]string{"WindowTitle": "메일 — Chrome", "ProcessName": "chrome"}},
		{FileName: "지도.jpg", FilePath: `C:\Users\me\Pictures\지도.jpg`, DateTime: time.Date(2024, 5, 2, 8, 30, 0, 100, seoul), Type: "File", Host: "Amazon S3",
			URL: "https://bucket.s3.amazonaws.com/2024/05/%EC%A7%80%EB%8F%84.jpg"},
		{FileName: "report.zip", DateTime: time.Date(2024, 5, 3, 9, 0, 0, 0, seoul), Type: "File", Host: "Dropbox", URL: "https://www.dropbox.com/s/x/report.zip?dl=0"},
		{FileName: "", DateTime: time.Date(2024, 5, 4, 9, 0, 0, 0, seoul), Type: "Text", Host: "Pastebin", URL: "https://pastebin.com/raw/abc"},
		{DateTime: time.Date(2024, 5, 5, 9, 0, 0, 0, seoul), Type: "URL", Host: "bit.ly", URL: "https://example.com/long", ShortenedURL: "https://bit.ly/xyz"},
		{FileName: "saved.png", FilePath: `C:\Users\me\Documents\ShareX\Screenshots\2024-05\saved.png`,
			DateTime: time.Date(2024, 5, 6, 9, 0, 0, 0, seoul), Type: "Image", Tags: map[string]string{"WindowTitle": "ShareX", "ProcessName": "explorer"}},
	}
}

func checkShareX(t *testing.T, g Gallery, format Format) {
	t.Helper()
	if g.Format != format || len(g.Items) != 2 || g.Skipped != (Skipped{NoLink: 1, NotImage: 3}) {
		t.Fatalf("format %q, items %+v, skipped %+v", g.Format, g.Items, g.Skipped)
	}
	a := g.Items[0]
	if a.Key != "2024-05-01T03:00:05.6350789Z chrome_a1B2c3.png" || a.URL != "https://i.imgur.com/a1B2c3.png" ||
		a.ThumbURL != "https://i.imgur.com/a1B2c3t.png" || a.Name != "chrome_a1B2c3.png" ||
		a.File != `C:\Users\me\Documents\ShareX\Screenshots\2024-05\chrome_a1B2c3.png` || a.ContentType != "image/png" ||
		!a.Time.Equal(time.Date(2024, 5, 1, 12, 0, 5, 635078900, seoul)) {
		t.Errorf("first item: %+v", a)
	}
	if b := g.Items[1]; b.Name != "지도.jpg" || b.ContentType != "image/jpeg" || b.Key != "2024-05-01T23:30:00.0000001Z 지도.jpg" {
		t.Errorf("a picture uploaded as a file: %+v", b)
	}
	for _, it := range g.Items {
		if s := strings.Join([]string{it.Key, it.URL, it.ThumbURL, it.Name, it.File}, " "); strings.Contains(s, "TDSECRET") || strings.Contains(s, "Chrome") {
			t.Errorf("an item keeps the deletion link or the tags: %+v", it)
		}
	}
}

// TestShareXDB reads History.db as ShareX writes it: pictures (an Image,
// a File named as one) with their thumbnails' links; a zip, a text, a
// shortened link and a screenshot uploaded nowhere are counted, not
// imported; the deletion link and the tags are not read.
func TestShareXDB(t *testing.T) {
	checkShareX(t, read(t, ShareX, shareXDB(t, shareXItems())), FormatShareXDB)
}

// TestShareXJSON reads the old History.json, bytes as ShareX writes them,
// to the same items and keys: ShareX's own move of History.json into
// History.db (MigrateHistoryFile) keeps the times, so importing both adds
// nothing twice.
func TestShareXJSON(t *testing.T) {
	data := shareXJSON(t, shareXItems())
	if !bytes.Contains(data, []byte("}\r\n},\r\n{\r\n  \"FileName\": \"지도.jpg\",\r\n")) || bytes.HasSuffix(data, []byte("\n")) {
		t.Fatalf("not ShareX's bytes:\n%s", data)
	}
	checkShareX(t, read(t, ShareX, write(t, "History.json", data)), FormatShareXJSON)
	// With a byte order mark (an editor's save) too.
	checkShareX(t, read(t, ShareX, write(t, "History.json", append([]byte("\ufeff"), data...))), FormatShareXJSON)
	// An empty History.json is ShareX's before its first item.
	if g := read(t, ShareX, write(t, "History.json", nil)); len(g.Items) != 0 || g.Skipped.Total() != 0 {
		t.Errorf("empty History.json: %+v", g)
	}
}

// TestShareXRealFiles reads History.json files from ShareX users'
// repositories (testdata/README.md).
func TestShareXRealFiles(t *testing.T) {
	g := read(t, ShareX, fixture("real", "Oknuji-ShareX-History.json"))
	if len(g.Items) != 2 {
		t.Fatalf("Oknuji: %+v", g)
	}
	if a := g.Items[0]; a.URL != "https://seafile.oknuj.pw/f/044ad59f09c345f59e9a/?raw=1" || a.Name != "tHSoioembM.png" ||
		!a.Time.Equal(time.Date(2020, 1, 15, 19, 56, 23, 212848400, time.UTC)) || a.ContentType != "image/png" {
		t.Errorf("Oknuji's first: %+v", a)
	}
	// Screenshots saved on the machine, uploaded nowhere: nothing to link.
	g = read(t, ShareX, fixture("real", "vc-kpi-sharex-History.json"))
	if len(g.Items) != 0 || g.Skipped != (Skipped{NoLink: 3}) {
		t.Errorf("vc-kpi: %+v", g)
	}
}

// TestShareXBadInput: another app's file, a database of no app, broken
// or cut JSON.
func TestShareXBadInput(t *testing.T) {
	data := shareXJSON(t, shareXItems())
	cases := []struct {
		name  string
		data  []byte
		want  Problem
		other App
	}{
		{"cut.json", data[:len(data)/2], Truncated, ""},
		{"broken.json", []byte("{\r\n  \"FileName\": \"a.png\"\r\n}\r\n{\"FileName\": \"b.png\"}"), BadJSON, ""},
		{"notes.txt", []byte("some notes\n"), NotShareX, ""},
		{"package.json", []byte(`{"name": "x", "version": "1"}`), NotShareX, ""},
		{"data.json", []byte(`{"picBed": {"current": "smms"}, "uploaded": []}`), OtherApp, PicGo},
		{"picgo.db", gzipped(`{"gallery": []}`), OtherApp, PicGo},
	}
	for _, c := range cases {
		e := problem(t, ShareX, write(t, c.name, c.data))
		if e.Problem != c.want || e.Other != c.other {
			t.Errorf("%s: %v", c.name, e)
		}
	}
	if e := problem(t, ShareX, write(t, "broken.json", []byte("{\"FileName\": \"a.png\"}\r\n{"))); e.Problem != BadJSON || e.Detail != "24" {
		t.Errorf("offset in the file: %v", e)
	}
	if e := problem(t, ShareX, upicDB(t, nil, false)); e.Problem != OtherApp || e.Other != UPic {
		t.Errorf("uPic.db: %v", e)
	}
	if e := problem(t, ShareX, otherDB(t)); e.Problem != NoTable || !strings.Contains(e.Error(), "History") {
		t.Errorf("another database: %v", e)
	}
	if e := problem(t, ShareX, write(t, "History.db", []byte("SQLite format 3\x00 and then nothing of a database"))); e.Problem != BadDB {
		t.Errorf("a damaged database: %v", e)
	}
}

// otherDB is an SQLite database of no app this package knows.
func otherDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "places.sqlite")
	db, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)`); err != nil {
		t.Fatal(err)
	}
	return path
}
