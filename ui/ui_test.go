package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fynecontainer "fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/app/apptest"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// harness is a UI over a real core; every UI update is pumped on the test
// goroutine.
type harness struct {
	t    *testing.T
	a    fyne.App
	u    *UI
	core *app.Core
	q    chan func()
	dirs app.Dirs
	kr   app.Keyring
}

func newHarness(t *testing.T, mod func(*app.Config)) *harness {
	t.Helper()
	return newHarnessWith(t, mod, nil)
}

// newHarnessWith is newHarness with the core's options adjusted.
func newHarnessWith(t *testing.T, mod func(*app.Config), opts func(*app.Options)) *harness {
	t.Helper()
	// Fyne's file dialog runs xdg-user-dir for its favourite folders when
	// it finds it: nothing on PATH, so no process in the fast tier.
	t.Setenv("PATH", t.TempDir())
	a := test.NewTempApp(t)
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.LocalAddr = testsrv.FreeAddr(t)
	if mod != nil {
		mod(&c)
	}
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	h0 := &harness{kr: app.OSKeyring("thumbdrop-uitest-"+t.Name(), nil)}
	o := app.Options{Dirs: d, Keyring: h0.kr, Retries: -1}
	if opts != nil {
		opts(&o)
	}
	core, err := app.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	openErr := core.Connect(context.Background())
	h := &harness{t: t, a: a, core: core, q: make(chan func(), 4096), dirs: d, kr: h0.kr}
	h.u = NewWithOptions(a, core, openErr, Options{Do: func(f func()) { h.q <- f }})
	h.u.w.Resize(fyne.NewSize(1024, 768))
	return h
}

// pump runs queued UI updates until cond holds.
func (h *harness) pump(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case f := <-h.q:
			f()
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
	for { // drain what is already queued
		select {
		case f := <-h.q:
			f()
		default:
			return
		}
	}
}

func (h *harness) allDone() bool {
	if len(h.u.queue.jobs) == 0 {
		return false
	}
	for _, j := range h.u.queue.jobs {
		if !j.State.Terminal() {
			return false
		}
	}
	return true
}

func TestDropFilesAndFolders(t *testing.T) {
	h := newHarness(t, nil)
	if !h.u.dropZone.Visible() {
		t.Fatal("an empty app must show the drop zone")
	}
	dir := t.TempDir()
	photo := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, "사진 (1).jpg"))
	folder := filepath.Join(dir, "trip")
	testkit.CopyCorpus(t, "video-001.png", filepath.Join(folder, "b.png"))
	testkit.CopyCorpus(t, "video-001.gif", filepath.Join(folder, "sub", "a.gif"))
	os.WriteFile(filepath.Join(folder, "notes.txt"), []byte("itinerary"), 0o644)
	text := filepath.Join(dir, "readme.txt")
	os.WriteFile(text, []byte("hello"), 0o644)
	h.u.HandleDrop([]fyne.URI{storage.NewFileURI(photo), storage.NewFileURI(folder), storage.NewFileURI(text)})
	h.pump("uploads", func() bool { return len(h.u.queue.jobs) == 3 && h.allDone() })
	if !strings.Contains(h.u.status.Text, "readme.txt is not an image") && !strings.Contains(h.u.status.Text, "finished") {
		t.Errorf("status %q", h.u.status.Text)
	}
	if n := len(h.u.queue.jobs); n != 3 {
		t.Fatalf("%d jobs, want 3 (the photo and the folder's two images)", n)
	}
	for _, j := range h.u.queue.jobs {
		if j.State != app.Done || j.Record.Status != app.StatusReady {
			t.Errorf("%s: %v %s %v", j.Name, j.State, j.Record.Status, j.Err)
		}
	}
	if h.u.dropZone.Visible() {
		t.Error("the drop zone still covers the uploads")
	}
	h.pump("gallery", func() bool { return h.u.gallery.count == 3 })
	if !h.u.detail.has {
		t.Error("the first finished upload was not selected")
	}
	// The refusal named the text file (it may since have been replaced by
	// the batch's end in the status line, so ask ExpandPaths directly too).
	if _, refused := app.Split(app.ExpandPaths([]string{text})); len(refused) != 1 || !strings.Contains(refused[0].Error(), "readme.txt is not an image") {
		t.Errorf("refusal %v", refused)
	}
	files, refused := app.Split(app.ExpandPaths([]string{folder, filepath.Join(dir, "missing.jpg")}))
	if len(files) != 2 || len(refused) != 1 || !strings.HasSuffix(files[0], "b.png") {
		t.Errorf("ExpandPaths: %v %v", files, refused)
	}
}

func TestQueueRowsShowStates(t *testing.T) {
	h := newHarness(t, nil)
	row := h.u.queue.create()
	r := rowOf(row)
	show := func(j app.Job) {
		h.u.queue.apply(j)
		h.u.queue.update(h.u.queue.index[j.ID], row)
	}
	j := app.Job{ID: 7, Name: "beach.jpg", Size: 3 << 20, State: app.Queued}
	show(j)
	if r.state.Text != "Queued" || !r.cancel.Visible() || r.retry.Visible() || r.size.Text != "3.0 MB" {
		t.Errorf("queued: %q cancel=%v retry=%v size=%q", r.state.Text, r.cancel.Visible(), r.retry.Visible(), r.size.Text)
	}
	j.State, j.Sent = app.Uploading, 1<<20
	show(j)
	if !r.bar.Visible() || r.bar.value < 0.33 || r.bar.value > 0.34 {
		t.Errorf("uploading: bar %v %v", r.bar.Visible(), r.bar.value)
	}
	j.State, j.WaitStarted = app.Waiting, time.Now().Add(-3*time.Second)
	show(j)
	if !strings.HasPrefix(r.state.Text, "Waiting for thumbnail… 3s") {
		t.Errorf("waiting: %q", r.state.Text)
	}
	j.State, j.Err = app.Failed, fmt.Errorf("beach.jpg: the storage server cannot be reached")
	show(j)
	if !r.retry.Visible() || r.cancel.Visible() || r.state.Importance != widget.DangerImportance || !strings.Contains(r.state.Text, "cannot be reached") {
		t.Errorf("failed: %q retry=%v", r.state.Text, r.retry.Visible())
	}
	j.State, j.Err, j.Record.Status = app.Done, nil, app.StatusReady
	show(j)
	if r.state.Text != "Done" || !r.copy.Visible() {
		t.Errorf("done: %q", r.state.Text)
	}
}

// TestRetryAfterServerComesBack: the server is down, the row fails with
// Retry; after a restart, Retry finishes the upload.
func TestRetryAfterServerComesBack(t *testing.T) {
	testkit.Heavy(t, "needs versitygw")
	v := testsrv.StartVersity(t, false, "photos")
	t.Setenv("AWS_ACCESS_KEY_ID", v.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", v.Secret)
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	h := newHarness(t, func(c *app.Config) {
		c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = app.TargetS3, "photos", v.Endpoint, true, app.CredsAWS
		c.ThumbTimeout = app.Duration(time.Second)
	})
	v.Stop()
	h.u.AddPaths([]string{testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg"))})
	h.pump("failure", h.allDone)
	j := h.u.queue.jobs[0]
	if j.State != app.Failed {
		t.Fatalf("with the server down: %v", j.State)
	}
	row := h.u.queue.create()
	h.u.queue.update(0, row)
	r := rowOf(row)
	if !r.retry.Visible() {
		t.Fatal("no Retry button on a failed row")
	}
	v.Start()
	test.Tap(r.retry)
	h.pump("retry", func() bool { return h.u.queue.jobs[0].State == app.Done })
	if s := h.u.queue.jobs[0].Record.Status; s != app.StatusTimeout {
		t.Errorf("after retry: %s (no resize function here, so timeout)", s)
	}
}

// TestGalleryTenThousand: the grid is virtualised: 10,000 history entries
// create only the cards on screen.
func TestGalleryTenThousand(t *testing.T) {
	h := newHarness(t, nil)
	base := time.Now().Add(-time.Hour)
	var recs []app.Record
	for i := 0; i < 10000; i++ {
		recs = append(recs, app.Record{Key: app.OriginalKey("original/", base.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("photo-%05d.jpg", i)),
			Time: base.Add(time.Duration(i) * time.Millisecond), Target: "local", Status: app.StatusReady})
	}
	if err := apptest.Seed(context.Background(), h.dirs.Data, recs); err != nil {
		t.Fatal(err)
	}
	h.u.gallery.reload()
	h.pump("count", func() bool { return h.u.gallery.count == 10000 })
	test.NewWindow(h.u.w.Content()).Resize(fyne.NewSize(1024, 768))
	h.u.gallery.grid.Refresh()
	h.pump("first page", func() bool { return len(h.u.gallery.shows) > 0 })
	if n := len(h.u.gallery.shows); n > 300 {
		t.Errorf("%d cards were built for 10,000 entries", n)
	}
	if len(h.u.gallery.pages) > 3 {
		t.Errorf("%d pages read for one screen", len(h.u.gallery.pages))
	}
	if r, ok := h.u.gallery.record(0); !ok || r.Name() != "photo-09999.jpg" {
		t.Errorf("first card: %+v", r)
	}
	h.u.filter.SetText("photo-0999")
	h.pump("filter", func() bool { return h.u.gallery.count == 10 })
}

func TestCopyButtons(t *testing.T) {
	h := newHarness(t, nil)
	h.u.AddPaths([]string{testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "chart (v2).png"))})
	h.pump("upload", h.allDone)
	rec := h.u.queue.jobs[0].Record
	h.u.detail.show(rec)
	links, err := h.core.Links(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range app.Formats() {
		h.a.Clipboard().SetContent("")
		test.Tap(h.u.detail.copyBtns[f])
		h.pump("clipboard", func() bool { return h.a.Clipboard().Content() != "" })
		want := app.Link(f, links, h.core.Config().CustomTemplate)
		if got := h.a.Clipboard().Content(); got != want {
			t.Errorf("%s copied %q, want %q", f, got, want)
		}
		if !strings.HasPrefix(h.u.detail.copied.Text, "Copied") {
			t.Errorf("%s: no confirmation (%q)", f, h.u.detail.copied.Text)
		}
	}
	if !strings.Contains(h.a.Clipboard().Content(), "chart (v2).png") {
		t.Errorf("custom template: %q", h.a.Clipboard().Content())
	}
}

func TestSettingsValidation(t *testing.T) {
	h := newHarness(t, nil)
	s := NewSettings(h.u)
	s.target.SetSelected(choiceCompat)
	s.entries["bucket"].SetText("Bad Bucket")
	s.entries["endpoint"].SetText("")
	s.entries["concurrency"].SetText("99")
	if err := s.entries["bucket"].Validate(); err == nil {
		t.Error("bucket field accepts 'Bad Bucket'")
	}
	err := s.Save(nil)
	if err == nil {
		t.Fatal("saved an invalid form")
	}
	for _, field := range []string{"bucket", "endpoint", "concurrency"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name %s", err, field)
		}
	}
	if s.errLbl.Text == "" {
		t.Error("no message shown in the form")
	}
	if c, _ := app.LoadConfig(h.dirs); c.Target != app.TargetLocal {
		t.Error("an invalid form changed the saved config")
	}
}

// TestSecretNeverShown: after Save, the secret is in no widget and in no
// preference or file; the secret field is a password entry.
func TestSecretNeverShown(t *testing.T) {
	testsrv.RequireKeyring(t)
	v := testsrv.StartVersity(t, false, "photos")
	secret := v.Secret
	h := newHarness(t, nil)
	defer h.core.ForgetKeys()
	s := NewSettings(h.u)
	if !s.secret.Password {
		t.Fatal("the secret field is not masked")
	}
	s.target.SetSelected(choiceCompat)
	s.entries["bucket"].SetText("photos")
	s.entries["endpoint"].SetText(v.Endpoint)
	s.checks["path_style"].SetChecked(true)
	s.entries["thumb_timeout"].SetText("2s") // no resize function here: do not wait long
	s.selects["credentials"].set(app.CredsKeyring)
	s.keyID.SetText(v.Access)
	test.Type(s.secret, secret)
	saved, saveErr := false, error(nil)
	if err := s.Save(func(err error) { saved, saveErr = true, err }); err != nil {
		t.Fatal(err)
	}
	if s.secret.Text != "" || s.keyID.Text != "" {
		t.Error("the keys stay in the form after saving")
	}
	h.pump("save", func() bool { return saved })
	if saveErr != nil {
		t.Fatal(saveErr)
	}
	k, err := h.kr.Load()
	if err != nil || k.SecretAccessKey != secret {
		t.Fatalf("keyring: %v", err)
	}
	// Nothing on screen holds it.
	w := test.NewWindow(fynecontainer.NewVBox(s.Content, h.u.w.Content()))
	defer w.Close()
	for _, o := range test.LaidOutObjects(w.Content()) {
		if txt := textOf(o); strings.Contains(txt, secret) {
			t.Errorf("%T shows the secret", o)
		}
	}
	// Nor any preference or file thumbdrop wrote.
	for _, k := range []string{prefWidth, prefHeight} {
		if strings.Contains(h.a.Preferences().String(k), secret) {
			t.Errorf("preference %s holds the secret", k)
		}
	}
	for _, dir := range []string{h.dirs.Config, h.dirs.Data} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
					t.Errorf("the secret is in %s", p)
				}
			}
			return nil
		})
	}
	// And the keys work: Test connection says so.
	r := h.core.TestConnection(context.Background(), h.core.Config(), nil)
	if !r.Credentials.OK || !r.Bucket.OK || !r.Put.OK || r.Resize.OK {
		t.Errorf("report: %q", FormatReport(r))
	}
	s.ForgetKeys()
	h.pump("forget", func() bool { return strings.Contains(s.report.Text, "removed") })
	if h.core.HasKeys() {
		t.Error("Forget keys left them in the keyring")
	}
}

func textOf(o fyne.CanvasObject) string {
	switch w := o.(type) {
	case *widget.Entry:
		return w.Text
	case *widget.Label:
		return w.Text
	case *widget.Button:
		return w.Text
	}
	return ""
}

func TestPastePaths(t *testing.T) {
	h := newHarness(t, nil)
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "pasted.jpg"))
	// A finished batch says so with a notification.
	test.AssertNotificationSent(t, fyne.NewNotification("thumbdrop", "1 upload finished"), func() {
		h.u.PastePaths("file://" + p + "\r\n\n")
		h.pump("paste upload", func() bool { return h.allDone() && !h.u.batchActive })
	})
	if h.u.queue.jobs[0].Name != "pasted.jpg" {
		t.Errorf("pasted %v", h.u.queue.jobs[0].Name)
	}
	h.u.PastePaths("   ")
	if !strings.Contains(h.u.status.Text, "no file paths") {
		t.Errorf("status %q", h.u.status.Text)
	}
}

// Add… opens the file dialog (Fyne 2.8.1 panicked when it was
// resized before it was shown).
func TestAddOpensFileDialog(t *testing.T) {
	h := newHarness(t, nil)
	c := h.u.w.Canvas()
	before := len(c.Overlays().List())
	h.u.showOpen()
	if got := len(c.Overlays().List()); got != before+1 {
		t.Fatalf("overlays: %d, want %d (the open dialog)", got, before+1)
	}
}

// TestSettingsFailedSaveKeepsForm: settings that cannot take effect keep
// the dialog and everything typed, say why, and change nothing.
func TestSettingsFailedSaveKeepsForm(t *testing.T) {
	h := newHarness(t, nil)
	h.u.ShowSettings()
	c := h.u.w.Canvas()
	if len(c.Overlays().List()) != 1 {
		t.Fatal("no settings dialog")
	}
	h.u.ShowSettings() // Ctrl+, again: no second dialog
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("%d dialogs after opening Settings twice", n)
	}
	s := NewSettings(h.u)
	s.target.SetSelected(choiceAWS)
	s.entries["bucket"].SetText("my-photos")
	s.entries["region"].SetText("ap-northeast-2")
	s.selects["credentials"].set(app.CredsKeyring) // and no keys stored: the target cannot open
	var got error
	done := false
	if err := s.Save(func(err error) { got, done = err, true }); err != nil {
		t.Fatalf("validation refused a valid form: %v", err)
	}
	h.pump("save", func() bool { return done })
	if got == nil {
		t.Fatal("saved an S3 target without keys")
	}
	if !strings.Contains(s.errLbl.Text, "Not saved") || s.entries["bucket"].Text != "my-photos" || s.target.Selected != choiceAWS {
		t.Errorf("after a failed save: error %q, bucket %q, target %q", s.errLbl.Text, s.entries["bucket"].Text, s.target.Selected)
	}
	if cfg, _ := app.LoadConfig(h.dirs); cfg.Target != app.TargetLocal {
		t.Error("a failed save changed config.json")
	}
	if h.core.Config().Target != app.TargetLocal || !strings.HasPrefix(h.u.w.Title(), "thumbdrop — ") || strings.Contains(h.u.status.Text, "Not connected") {
		t.Errorf("a failed save changed the app: %q %q", h.u.w.Title(), h.u.status.Text)
	}
}

// TestSettingsLocalTouchesNoKeyring: in local mode the settings form never
// asks the OS keyring (which could pop up an unlock prompt) and offers no
// key buttons.
func TestSettingsLocalTouchesNoKeyring(t *testing.T) {
	h := newHarness(t, nil)
	s := NewSettings(h.u)
	s.showFields()
	if s.keysAsked || s.forget.Visible() {
		t.Errorf("local mode: keyring asked %v, Forget keys shown %v", s.keysAsked, s.forget.Visible())
	}
	s.selects["credentials"].set(app.CredsAWS)
	s.target.SetSelected(choiceAWS)
	if s.keysAsked || s.forget.Visible() {
		t.Errorf("aws credentials: keyring asked %v", s.keysAsked)
	}
	s.selects["credentials"].set(app.CredsKeyring)
	if !s.keysAsked || !s.forget.Visible() {
		t.Errorf("keyring credentials: keyring asked %v, Forget keys shown %v", s.keysAsked, s.forget.Visible())
	}
}

// TestGallerySeesOtherProcesses: an upload by the CLI (another core on the
// same data folder) appears in the open app's gallery.
func TestGallerySeesOtherProcesses(t *testing.T) {
	h := newHarness(t, nil)
	other, err := app.Open(context.Background(), app.Options{Dirs: h.dirs})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	id := other.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "from the CLI.jpg")))[0]
	other.Wait(context.Background(), id)
	h.pump("the CLI's upload in the gallery", func() bool { return h.u.gallery.count == 1 })
	r, ok := h.u.gallery.record(0)
	h.pump("its page", func() bool { r, ok = h.u.gallery.record(0); return ok })
	if r.Name() != "from the CLI.jpg" {
		t.Errorf("gallery shows %q", r.Name())
	}
	if h.u.dropZone.Visible() {
		t.Error("the drop zone still covers a gallery with an upload")
	}
}

// TestPasteScreenshot: Ctrl+V with an image on the clipboard uploads it as
// clipboard-YYYYMMDD-HHMMSS.png; with none, the text's file paths.
func TestPasteScreenshot(t *testing.T) {
	h := newHarness(t, nil)
	png := testkit.ReadCorpus(t, "video-001.png")
	h.u.clipImage = func(context.Context) ([]byte, error) { return png, nil }
	h.u.Paste()
	h.pump("screenshot upload", func() bool { return h.allDone() })
	j := h.u.queue.jobs[0]
	if j.State != app.Done || !strings.HasPrefix(j.Name, "clipboard-") || !strings.HasSuffix(j.Name, ".png") || len(j.Name) != len("clipboard-20261126-184839.png") {
		t.Fatalf("pasted %q: %v %v", j.Name, j.State, j.Err)
	}
	h.u.clipImage = func(context.Context) ([]byte, error) { return nil, errors.New("the clipboard holds no image") }
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "path.jpg"))
	h.a.Clipboard().SetContent(p)
	h.u.Paste()
	h.pump("path upload", func() bool { return len(h.u.queue.jobs) == 2 && h.allDone() })
	if h.u.queue.jobs[1].Name != "path.jpg" {
		t.Errorf("second paste: %q", h.u.queue.jobs[1].Name)
	}
	// Ctrl+V with the filter box focused: a screenshot (no text on the
	// clipboard) is uploaded; text is pasted into the box.
	h.u.clipImage = func(context.Context) ([]byte, error) { return append(png[:len(png):len(png)], 0), nil }
	h.a.Clipboard().SetContent("")
	h.u.filter.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.a.Clipboard()})
	h.pump("paste in the filter box", func() bool { return len(h.u.queue.jobs) == 3 && h.allDone() })
	h.a.Clipboard().SetContent("elephant")
	h.u.filter.TypedShortcut(&fyne.ShortcutPaste{Clipboard: h.a.Clipboard()})
	if h.u.filter.Text != "elephant" || len(h.u.queue.jobs) != 3 {
		t.Errorf("text pasted into the filter: %q, %d jobs", h.u.filter.Text, len(h.u.queue.jobs))
	}
}

// TestDialogsEscapeAndOneAtATime: Escape closes Help and Settings; Ctrl+,
// over Help replaces it rather than stacking; the delete confirmation's
// button is a red "Delete".
func TestDialogsEscapeAndOneAtATime(t *testing.T) {
	h := newHarness(t, nil)
	c := h.u.w.Canvas()
	escape := func() {
		c.(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}
	h.u.showHelp()
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("help: %d overlays", n)
	}
	escape()
	if n := len(c.Overlays().List()); n != 0 {
		t.Fatalf("Escape left %d overlays over Help", n)
	}
	h.u.showHelp()
	h.u.ShowSettings()
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("Settings over Help: %d overlays, want 1", n)
	}
	escape()
	if n := len(c.Overlays().List()); n != 0 {
		t.Fatalf("Escape left %d overlays over Settings", n)
	}
	h.u.detail.confirmDelete(app.Record{Key: "original/1_a.jpg"})
	var del *widget.Button
	for _, o := range test.LaidOutObjects(c.Overlays().Top()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Delete" {
			del = b
		}
	}
	if del == nil || del.Importance != widget.DangerImportance {
		t.Fatalf("delete confirmation: %+v", del)
	}
	escape()
}

// TestMeterEmptyAtZero: a 0 % bar is an empty track, not a full bar.
func TestMeterEmptyAtZero(t *testing.T) {
	test.NewTempApp(t)
	primary := theme.Color(theme.ColorNamePrimary)
	for _, v := range []float64{0, 0.5} {
		m := newMeter()
		m.SetValue(v)
		w := test.NewWindow(m)
		w.Resize(fyne.NewSize(200, 20))
		img := w.Canvas().Capture()
		n := 0
		b := img.Bounds()
		for x := b.Min.X; x < b.Max.X; x++ {
			if sameColor(img.At(x, b.Dy()/2), primary) {
				n++
			}
		}
		w.Close()
		if v == 0 && n > 0 || v == 0.5 && (n < b.Dx()/4 || n > b.Dx()*3/4) {
			t.Errorf("value %v: %d of %d pixels in the primary colour", v, n, b.Dx())
		}
	}
}

func sameColor(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	return r1>>8 == r2>>8 && g1>>8 == g2>>8 && b1>>8 == b2>>8
}

// TestOverallAgreesWithCounts: the overall bar never says done while a
// file is still on its way, and counts only the batch under way.
func TestOverallAgreesWithCounts(t *testing.T) {
	h := newHarness(t, nil)
	// An earlier batch, finished.
	h.u.onJob(app.Job{ID: 1, Name: "old.jpg", Size: 100, State: app.Done})
	// A new one of two files: one done, one waiting for its thumbnail.
	h.u.onJob(app.Job{ID: 2, Name: "a.jpg", Size: 100, State: app.Queued})
	h.u.onJob(app.Job{ID: 3, Name: "b.jpg", Size: 100, State: app.Queued})
	h.u.onJob(app.Job{ID: 2, Name: "a.jpg", Size: 100, State: app.Done})
	h.u.onJob(app.Job{ID: 3, Name: "b.jpg", Size: 100, State: app.Waiting, WaitStarted: time.Now()})
	if !h.u.overallBox.Visible() || h.u.overallText.Text != "1 of 2 files done" {
		t.Fatalf("overall: visible %v %q", h.u.overallBox.Visible(), h.u.overallText.Text)
	}
	if v := h.u.overall.value; v >= 1 || v < 0.5 {
		t.Errorf("bar at %.2f with one of two files done", v)
	}
	h.u.onJob(app.Job{ID: 3, Name: "b.jpg", Size: 100, State: app.Done})
	if h.u.overallBox.Visible() || !strings.Contains(h.u.status.Text, "2 uploads finished") {
		t.Errorf("after the batch: visible %v, status %q", h.u.overallBox.Visible(), h.u.status.Text)
	}
}

// TestDeletedRowOffersNoLink: after Delete, the upload's row says so and
// has no copy button (its links would not answer); local mode has no
// private-link row; an upload without a thumbnail cannot copy one.
func TestDeletedRowOffersNoLink(t *testing.T) {
	h := newHarness(t, nil)
	h.u.AddPaths([]string{testkit.CopyCorpus(t, "video-001.png", filepath.Join(t.TempDir(), "gone.png"))})
	h.pump("upload", h.allDone)
	rec := h.u.queue.jobs[0].Record
	h.u.detail.show(rec)
	if h.u.detail.presignRow.Visible() {
		t.Error("a private-link row in local mode")
	}
	if h.u.detail.copyBtns[app.FormatThumb].Disabled() {
		t.Error("Thumbnail URL disabled for an upload with a thumbnail")
	}
	noThumb := rec
	noThumb.Status, noThumb.ThumbURL = app.StatusUploaded, ""
	h.u.detail.show(noThumb)
	if !h.u.detail.copyBtns[app.FormatThumb].Disabled() {
		t.Error("Thumbnail URL enabled for an upload without a thumbnail")
	}
	h.u.detail.show(rec)
	copyShown := func() (state string, shown bool) {
		row := h.u.queue.list.CreateItem()
		h.u.queue.update(0, row)
		for _, o := range test.LaidOutObjects(row) {
			if l, ok := o.(*widget.Label); ok && l.Visible() && l.Text == "Deleted" {
				state = l.Text
			}
			if b, ok := o.(*widget.Button); ok && b.Icon == theme.ContentCopyIcon() && b.Visible() {
				shown = true
			}
		}
		return
	}
	if _, shown := copyShown(); !shown {
		t.Fatal("no copy button on a finished row before the delete")
	}
	h.u.detail.confirmDelete(rec)
	for _, o := range test.LaidOutObjects(h.u.w.Canvas().Overlays().Top()) {
		if b, ok := o.(*widget.Button); ok && b.Text == "Delete" {
			test.Tap(b)
		}
	}
	h.pump("delete", func() bool { return h.u.queue.deleted[rec.Key] })
	if state, copyVisible := copyShown(); state != "Deleted" || copyVisible {
		t.Errorf("deleted row: state %q, copy button shown %v", state, copyVisible)
	}
}

// TestOpenDialogOnceAndEscape: Ctrl+O twice opens one file dialog, and
// Escape closes it.
func TestOpenDialogOnceAndEscape(t *testing.T) {
	h := newHarness(t, nil)
	c := h.u.w.Canvas()
	h.u.showOpen()
	h.u.showOpen()
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("Ctrl+O twice: %d overlays", n)
	}
	c.(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if n := len(c.Overlays().List()); n != 0 {
		t.Fatalf("Escape left %d overlays", n)
	}
}

// fakeAgent is an agent that runs or not, as Ensure and Stop say.
type fakeAgent struct {
	mu      sync.Mutex
	addr    string
	running bool
	started []string
}

func (f *fakeAgent) State() (app.AgentState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return app.AgentState{Links: f.addr, API: "127.0.0.1:36677"}, f.running
}
func (f *fakeAgent) Stop(context.Context) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	was := f.running
	f.running = false
	return was, nil
}
func (f *fakeAgent) Ensure(_ context.Context, c app.Config) (app.AgentState, error) {
	f.mu.Lock()
	f.started = append(f.started, c.LocalAddr)
	f.addr, f.running = c.LocalAddr, true
	f.mu.Unlock()
	st, _ := f.State()
	return st, nil
}

// TestSettingsStartsAndStopsAgent: Settings stops the agent, then offers
// to start it again on local_addr; the line names both of its servers.
func TestSettingsStartsAndStopsAgent(t *testing.T) {
	fa := &fakeAgent{running: true}
	h := newHarnessWith(t, nil, func(o *app.Options) { o.Agent = fa })
	fa.mu.Lock()
	fa.addr, fa.started = h.core.Config().LocalAddr, nil // the one started as the target opened
	fa.mu.Unlock()
	s := NewSettings(h.u)
	if !s.agentStop.Visible() || s.agentRun.Visible() || !strings.Contains(s.agentInfo.Text, h.core.Config().PicGoServer) {
		t.Fatalf("running: stop %v start %v %q", s.agentStop.Visible(), s.agentRun.Visible(), s.agentInfo.Text)
	}
	test.Tap(s.agentStop)
	h.pump("stopped", func() bool { return s.agentRun.Visible() })
	test.Tap(s.agentRun)
	h.pump("started", func() bool { return s.agentStop.Visible() })
	fa.mu.Lock()
	defer fa.mu.Unlock()
	if len(fa.started) != 1 || fa.started[0] != h.core.Config().LocalAddr {
		t.Errorf("started %v", fa.started)
	}
}

// TestShortWindowKeepsGalleryInSight: in a short window the queue shows
// fewer whole rows (it scrolls), so a row of the gallery stays visible.
func TestShortWindowKeepsGalleryInSight(t *testing.T) {
	h := newHarness(t, nil)
	if n := h.u.queue.rowsThatFit(); n != queueRows {
		t.Errorf("1024x768: %d rows", n)
	}
	h.u.w.Resize(fyne.NewSize(640, 480))
	if n := h.u.queue.rowsThatFit(); n != 1 {
		t.Errorf("640x480: %d rows, want 1", n)
	}
}
