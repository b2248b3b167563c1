package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/storage/local"
	"github.com/thumbdrop/thumbdrop/thumbnail/vp8enc"
)

// Local mode for real: the store in a data folder, the resize code run by
// the uploading process. No server is needed to upload; links are served
// by the agent (tested in package agent).

func localCore(t *testing.T, d app.Dirs) *app.Core {
	t.Helper()
	if d.Data == "" {
		d = app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	}
	core, err := app.Open(bg, app.Options{Dirs: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	return core
}

func TestLocalEndToEnd(t *testing.T) {
	core := localCore(t, app.Dirs{})
	dir := t.TempDir()
	nfd := norm.NFD.String("한라산 (1)+50% #2.jpg")
	photo := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(dir, nfd))
	png := testkit.CopyCorpus(t, "video-001.png", filepath.Join(dir, "diagram.png"))
	ids := core.Add(app.AddOptions{}, photo, png)
	core.Wait(bg, ids...)
	store, err := openStore(core.Dirs())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		j, _ := core.Job(id)
		r := j.Record
		if j.State != app.Done || r.Status != app.StatusReady {
			t.Fatalf("%s: %v %s %v", j.Name, j.State, r.Status, j.Err)
		}
		if !norm.NFC.IsNormalString(r.Key) || !strings.HasSuffix(r.Key, "_"+norm.NFC.String(filepath.Base(j.Path))) {
			t.Errorf("key %q is not original/<ms>_<NFC name>", r.Key)
		}
		want := "http://127.0.0.1:8586/thumbdrop/original/"
		if !strings.HasPrefix(r.URL, want) || strings.ContainsAny(r.URL[len(want):], " +#()%") && !strings.Contains(r.URL, "%") {
			t.Errorf("url %s", r.URL)
		}
		f, info, err := store.Open(r.ThumbKey)
		if err != nil {
			t.Fatalf("thumbnail of %s: %v", j.Name, err)
		}
		m, _, err := image.Decode(f)
		f.Close()
		if err != nil || m.Bounds().Dx() > 200 || info.ContentType != r.ContentType || info.CacheControl == "" {
			t.Errorf("%s: thumbnail %v %+v", r.ThumbKey, err, info)
		}
		orig, _ := os.ReadFile(j.Path)
		stored, _ := os.ReadFile(filepath.Join(store.Root(), filepath.FromSlash(r.Key)))
		if !bytes.Equal(orig, stored) {
			t.Errorf("%s stored differs from the file", r.Key)
		}
	}
}

// TestLocalBigFileProgressAndCancel: a large file streams to disk with
// progress; a canceled one leaves nothing in sight.
func TestLocalBigFileProgressAndCancel(t *testing.T) {
	core := localCore(t, app.Dirs{})
	var log eventLog
	core.Watch(log.add)
	data := make([]byte, 60<<20)
	rand.Read(data)
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	big := filepath.Join(t.TempDir(), "big.jpg")
	os.WriteFile(big, data, 0o644)
	id := core.Add(app.AddOptions{NoWait: true}, big)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done || j.Record.Status != app.StatusUploaded || j.Sent != int64(len(data)) {
		t.Fatalf("%v %v sent %d", j.State, j.Err, j.Sent)
	}
	var sent int
	log.mu.Lock()
	for _, e := range log.all {
		if e.ID == id && e.State == app.Uploading && e.Sent > 0 {
			sent++
		}
	}
	log.mu.Unlock()
	if sent < 1 {
		t.Errorf("no progress event for 60 MB")
	}

	data[100] ^= 1 // other bytes: not a duplicate
	big2 := filepath.Join(t.TempDir(), "big2.jpg")
	os.WriteFile(big2, data, 0o644)
	id2 := core.Add(app.AddOptions{}, big2)[0]
	for {
		j, _ := core.Job(id2)
		if j.State == app.Uploading && j.Sent > 0 || j.State.Terminal() {
			break
		}
		time.Sleep(time.Millisecond)
	}
	core.Cancel(id2)
	core.Wait(bg, id2)
	if j, _ := core.Job(id2); j.State != app.Canceled {
		t.Fatalf("after cancel: %v", j.State)
	}
	store, _ := openStore(core.Dirs())
	var keys []string
	store.Walk("original/", func(k string, _ time.Time) error { keys = append(keys, k); return nil })
	if len(keys) != 1 {
		t.Errorf("originals after a canceled upload: %v", keys)
	}
	tmp, _ := os.ReadDir(filepath.Join(core.Dirs().Data, "objects", ".tmp"))
	if len(tmp) != 0 {
		t.Errorf("temporary files left: %d", len(tmp))
	}
}

// TestLocalSameNameConcurrently: two cores (two processes, in real use)
// upload different photos of the same name at the same moment: both are
// kept, under different keys.
func TestLocalSameNameConcurrently(t *testing.T) {
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	a, b := localCore(t, d), localCore(t, d)
	var paths []string
	for i := 0; i < 10; i++ {
		data := make([]byte, 200<<10)
		rand.Read(data)
		copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
		p := filepath.Join(t.TempDir(), "IMG_0001.JPG")
		os.WriteFile(p, data, 0o644)
		paths = append(paths, p)
	}
	var wg sync.WaitGroup
	for i, c := range []*app.Core{a, b} {
		wg.Add(1)
		go func(c *app.Core, ps []string) {
			defer wg.Done()
			ids := c.Add(app.AddOptions{NoWait: true}, ps...)
			c.Wait(bg, ids...)
		}(c, paths[i*5:(i+1)*5])
	}
	wg.Wait()
	keys := map[string]bool{}
	for _, c := range []*app.Core{a, b} {
		for _, j := range c.Jobs() {
			if j.State != app.Done {
				t.Fatalf("%v %v", j.State, j.Err)
			}
			keys[j.Record.Key] = true
		}
	}
	if len(keys) != 10 {
		t.Fatalf("%d distinct keys for 10 photos", len(keys))
	}
	if n, _ := a.HistoryCount(bg, app.HistoryQuery{}); n != 10 {
		t.Errorf("history: %d", n)
	}
}

// TestLocalLongUTF8Name: a 255-byte file name (85 Hangul syllables) is
// uploaded, its key shortened to fit a file name with room for the
// thumbnail's notes.
func TestLocalLongUTF8Name(t *testing.T) {
	core := localCore(t, app.Dirs{})
	name := strings.Repeat("가", 83) + ".jpg" // 249+4 = 253 bytes
	for len(name) < 255 {
		name = "x" + name
	}
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), name))
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done || j.Record.Status != app.StatusReady {
		t.Fatalf("255-byte name: %v %v", j.State, j.Err)
	}
	if seg := j.Record.Key[strings.LastIndex(j.Record.Key, "/")+1:]; len(seg) > 240 || !strings.HasSuffix(seg, ".jpg") {
		t.Errorf("key segment %d bytes: %s", len(seg), seg)
	}
}

// TestLocalRefusesKeysOutsideTheBucket: the store never writes outside its
// folder, whatever key it is handed.
func TestLocalRefusesKeysOutsideTheBucket(t *testing.T) {
	s, err := local.Open(t.TempDir(), "", local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"../x", "original/../../x", "/etc/passwd", "a//b", "", "original/" + strings.Repeat("x", 256)} {
		err := s.Upload(bg, k, bytes.NewReader([]byte("x")), 1, storage.PutOptions{})
		if err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}

// TestLocalRefusals: a picture the resize code refuses is uploaded, and
// says why at once: predicted before upload from its header (too many
// pixels), or told by the function's note (corrupt data) — never after the
// whole timeout.
func TestLocalRefusals(t *testing.T) {
	core := localCore(t, app.Dirs{})
	dir := t.TempDir()
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	corrupt := filepath.Join(dir, "cut.jpg")
	os.WriteFile(corrupt, jpg[:3000], 0o644)
	huge := filepath.Join(dir, "huge.png")
	os.WriteFile(huge, pngDeclaring(t, 20000, 20000), 0o644)
	start := time.Now()
	ids := core.Add(app.AddOptions{Timeout: time.Minute}, corrupt, huge)
	core.Wait(bg, ids...)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("refusals took %v", d)
	}
	for i, want := range []string{"no thumbnail: corrupt image", "no thumbnail will be made: too many pixels"} {
		j, _ := core.Job(ids[i])
		r := j.Record
		if j.State != app.Done || r.Status != app.StatusUploaded || !strings.HasPrefix(r.Error, want) || j.Err == nil {
			t.Errorf("%s: %v %s %q %v", j.Name, j.State, r.Status, r.Error, j.Err)
		}
		if r.URL == "" {
			t.Errorf("%s: the original's link is missing", j.Name)
		}
		if link, _ := core.Link(bg, app.FormatThumb, r); link != r.URL {
			t.Errorf("%s: thumb link %s", j.Name, link)
		}
	}
	// The history keeps the reason, and a later look does not turn it ready.
	recs, _ := core.History(bg, "")
	for _, r := range recs {
		if r.Status != app.StatusUploaded || !strings.Contains(r.Error, "no thumbnail") {
			t.Errorf("history: %s %s %q", r.Name(), r.Status, r.Error)
		}
	}
}

// pngDeclaring is a PNG whose header declares w x h pixels (and whose data
// is one tiny row): a decompression bomb's header.
func pngDeclaring(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1)))
	b := buf.Bytes()
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// TestLocalLocationRemoved: a phone photo with a location is stored
// without it (checked with exiftool), with its pixels; the same photo
// again is recognised as a duplicate; with strip_location off it keeps it.
func TestLocalLocationRemoved(t *testing.T) {
	testkit.Need(t, "exiftool")
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	core := localCore(t, d)
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "beach.jpg"))
	if out, err := exec.Command("exiftool", "-q", "-overwrite_original", "-GPSLatitude=33.45", "-GPSLatitudeRef=N",
		"-GPSLongitude=126.57", "-GPSLongitudeRef=E", "-Make=PhoneCam", p).CombinedOutput(); err != nil {
		t.Fatalf("exiftool: %v %s", err, out)
	}
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done || !j.Record.LocationRemoved || j.Record.Status != app.StatusReady {
		t.Fatalf("%v %+v %v", j.State, j.Record, j.Err)
	}
	store, _ := openStore(d)
	stored := filepath.Join(store.Root(), filepath.FromSlash(j.Record.Key))
	out, _ := exec.Command("exiftool", "-a", "-GPS:all", "-Make", stored).CombinedOutput()
	if strings.Contains(string(out), "GPS") || !strings.Contains(string(out), "PhoneCam") {
		t.Errorf("stored original's metadata:\n%s", out)
	}
	a, _ := os.ReadFile(p)
	b, _ := os.ReadFile(stored)
	ma, _, _ := image.Decode(bytes.NewReader(a))
	mb, _, _ := image.Decode(bytes.NewReader(b))
	if len(a) != len(b) || !bytes.Equal(ma.(*image.YCbCr).Y, mb.(*image.YCbCr).Y) {
		t.Error("the stored original's size or pixels differ")
	}
	// --json's sha256 is the stored object's; the file's is kept beside it.
	if sum := fmt.Sprintf("%x", sha256.Sum256(b)); j.Record.SHA256 != sum {
		t.Errorf("sha256 %s is not the stored object's %s", j.Record.SHA256, sum)
	}
	if sum := fmt.Sprintf("%x", sha256.Sum256(a)); j.Record.SourceSHA256 != sum {
		t.Errorf("source_sha256 %s is not the file's %s", j.Record.SourceSHA256, sum)
	}
	if info, _ := store.Head(bg, j.Record.Key); info.Metadata["sha256"] != j.Record.SHA256 || info.Metadata["source-sha256"] != j.Record.SourceSHA256 {
		t.Errorf("object metadata %v", info.Metadata)
	}
	again := core.Add(app.AddOptions{}, testkit.Copy(t, p, filepath.Join(t.TempDir(), "beach again.jpg")))[0]
	core.Wait(bg, again)
	if j2, _ := core.Job(again); j2.Record.Status != app.StatusDuplicate || j2.Record.Key != j.Record.Key {
		t.Errorf("the same photo again: %s %s", j2.Record.Status, j2.Record.Key)
	}
	// Turned off: the location goes up as it is.
	if err := core.Set("strip_location", "false"); err != nil {
		t.Fatal(err)
	}
	q := testkit.Copy(t, p, filepath.Join(t.TempDir(), "kept.jpg"))
	exec.Command("exiftool", "-q", "-overwrite_original", "-Model=Other", q).Run() // other bytes: not a duplicate
	id3 := core.Add(app.AddOptions{}, q)[0]
	core.Wait(bg, id3)
	j3, _ := core.Job(id3)
	out, _ = exec.Command("exiftool", "-GPS:GPSLatitude", filepath.Join(store.Root(), filepath.FromSlash(j3.Record.Key))).CombinedOutput()
	if j3.Record.LocationRemoved || !strings.Contains(string(out), "GPS Latitude") {
		t.Errorf("strip_location false: removed=%v, %s", j3.Record.LocationRemoved, out)
	}
}

// TestLocalLinksFollowLocalAddr: after local_addr changes, every link of
// an earlier local upload (history, a duplicate, its thumbnail) names the
// port the agent now serves on, not the one it had at upload time.
func TestLocalLinksFollowLocalAddr(t *testing.T) {
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	core := localCore(t, d)
	photo := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "p.jpg"))
	ids := core.Add(app.AddOptions{}, photo)
	core.Wait(bg, ids...)
	if err := core.Set("local_addr", "127.0.0.1:18599"); err != nil {
		t.Fatal(err)
	}
	ids = core.Add(app.AddOptions{}, photo) // a duplicate of the first
	core.Wait(bg, ids...)
	j, _ := core.Job(ids[0])
	recs, err := core.History(bg, "")
	if err != nil || len(recs) != 1 {
		t.Fatalf("history: %v %d", err, len(recs))
	}
	for _, r := range []app.Record{j.Record, recs[0]} {
		for _, f := range []string{app.FormatURL, app.FormatThumb, app.FormatMarkdown} {
			link, err := core.Link(bg, f, r)
			if err != nil || !strings.Contains(link, "http://127.0.0.1:18599/thumbdrop/") || strings.Contains(link, ":8586") {
				t.Errorf("%s (%s): %s %v", f, r.Status, link, err)
			}
		}
	}
}

// TestLocalDeleteWebPByThumbnailLink: a WebP original whose name has a
// dot before its extension (my.photo.webp) is deleted by its thumbnail's
// link, which looks like the twin of "my.photo".
func TestLocalDeleteWebPByThumbnailLink(t *testing.T) {
	core := localCore(t, app.Dirs{})
	m := image.NewNRGBA(image.Rect(0, 0, 300, 200))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
		if i%4 == 3 {
			m.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := vp8enc.Encode(&buf, m, 80); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "my.photo.webp")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := core.Add(app.AddOptions{}, p)
	core.Wait(bg, ids...)
	j, _ := core.Job(ids[0])
	if j.Record.Status != app.StatusReady {
		t.Fatalf("%s %v", j.Record.Status, j.Err)
	}
	if _, err := core.Delete(bg, j.Record.ThumbURL); err != nil {
		t.Fatalf("delete by %s: %v", j.Record.ThumbURL, err)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 0 {
		t.Errorf("%d records left", n)
	}
}

// TestLocalDuplicateSaysCopiesAreMissing: a photo uploaded before copies
// were configured comes back as a duplicate that says how to get them.
func TestLocalDuplicateSaysCopiesAreMissing(t *testing.T) {
	core := localCore(t, app.Dirs{})
	m := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range m.Pix {
		m.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, m, nil)
	photo := filepath.Join(t.TempDir(), "p.jpg")
	os.WriteFile(photo, buf.Bytes(), 0o644)
	ids := core.Add(app.AddOptions{}, photo)
	core.Wait(bg, ids...)
	if err := core.Set("extra_widths", "300"); err != nil {
		t.Fatal(err)
	}
	ids = core.Add(app.AddOptions{}, photo)
	core.Wait(bg, ids...)
	j, _ := core.Job(ids[0])
	if j.State != app.Done || j.Record.Status != app.StatusDuplicate || j.Err == nil || !strings.Contains(j.Err.Error(), "delete it and upload it again") {
		t.Errorf("duplicate: %v %s %v", j.State, j.Record.Status, j.Err)
	}
	// Widths it is narrower than (or the thumbnail is as wide as) make
	// no copies: nothing to say.
	if err := core.Set("extra_widths", "640"); err != nil {
		t.Fatal(err)
	}
	ids = core.Add(app.AddOptions{}, photo)
	core.Wait(bg, ids...)
	if j, _ := core.Job(ids[0]); j.Err != nil {
		t.Errorf("a note where no copy would be made: %v", j.Err)
	}
}

// TestLocalUploadRestartsAgent: every local upload makes sure the agent
// runs, so one stopped since the app opened (Settings' Stop agent) serves
// the new links again.
func TestLocalUploadRestartsAgent(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	count := countAgent{func() {
		mu.Lock()
		calls++
		mu.Unlock()
	}}
	core, err := app.Open(bg, app.Options{Dirs: d, Agent: count, AgentRecheck: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	if err := core.Connect(bg); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	opened := calls
	mu.Unlock()
	for i := 0; i < 2; i++ {
		ids := core.Add(app.AddOptions{NoWait: true}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), fmt.Sprintf("p%d.jpg", i))))
		core.Wait(bg, ids...)
	}
	mu.Lock()
	if calls-opened != 2 {
		t.Errorf("the agent was looked after %d times for 2 uploads", calls-opened)
	}
	mu.Unlock()
	// By default, a burst of uploads looks after it once, not per file.
	calls = 0
	burst, err := app.Open(bg, app.Options{Dirs: app.Dirs{Config: t.TempDir(), Data: t.TempDir()}, Agent: count})
	if err != nil {
		t.Fatal(err)
	}
	defer burst.Close()
	if err := burst.Connect(bg); err != nil {
		t.Fatal(err)
	}
	var files []string
	for i := 0; i < 5; i++ {
		files = append(files, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), fmt.Sprintf("b%d.jpg", i))))
	}
	burst.Wait(bg, burst.Add(app.AddOptions{NoWait: true}, files...)...)
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 { // when it connected; the uploads right after trust that
		t.Errorf("connecting and a burst of 5 uploads looked after the agent %d times", calls)
	}
}

// countAgent is an agent that always runs, counting how often it was
// looked after.
type countAgent struct{ ensured func() }

func (a countAgent) Ensure(context.Context, app.Config) (app.AgentState, error) {
	a.ensured()
	return app.AgentState{Links: app.DefaultLocalAddr}, nil
}
func (countAgent) Stop(context.Context) (bool, error) { return true, nil }
func (countAgent) State() (app.AgentState, bool) {
	return app.AgentState{Links: app.DefaultLocalAddr}, true
}

// openStore opens local mode's bucket of d, to look at what was stored.
func openStore(d app.Dirs) (*local.Store, error) {
	return local.Open(d.Data, local.DefaultBucket, local.Options{})
}
