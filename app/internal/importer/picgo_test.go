package importer

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixture(parts ...string) string { return filepath.Join(append([]string{"testdata"}, parts...)...) }

func read(t *testing.T, app App, path string) Gallery {
	t.Helper()
	g, err := Read(context.Background(), app, path, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", app, path, err)
	}
	return g
}

// problem reads path as app and returns the problem it gives.
func problem(t *testing.T, app App, path string) *Error {
	t.Helper()
	_, err := Read(context.Background(), app, path, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s %s: %v, want an *Error", app, path, err)
	}
	if e.Path != path || e.App != app {
		t.Errorf("%v: names %s/%s", e, e.Path, e.App)
	}
	return e
}

func byKey(g Gallery) map[string]Item {
	m := map[string]Item{}
	for _, it := range g.Items {
		m[it.Key] = it
	}
	return m
}

func ms(n int64) time.Time { return time.UnixMilli(n).UTC() }

// TestPicGoDB reads the picgo.db PicGo's own store wrote (plan.json): the
// pictures with their links as they are (the URL rewritten by
// updateById), a width written as a string, a time written as ISO 8601; a
// file that is no picture and an item without a link are counted, not
// imported.
func TestPicGoDB(t *testing.T) {
	g := read(t, PicGo, fixture("generated", "picgo.db"))
	if g.Format != FormatPicGoDB || len(g.Items) != 3 || g.Skipped != (Skipped{NoLink: 1, NotImage: 1}) {
		t.Fatalf("format %q, %d items, skipped %+v", g.Format, len(g.Items), g.Skipped)
	}
	want := []Item{
		{Key: "0b9d3c1e-5a57-4c1b-9d0e-6f2a8e4b7c11", URL: "https://i.loli.net/2024/05/01/cat.png", Name: "cat.png", Width: 1200, Height: 800,
			ContentType: "image/png", Time: ms(1714521600000)},
		{Key: "6a1f0c2d-3b4e-4f5a-8b6c-7d8e9f0a1b22", URL: "https://raw.githubusercontent.com/someone/pics/main/img/%EC%82%AC%EC%A7%84%201.jpg",
			Name: "사진 1.jpg", Width: 4032, Height: 3024, ContentType: "image/jpeg", Time: ms(1717200000000)},
		{Key: "9e4a3f5b-6c7d-4e8f-9a0b-1c2d3e4f5a55", URL: "https://cdn.example.com/dog.webp", Name: "dog.webp", Width: 640, Height: 480,
			ContentType: "image/webp", Time: time.Date(2023, 3, 4, 5, 6, 7, 0, time.UTC)},
	}
	for i, w := range want {
		if g.Items[i] != w {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, g.Items[i], w)
		}
	}
}

// TestPicGoRealFile reads a picgo.db from a PicGo user's repository
// (testdata/README.md): links kept as PicGo wrote them, spaces and
// Hangul-free CJK names included.
func TestPicGoRealFile(t *testing.T) {
	g := read(t, PicGo, fixture("real", "kriswhy-Picture-picgo.db"))
	if len(g.Items) != 5 || g.Skipped.Total() != 0 {
		t.Fatalf("%d items, skipped %+v", len(g.Items), g.Skipped)
	}
	first := g.Items[0]
	if first.Key != "9ab4bf32-2fe8-47ba-a5dd-b4009e136336" || first.Name != "截屏2024-11-01 15.39.12.png" ||
		first.URL != "https://github.com/kriswhy/Picture.git/截屏2024-11-01 15.39.12.png" ||
		first.Width != 1114 || first.Height != 804 || !first.Time.Equal(ms(1730732956380)) || first.ContentType != "image/png" {
		t.Errorf("first item: %+v", first)
	}
	if last := g.Items[4]; last.Name != "test.png" || last.Width != 1114 {
		t.Errorf("last item: %+v", last)
	}
	// PicList reads the same files (its store is PicGo's).
	if g2 := read(t, PicList, fixture("real", "kriswhy-Picture-picgo.db")); len(g2.Items) != 5 {
		t.Errorf("as PicList: %d items", len(g2.Items))
	}
}

// TestPicListKeepsNoSecret: PicList copies the host's configuration —
// keys and tokens — into every item; nothing of it reaches an Item.
func TestPicListKeepsNoSecret(t *testing.T) {
	path := fixture("generated", "piclist.db")
	raw := gunzip(t, path)
	if !bytes.Contains(raw, []byte("TDSECRET-piclist-secretAccessKey-3e1f")) || !bytes.Contains(raw, []byte("AKIATHUMBDROPTEST001")) {
		t.Fatal("the fixture no longer holds the secrets this test looks for")
	}
	g := read(t, PicList, path)
	if len(g.Items) != 2 {
		t.Fatalf("%d items", len(g.Items))
	}
	for _, it := range g.Items {
		s := fmt.Sprintf("%#v", it)
		for _, secret := range []string{"TDSECRET", "AKIATHUMBDROPTEST001", "my-bucket\", \"region", "ce0270b3"} {
			if strings.Contains(s, secret) {
				t.Errorf("an item keeps %q: %s", secret, s)
			}
		}
	}
	s := g.Items[0]
	if s.File != `C:\Users\me\Pictures\screenshot.png` || s.ContentType != "image/png" || s.Name != "screenshot.png" ||
		s.URL != "https://my-bucket.s3.ap-northeast-2.amazonaws.com/img/screenshot.png" || !s.Time.Equal(ms(1772469071324)) {
		t.Errorf("first item: %+v", s)
	}
}

// TestPicGoDataJSON reads PicGo's config file of before 2.3: the uploaded
// list (an item without an id is keyed by its link), nothing of picBed.
func TestPicGoDataJSON(t *testing.T) {
	g := read(t, PicGo, fixture("generated", "data.json"))
	if g.Format != FormatPicGoJSON || len(g.Items) != 2 {
		t.Fatalf("format %q, %d items", g.Format, len(g.Items))
	}
	m := byKey(g)
	if it := m["c0ffee00-1111-4222-8333-444455556666"]; it.URL != "https://i.loli.net/2019/01/02/old.png" || it.Width != 300 || !it.Time.IsZero() {
		t.Errorf("item with an id: %+v", it)
	}
	if it := m["https://i.loli.net/2019/01/03/no-id.gif"]; it.Name != "no-id.gif" || it.ContentType != "image/gif" {
		t.Errorf("item without an id: %+v (all: %+v)", it, g.Items)
	}
	if s := fmt.Sprintf("%#v", g); strings.Contains(s, "TDSECRET") {
		t.Errorf("the gallery keeps a secret: %s", s)
	}
	// After 2.3 PicGo left an empty list and moved the gallery.
	if e := problem(t, PicGo, fixture("generated", "data-migrated.json")); e.Problem != Moved {
		t.Errorf("migrated data.json: %v", e)
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPicGoBadInput: each kind of file that is not a PicGo gallery gives
// its own problem, naming the file.
func TestPicGoBadInput(t *testing.T) {
	db, err := os.ReadFile(fixture("generated", "picgo.db"))
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(db)
	damaged[len(damaged)/2] ^= 0xff
	trailer := bytes.Clone(db)
	trailer[len(trailer)-6] ^= 0xff // the CRC-32 of the gzip trailer
	cases := []struct {
		name string
		data []byte
		want Problem
	}{
		{"truncated.db", db[:len(db)/2], Truncated},
		{"no-trailer.db", db[:len(db)-8], Truncated},
		{"damaged.db", damaged, Damaged},
		{"checksum.db", trailer, Damaged},
		{"empty.db", nil, Empty},
		{"notes.txt", []byte("my notes, not a gallery\n"), NotGzip},
		{"photo.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01"), NotGzip},
		{"array.json", []byte(`[{"imgUrl": "https://x/a.png"}]`), NoList},
		{"other.json", []byte(`{"name": "some package", "version": "1.0.0"}`), NoList},
		{"broken.json", []byte(`{"uploaded": [{"imgUrl": "https://x/a.png"},, ]}`), BadJSON},
		{"cut.json", []byte(`{"uploaded": [{"imgUrl": "https://x/a.png"}, {"imgUrl": "ht`), Truncated},
		{"gzip-text.db", gzipped("hello"), BadJSON},
		{"gzip-other.db", gzipped(`{"list": []}`), NoList},
	}
	for _, c := range cases {
		path := write(t, c.name, c.data)
		e := problem(t, PicGo, path)
		if e.Problem != c.want {
			t.Errorf("%s: %v (problem %d), want problem %d", c.name, e, e.Problem, c.want)
		}
		if !strings.Contains(e.Error(), path) {
			t.Errorf("%s: %q does not name the file", c.name, e)
		}
	}
	if e := problem(t, PicGo, write(t, "broken.json", []byte(`{"uploaded": [1,, 2]}`))); e.Detail != "17" {
		t.Errorf("offset of the broken JSON: %v", e)
	}
	if e := problem(t, PicGo, t.TempDir()); e.Problem != IsFolder {
		t.Errorf("a folder: %v", e)
	}
	missing := filepath.Join(t.TempDir(), "picgo.db")
	if e := problem(t, PicGo, missing); e.Problem != Unreadable || !errors.Is(e, os.ErrNotExist) {
		t.Errorf("a missing file: %v", e)
	}
	// Another app's database says whose it is.
	if e := problem(t, PicGo, shareXDB(t, nil)); e.Problem != OtherApp || e.Other != ShareX {
		t.Errorf("ShareX's History.db: %v", e)
	}
	if e := problem(t, PicList, upicDB(t, nil, false)); e.Problem != OtherApp || e.Other != UPic {
		t.Errorf("uPic's uPic.db: %v", e)
	}
}

// TestPicGoOddItems: items of unexpected shapes are skipped or read as
// far as they go; none fails the gallery.
func TestPicGoOddItems(t *testing.T) {
	path := write(t, "picgo.db", gzipped(`{"__gallery_KEY__": {}, "gallery": [
		null, 7, "text", [],
		{"imgUrl": 12, "id": "a"},
		{"imgUrl": "ftp://host/a.png", "id": "b"},
		{"imgUrl": "javascript:alert(1)", "id": "c"},
		{"imgUrl": "https://host/d.png?x-oss-process=style/w", "id": "d", "width": -5, "height": 1e30, "createdAt": "soon"},
		{"imgUrl": "https://host/e", "id": "e", "createdAt": 0, "fileName": "e.heic"}
	]}`))
	g := read(t, PicGo, path)
	if len(g.Items) != 2 || g.Skipped.NoLink != 7 {
		t.Fatalf("items %+v, skipped %+v", g.Items, g.Skipped)
	}
	if d := g.Items[0]; d.Name != "d.png" || d.ContentType != "image/png" || d.Width != 0 || d.Height != 0 || !d.Time.IsZero() {
		t.Errorf("d: %+v", d)
	}
	if e := g.Items[1]; e.Name != "e.heic" || e.ContentType != "image/heic" || !e.Time.IsZero() {
		t.Errorf("e: %+v", e)
	}
}

// TestProgressAndCancel: progress counts items read; a canceled context
// stops the read.
func TestProgressAndCancel(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"gallery": [`)
	for i := range 2000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"imgUrl": "https://host/%d.png", "id": "%d"}`, i, i)
	}
	b.WriteString(`]}`)
	path := write(t, "picgo.db", gzipped(b.String()))
	var seen []int
	g, err := Read(context.Background(), PicGo, path, func(n int) { seen = append(seen, n) })
	if err != nil || len(g.Items) != 2000 {
		t.Fatalf("%d items, %v", len(g.Items), err)
	}
	if fmt.Sprint(seen) != "[500 1000 1500 2000]" {
		t.Errorf("progress: %v", seen)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, PicGo, path, func(int) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}
