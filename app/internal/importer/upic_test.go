package importer

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// upicRow is uPic's HistoryThumbnailModel
// (uPic/Views/HistoryRecord/HistoryThumbnailModel.swift).
type upicRow struct {
	URL                         string
	PreviewWidth, PreviewHeight float64
	Thumbnail                   []byte
	Created                     time.Time
	Size                        int
	Host                        string
	IsImage                     bool
}

// upicDB writes uPic.db as uPic's WCDB does (WCDB 2.1.14, as uPic's
// Package.resolved pins it): WAL journal (src/common/core/config/
// BasicConfig.cpp), historyTable from HistoryThumbnailModel's CodingKeys
// in their order, identifier the INTEGER PRIMARY KEY
// (BindColumnConstraint(identifier, isPrimary: true)), Double as REAL,
// Data as BLOB, Date as REAL seconds since 1970 and Bool as INTEGER
// (src/swift/builtin/CodableType.swift), a new row's identifier left to
// SQLite (isAutoIncrement: true inserts it as null). uPic's DBManager also
// creates outputFormatTableTable. With open, the database stays open
// until the test ends, its commits only in uPic.db-wal, as while uPic runs.
func upicDB(t *testing.T, rows []upicRow, open bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "uPic.db")
	db, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path)+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`PRAGMA wal_autocheckpoint = 0`,
		`CREATE TABLE IF NOT EXISTS historyTable(identifier INTEGER PRIMARY KEY, url TEXT, previewWidth REAL, previewHeight REAL, thumbnailData BLOB, createdDate REAL, size INTEGER, host TEXT, isImage INTEGER)`,
		`CREATE TABLE IF NOT EXISTS outputFormatTableTable(identifier INTEGER PRIMARY KEY, name TEXT, value TEXT)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if _, err := db.Exec(`INSERT INTO historyTable(identifier, url, previewWidth, previewHeight, thumbnailData, createdDate, size, host, isImage) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nil, r.URL, r.PreviewWidth, r.PreviewHeight, r.Thumbnail, float64(r.Created.UnixNano())/1e9, r.Size, r.Host, r.IsImage); err != nil {
			t.Fatal(err)
		}
	}
	if open {
		t.Cleanup(func() { db.Close() })
	} else {
		db.Close()
	}
	return path
}

func upicRows() []upicRow {
	png := []byte("\x89PNG\r\n\x1a\n a thumbnail uPic made")
	return []upicRow{
		{URL: "https://img.example.com/uPic/2024/06/shot.png", PreviewWidth: 450, PreviewHeight: 281.25, Thumbnail: png,
			Created: time.Date(2024, 6, 1, 10, 0, 0, 250e6, time.UTC), Size: 812345, Host: "1", IsImage: true},
		{URL: "https://img.example.com/uPic/2024/06/doc.pdf", Created: time.Date(2024, 6, 2, 10, 0, 0, 0, time.UTC), Size: 1000, Host: "1"},
		{URL: "https://img.example.com/uPic/2024/06/%E5%9B%BE.jpg", PreviewWidth: 200, PreviewHeight: 100,
			Created: time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC), Size: 4321, Host: "2", IsImage: true},
	}
}

// TestUPicDB reads uPic.db while uPic has it open: the rows still only in
// its write-ahead log are read, and neither the database nor its log is
// touched (the copy is read).
func TestUPicDB(t *testing.T) {
	path := upicDB(t, upicRows(), true)
	wal, err := os.Stat(path + "-wal")
	if err != nil || wal.Size() == 0 {
		t.Fatalf("no write-ahead log to read: %v", err)
	}
	before := dirSums(t, filepath.Dir(path))
	g := read(t, UPic, path)
	if g.Format != FormatUPicDB || len(g.Items) != 2 || g.Skipped != (Skipped{NotImage: 1}) {
		t.Fatalf("format %q, items %+v, skipped %+v", g.Format, g.Items, g.Skipped)
	}
	a := g.Items[0]
	if a.Key != a.URL || a.URL != "https://img.example.com/uPic/2024/06/shot.png" || a.Name != "shot.png" || a.Bytes != 812345 ||
		a.Width != 0 || !a.Time.Equal(time.Date(2024, 6, 1, 10, 0, 0, 250e6, time.UTC)) || a.ContentType != "image/png" {
		t.Errorf("first item: %+v", a)
	}
	if b := g.Items[1]; b.Name != "%E5%9B%BE.jpg" || b.ContentType != "image/jpeg" {
		t.Errorf("second item: %+v", b)
	}
	if after := dirSums(t, filepath.Dir(path)); !maps(before, after) {
		t.Errorf("uPic's folder changed: %v -> %v", before, after)
	}
}

// TestUPicBadInput: not a database, another app's.
func TestUPicBadInput(t *testing.T) {
	if e := problem(t, UPic, write(t, "uPic.db", []byte("hello"))); e.Problem != NotSQLite {
		t.Errorf("text: %v", e)
	}
	if e := problem(t, UPic, shareXDB(t, shareXItems())); e.Problem != OtherApp || e.Other != ShareX {
		t.Errorf("ShareX's History.db: %v", e)
	}
	if e := problem(t, UPic, fixture("generated", "picgo.db")); e.Problem != OtherApp || e.Other != PicGo {
		t.Errorf("picgo.db: %v", e)
	}
	if e := problem(t, UPic, otherDB(t)); e.Problem != NoTable {
		t.Errorf("another database: %v", e)
	}
}

func dirSums(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

func maps(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v[:], w[:]) {
			return false
		}
	}
	return true
}
