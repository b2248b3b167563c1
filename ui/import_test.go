package ui

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

func importerFixture(parts ...string) string {
	return filepath.Join(append([]string{"..", "app", "internal", "importer", "testdata"}, parts...)...)
}

// loopbackGallery is the importer's picgo.db fixture with every link on a
// loopback port nothing listens on: the gallery's previews fail at once,
// and the fast tier asks nothing of the internet.
func loopbackGallery(t *testing.T) string {
	t.Helper()
	f, err := os.Open(importerFixture("generated", "picgo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(bytes.ReplaceAll(raw, []byte("https://"), []byte("http://127.0.0.1:1/")))
	zw.Close()
	p := filepath.Join(t.TempDir(), "picgo.db")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// overlayHas reports whether the dialog on top shows a label or button
// whose text contains s.
func overlayHas(c fyne.Canvas, s string) bool {
	top := c.Overlays().Top()
	if top == nil {
		return false
	}
	for _, o := range test.LaidOutObjects(top) {
		if strings.Contains(textOf(o), s) {
			return true
		}
	}
	return false
}

// TestImportDialog: Import… (Ctrl+I) says where the chosen app keeps its
// gallery, imports the file chosen with progress and a line saying what
// it did, and the gallery then shows the imported pictures; a file that
// is no gallery says so, naming it.
func TestImportDialog(t *testing.T) {
	h := newHarness(t, nil)
	c := h.u.w.Canvas()
	h.u.showImport()
	if !overlayHas(c, "Import a gallery") || !overlayHas(c, "picgo.db (gzip-compressed JSON)") {
		t.Fatal("the Import dialog does not show, or does not say where PicGo's gallery is")
	}
	v := h.u.imports
	v.appSel.SetSelected("ShareX")
	if v.app != app.ImportShareX || !strings.Contains(v.where.Text, "History.db (SQLite)") {
		t.Errorf("ShareX: %s %q", v.app, v.where.Text)
	}

	// A file that is not ShareX's.
	notes := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notes, []byte("notes\n"), 0o600)
	v.start(notes)
	h.pump("the failed import", func() bool { return v.cancel == nil && v.line.Importance == widget.WarningImportance })
	if !strings.Contains(v.line.Text, notes+" is not a ShareX gallery") || v.choose.Disabled() {
		t.Errorf("after a bad file: %q", v.line.Text)
	}

	v.appSel.SetSelected("PicGo")
	v.start(loopbackGallery(t))
	if !v.choose.Disabled() || !v.appSel.Disabled() {
		t.Error("the dialog takes a second import while one runs")
	}
	h.pump("the import", func() bool { return v.cancel == nil })
	want := "Imported 3 pictures from PicGo: 3 new, 0 updated, 0 unchanged; 2 not imported (1 without a link, 1 not pictures)"
	if v.line.Text != want || v.line.Importance != widget.SuccessImportance || h.u.status.Text != want || v.bar.Visible() {
		t.Errorf("after the import: %q (status %q)", v.line.Text, h.u.status.Text)
	}
	h.pump("the gallery's imported pictures", func() bool { return h.u.gallery.show == app.ShowImported && h.u.gallery.count == 3 })

	// Ctrl+I is listed in Help.
	found := false
	for _, s := range Shortcuts() {
		found = found || s[0] == "Ctrl+I"
	}
	if !found {
		t.Error("Ctrl+I is not in the shortcuts")
	}
}

// TestImportedDetailAndForget: an imported picture's detail pane says
// where it came from and offers no private link; its Delete is Forget,
// whose confirmation says the picture stays where its app put it.
func TestImportedDetailAndForget(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.core.Import(t.Context(), app.ImportPicGo, loopbackGallery(t), nil); err != nil {
		t.Fatal(err)
	}
	recs, err := h.core.HistoryPage(t.Context(), app.HistoryQuery{Show: app.ShowImported, Text: "dog"}, 0, 1)
	if err != nil || len(recs) != 1 {
		t.Fatalf("%v %v", recs, err)
	}
	r := recs[0]
	h.u.detail.show(r)
	d := h.u.detail
	if d.del.Text != "Forget…" || d.presignRow.Visible() || !strings.Contains(d.values["Status"].Text, "Imported from PicGo") {
		t.Errorf("detail: delete %q, private link shown %v, status %q", d.del.Text, d.presignRow.Visible(), d.values["Status"].Text)
	}
	c := h.u.w.Canvas()
	d.confirmDelete(r)
	if !overlayHas(c, "Forget dog.webp? It was imported from PicGo: thumbdrop only removes it from its history. The picture stays where PicGo put it") {
		t.Fatal("the confirmation does not say the picture is only forgotten")
	}
	for _, o := range test.LaidOutObjects(c.Overlays().Top()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Forget" {
			test.Tap(b)
		}
	}
	h.pump("forgotten", func() bool { return h.u.status.Text == "Forgot dog.webp" })
	if d.has {
		t.Error("the detail pane still shows the forgotten picture")
	}
	if n, _ := h.core.HistoryCount(t.Context(), app.HistoryQuery{Show: app.ShowImported}); n != 2 {
		t.Errorf("%d imported after forgetting one", n)
	}
}
