package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"image"
	_ "image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/text/unicode/norm"

	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

func corpus(t *testing.T, name string) string {
	return filepath.Join(runtime.GOROOT(), "src", "image", "testdata", name)
}

// copyAs copies a corpus file to dir under a new name.
func copyAs(t *testing.T, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// events collects every event a service emits.
type eventLog struct {
	mu  sync.Mutex
	all []Job
}

func (l *eventLog) add(j Job) { l.mu.Lock(); l.all = append(l.all, j); l.mu.Unlock() }

func (l *eventLog) states(id int) []State {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s []State
	for _, j := range l.all {
		if j.ID == id && (len(s) == 0 || s[len(s)-1] != j.State) {
			s = append(s, j.State)
		}
	}
	return s
}

func localSetup(t *testing.T) (Config, Dirs, *Target, *History) {
	t.Helper()
	d := Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := DefaultConfig()
	c.LocalAddr = testsrv.FreeAddr(t)
	c.ThumbTimeout = Duration(20 * time.Second)
	tg, err := OpenTarget(context.Background(), c, d, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	if !tg.StartedServer() {
		t.Fatal("expected an in-process local server")
	}
	h, err := OpenHistory(d.Data)
	if err != nil {
		t.Fatal(err)
	}
	return c, d, tg, h
}

func TestServiceLocalEndToEnd(t *testing.T) {
	c, _, tg, h := localSetup(t)
	var log eventLog
	svc := NewService(c, tg, h, ServiceOptions{OnEvent: log.add})
	defer svc.Close()
	dir := t.TempDir()
	nfdName := norm.NFD.String("한라산 (1)+50% #2.jpg")
	photo := copyAs(t, corpus(t, "video-001.jpeg"), dir, nfdName)
	png := copyAs(t, corpus(t, "video-001.png"), dir, "diagram.png")
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("shopping list"), 0o644)
	ids := svc.Add(photo, notes, png)
	if err := svc.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		j, _ := svc.Job(id)
		if i == 1 {
			if j.State != Failed || !strings.Contains(j.Err.Error(), "notes.txt is not an image") {
				t.Errorf("text file: %v %v", j.State, j.Err)
			}
			continue
		}
		r := j.Record
		if j.State != Done || r.Status != StatusReady {
			t.Fatalf("%s: %v %s %v", j.Name, j.State, r.Status, j.Err)
		}
		if !norm.NFC.IsNormalString(r.Key) || !strings.HasSuffix(r.Key, "_"+norm.NFC.String(filepath.Base(j.Path))) {
			t.Errorf("key %q is not original/<ms>_<NFC name>", r.Key)
		}
		if r.Width != 150 || r.Height != 103 || r.SHA256 == "" || r.Bytes == 0 {
			t.Errorf("record %+v", r)
		}
		resp, err := http.Get(r.ThumbURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m, _, err := image.Decode(bytes.NewReader(body))
		if err != nil || m.Bounds().Dx() > 200 || resp.Header.Get("Content-Type") != r.ContentType {
			t.Errorf("%s: thumbnail %v %q", r.ThumbURL, err, resp.Header.Get("Content-Type"))
		}
		st := log.states(id)
		want := []State{Queued, Hashing, Uploading, Waiting, Done}
		if len(st) != len(want) {
			t.Errorf("%s went through %v, want %v", j.Name, st, want)
		}
	}
	if h.Len() != 2 {
		t.Errorf("history holds %d records, want 2", h.Len())
	}
	// The same photo again: its existing links, no second upload.
	again := svc.Add(copyAs(t, corpus(t, "video-001.jpeg"), t.TempDir(), "copy.jpg"))
	svc.Wait(context.Background())
	j, _ := svc.Job(again[0])
	first, _ := svc.Job(ids[0])
	if j.Record.Status != StatusDuplicate || j.Record.Key != first.Record.Key || h.Len() != 2 {
		t.Errorf("duplicate: %s %s, history %d", j.Record.Status, j.Record.Key, h.Len())
	}
}

func TestServiceProgressAndCancel(t *testing.T) {
	c, _, tg, h := localSetup(t)
	var log eventLog
	svc := NewService(c, tg, h, ServiceOptions{OnEvent: log.add, NoWait: true})
	defer svc.Close()
	// A 60 MB "image" (a JPEG header and noise): multipart, long enough to
	// see progress and to cancel.
	big := filepath.Join(t.TempDir(), "big.jpg")
	data := make([]byte, 60<<20)
	rand.Read(data)
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	os.WriteFile(big, data, 0o644)
	id := svc.Add(big)[0]
	svc.Wait(context.Background())
	j, _ := svc.Job(id)
	if j.State != Done || j.Record.Status != StatusUploaded {
		t.Fatalf("%v %v", j.State, j.Err)
	}
	var sent []int64
	log.mu.Lock()
	for _, e := range log.all {
		if e.ID == id && e.State == Uploading {
			sent = append(sent, e.Sent)
		}
	}
	log.mu.Unlock()
	if len(sent) < 3 {
		t.Errorf("only %d progress events for 60 MB", len(sent))
	}
	if j.Sent != int64(len(data)) {
		t.Errorf("final progress %d of %d", j.Sent, len(data))
	}
	// Cancel mid-upload: the job ends Canceled and nothing is recorded.
	data[100] ^= 1 // other bytes: not a duplicate
	big2 := filepath.Join(t.TempDir(), "big2.jpg")
	os.WriteFile(big2, data, 0o644)
	id2 := svc.Add(big2)[0]
	for {
		j, _ := svc.Job(id2)
		if j.State == Uploading && j.Sent > 0 || j.State.Terminal() {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	svc.Cancel(id2)
	svc.Wait(context.Background())
	j2, _ := svc.Job(id2)
	if j2.State != Canceled {
		t.Fatalf("after cancel: %v", j2.State)
	}
	if h.Len() != 1 {
		t.Errorf("history holds %d records after a cancel", h.Len())
	}
	if !svc.Retry(id2) {
		t.Fatal("retry refused")
	}
	svc.Wait(context.Background())
	if j2, _ = svc.Job(id2); j2.State != Done {
		t.Fatalf("retry: %v %v", j2.State, j2.Err)
	}
}

// versitySetup: versitygw as "AWS", its webhook notifications driving the
// shared resize handler as S3 events drive Lambda.
func versitySetup(t *testing.T, withResize bool) (*testsrv.Versity, Config, *Target, *History) {
	t.Helper()
	v := testsrv.StartVersity(t, withResize, "photos")
	c := DefaultConfig()
	c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = TargetS3, "photos", v.Endpoint, true, CredsAWS
	c.ThumbTimeout = Duration(15 * time.Second)
	t.Setenv("AWS_ACCESS_KEY_ID", v.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", v.Secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	d := Dirs{Config: t.TempDir(), Data: t.TempDir()}
	tg, err := OpenTarget(context.Background(), c, d, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := OpenHistory(d.Data)
	if withResize {
		client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
			Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
		fn := &resize.Handler{S3: client, Config: resize.DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case rec := <-v.Events:
					fn.HandleS3Event(ctx, events.S3Event{Records: []events.S3EventRecord{rec}})
				}
			}
		}()
	}
	return v, c, tg, h
}

func TestServiceVersityWithResizeEvents(t *testing.T) {
	_, c, tg, h := versitySetup(t, true)
	svc := NewService(c, tg, h, ServiceOptions{})
	defer svc.Close()
	dir := t.TempDir()
	p := copyAs(t, corpus(t, "video-001.jpeg"), dir, "서울 야경 +1.jpg")
	id := svc.Add(p)[0]
	svc.Wait(context.Background())
	j, _ := svc.Job(id)
	if j.Record.Status != StatusReady {
		t.Fatalf("%s %v", j.Record.Status, j.Err)
	}
	info, err := tg.Bucket.Head(context.Background(), j.Record.ThumbKey)
	if err != nil || info.ContentType != "image/jpeg" || info.Metadata[resize.MetaSourceWidth] != "150" {
		t.Fatalf("thumbnail %+v %v", info, err)
	}
}

func TestServiceTimeoutWithoutResizeFunction(t *testing.T) {
	_, c, tg, h := versitySetup(t, false)
	svc := NewService(c, tg, h, ServiceOptions{ThumbTimeout: 1500 * time.Millisecond})
	defer svc.Close()
	id := svc.Add(copyAs(t, corpus(t, "video-001.jpeg"), t.TempDir(), "a.jpg"))[0]
	svc.Wait(context.Background())
	j, _ := svc.Job(id)
	if j.State != Done || j.Record.Status != StatusTimeout || j.Err == nil ||
		!strings.Contains(j.Err.Error(), "no resize function seems to be deployed") {
		t.Fatalf("%v %s %v", j.State, j.Record.Status, j.Err)
	}
	if j.Record.URL == "" || j.Record.Error != "" {
		t.Errorf("a timed-out upload must keep its original link: %+v", j.Record)
	}
	d, _ := svc.LinkData(context.Background(), j.Record)
	if d.ThumbURL != "" || Link(FormatThumb, d, "") != j.Record.URL {
		t.Errorf("links of a timed-out upload: %+v", d)
	}
}

// TestServiceServerDiesMidUpload: the server is killed during a multipart
// upload; the job fails clearly; after a restart Retry succeeds; history
// stays whole.
func TestServiceServerDiesMidUpload(t *testing.T) {
	v, c, tg, h := versitySetup(t, false)
	svc := NewService(c, tg, h, ServiceOptions{NoWait: true, Retries: 1})
	defer svc.Close()
	small := copyAs(t, corpus(t, "video-001.jpeg"), t.TempDir(), "before.jpg")
	svc.Add(small)
	svc.Wait(context.Background())
	data := make([]byte, 200<<20)
	rand.Read(data)
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	big := filepath.Join(t.TempDir(), "big.jpg")
	os.WriteFile(big, data, 0o644)
	id := svc.Add(big)[0]
	for {
		j, _ := svc.Job(id)
		if j.State == Uploading && j.Sent > 20<<20 || j.State.Terminal() {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	v.Stop()
	svc.Wait(context.Background())
	j, _ := svc.Job(id)
	if j.State != Failed || !errors.Is(j.Err, storage.ErrUnreachable) && !strings.Contains(j.Err.Error(), "connect") {
		t.Fatalf("with the server dead: %v %v", j.State, j.Err)
	}
	if !strings.Contains(j.Err.Error(), "big.jpg") {
		t.Errorf("error %q does not name the file", j.Err)
	}
	reopened, err := OpenHistory(filepath.Dir(h.path))
	if err != nil || reopened.Len() != 1 {
		t.Fatalf("history after the failure: %d records, %v", reopened.Len(), err)
	}
	v.Start()
	if !svc.Retry(id) {
		t.Fatal("retry refused")
	}
	svc.Wait(context.Background())
	if j, _ = svc.Job(id); j.State != Done {
		t.Fatalf("retry after restart: %v %v", j.State, j.Err)
	}
	got, err := os.ReadFile(filepath.Join(v.Root, "photos", j.Record.Key))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored object differs (%v)", err)
	}
	if reopened, _ := OpenHistory(filepath.Dir(h.path)); reopened.Len() != 2 {
		t.Fatalf("history: %d records", reopened.Len())
	}
}
