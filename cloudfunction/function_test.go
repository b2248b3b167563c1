package cloudfunction_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
)

// The Cloud Function for real: the cmd/local binary (the Functions
// Framework, as Cloud Run runs it) on loopback, given binary-mode
// CloudEvents over HTTP, reading and writing fake-gcs-server through
// cloud.google.com/go/storage (STORAGE_EMULATOR_HOST).

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// function builds and starts cmd/local against the storage emulator at
// storageHost, and returns its URL.
func function(t *testing.T, storageHost string, env ...string) (string, *logBuffer) {
	t.Helper()
	bin := testkit.Build(t, "./cmd/local", "nodynamic")
	addr := testsrv.FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "PORT="+port, "STORAGE_EMULATOR_HOST="+storageHost, "FUNCTION_MEMORY_MB=512")
	cmd.Env = append(cmd.Env, env...)
	logs := &logBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr, logs
		}
	}
	t.Fatalf("the function did not listen:\n%s", logs.String())
	return "", nil
}

// send posts a binary-mode CloudEvent for a new object, as Eventarc does,
// and returns the HTTP status.
func send(t *testing.T, url, typ, bucket, name string) int {
	t.Helper()
	data, _ := json.Marshal(map[string]any{"bucket": bucket, "name": name, "size": "1", "contentType": "application/octet-stream",
		"timeCreated": time.Now().UTC().Format(time.RFC3339Nano), "generation": "1", "metageneration": "1"})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ce-id", fmt.Sprint(time.Now().UnixNano()))
	req.Header.Set("ce-specversion", "1.0")
	req.Header.Set("ce-type", typ)
	req.Header.Set("ce-source", "//storage.googleapis.com/projects/_/buckets/"+bucket)
	req.Header.Set("ce-subject", "objects/"+name)
	req.Header.Set("ce-time", time.Now().UTC().Format(time.RFC3339))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("post event: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestCloudFunctionWithEmulatedStorage(t *testing.T) {
	testkit.Heavy(t, "builds and runs the function")
	photo := testkit.ReadPhoto(t, "Elephants_12MP.jpg")
	const (
		hangul = "original/1732500000000_제주 사진 (1)+100%.jpg"
		notes  = "original/1732500000001_notes.jpg"
		big    = "original/1732500000002_elephants.jpg"
	)
	obj := func(name string, data []byte) fakestorage.Object {
		return fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: "photos", Name: name}, Content: data}
	}
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Writer: io.Discard,
		InitialObjects: []fakestorage.Object{obj(hangul, testkit.ReadCorpus(t, "video-001.jpeg")), obj(notes, []byte("not a photo")), obj(big, photo)}})
	if err != nil {
		t.Fatal(err)
	}
	defer gcs.Stop()
	host := strings.TrimPrefix(gcs.URL(), "http://")
	url, logs := function(t, host, "EXTRA_WIDTHS=640,1280", "WEBP=true")
	const finalized = "google.cloud.storage.object.v1.finalized"

	for _, c := range []struct {
		name, typ string
		want      int
	}{
		{hangul, finalized, http.StatusOK},
		{notes, finalized, http.StatusOK},                                 // refused, answered: not retried
		{"thumb/1732500000000_x.jpg", finalized, http.StatusOK},           // its own output: skipped
		{hangul, "google.cloud.storage.object.v1.deleted", http.StatusOK}, // not a new object: ignored
	} {
		if got := send(t, url, c.typ, "photos", c.name); got != c.want {
			t.Errorf("%s %s: HTTP %d, want %d\n%s", c.typ, c.name, got, c.want, logs.String())
		}
	}
	// A 12 MP photo to its whole set, timed (warm).
	var took []time.Duration
	for i := 0; i < 3; i++ {
		start := time.Now()
		if got := send(t, url, finalized, "photos", big); got != http.StatusOK {
			t.Fatalf("12 MP: HTTP %d\n%s", got, logs.String())
		}
		took = append(took, time.Since(start))
	}
	t.Logf("12 MP photo to thumbnail, 640/1280 px copies and WebP twins: %v", took)

	for _, c := range []struct {
		key, ct string
		w       int
	}{
		{"thumb/1732500000000_제주 사진 (1)+100%.jpg", "image/jpeg", 150},
		{"thumb/1732500000002_elephants.jpg", "image/jpeg", 200},
		{"thumb/640w/1732500000002_elephants.jpg", "image/jpeg", 640},
		{"thumb/1280w/1732500000002_elephants.jpg", "image/jpeg", 1280},
		{"thumb/1732500000002_elephants.jpg.webp", "image/webp", 0},
		{"thumb/1280w/1732500000002_elephants.jpg.webp", "image/webp", 0},
		{"thumb/1732500000001_notes.jpg.refused", "application/json", 0},
	} {
		o, err := gcs.GetObject("photos", c.key)
		if err != nil {
			t.Errorf("%s: %v", c.key, err)
			continue
		}
		cc := resize.DefaultCacheControl
		if strings.HasSuffix(c.key, resize.RefusedSuffix) {
			cc = resize.RefusalCacheControl
		}
		if o.ContentType != c.ct || o.CacheControl != cc {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", c.key, o.ContentType, o.CacheControl)
		}
		if c.w > 0 {
			cfg, _, err := image.DecodeConfig(bytes.NewReader(o.Content))
			if err != nil || cfg.Width != c.w {
				t.Errorf("%s: %d px wide (%v), want %d", c.key, cfg.Width, err, c.w)
			}
		}
	}
	if o, err := gcs.GetObject("photos", "thumb/1732500000002_elephants.jpg"); err == nil && o.Metadata["variants"] != "640x481,1280x962" {
		t.Errorf("thumbnail metadata %v", o.Metadata)
	}
	if _, err := gcs.GetObject("photos", "thumb/1732500000001_notes.jpg"); err == nil {
		t.Error("a thumbnail of a text file")
	}
	if !strings.Contains(logs.String(), notes) {
		t.Errorf("the refusal is not logged with its key:\n%s", logs.String())
	}
	// Storage down: a transient failure, answered with an error status so
	// Eventarc delivers the event again.
	gcs.Stop()
	if got := send(t, url, finalized, "photos", hangul); got < 500 {
		t.Errorf("with storage down: HTTP %d, want a 5xx (retried)", got)
	}
}

// TestCloudFunctionBadConfig: a function deployed with a bad setting
// answers every event (no retries for a day), logging why, in JSON, with
// the object's key.
func TestCloudFunctionBadConfig(t *testing.T) {
	testkit.Heavy(t, "builds and runs the function")
	url, logs := function(t, "127.0.0.1:1", "EXTRA_WIDTHS=wide")
	const key = "original/1732500000000_a.jpg"
	for i := 0; i < 2; i++ {
		if got := send(t, url, "google.cloud.storage.object.v1.finalized", "photos", key); got != http.StatusOK {
			t.Fatalf("event %d: HTTP %d, want 200 (not retried)\n%s", i, got, logs.String())
		}
	}
	var line map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "bad configuration") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Errorf("not a JSON log line: %s", l)
			}
		}
	}
	if line["key"] != key || !strings.Contains(fmt.Sprint(line["err"]), "EXTRA_WIDTHS") {
		t.Errorf("log %v\n%s", line, logs.String())
	}
}
