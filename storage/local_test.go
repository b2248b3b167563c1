package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

func startLocal(t *testing.T) *local.Server {
	t.Helper()
	srv, err := local.Start(local.Options{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func openBucket(t *testing.T, endpoint, bucket string, mod ...func(*storage.S3Config)) *storage.S3 {
	t.Helper()
	c := storage.S3Config{Bucket: bucket, Endpoint: endpoint, PathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(local.AccessKey, local.SecretKey, "")}
	for _, m := range mod {
		m(&c)
	}
	b, err := storage.OpenS3(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func corpusFile(t *testing.T, name string) []byte {
	b, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor polls Head until the key exists.
func waitFor(t *testing.T, b storage.Bucket, key string) storage.ObjectInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		info, err := b.Head(context.Background(), key)
		if err == nil {
			return info
		}
		if !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("head %s: %v", key, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", key)
	return storage.ObjectInfo{}
}

func httpGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestLocalServerResizesUploads(t *testing.T) {
	srv := startLocal(t)
	b := openBucket(t, srv.URL(), srv.Bucket())
	ctx := context.Background()
	if err := b.Check(ctx); err != nil {
		t.Fatal(err)
	}
	jpg := corpusFile(t, "video-001.jpeg")
	key := "original/1732500000000_제주 사진 (1)+100% #1?.jpg"
	var last int64
	err := b.Upload(ctx, key, bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{
		ContentType: "image/jpeg", Metadata: map[string]string{"sha256": "abc"},
		Progress: func(n int64) { last = n },
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != int64(len(jpg)) {
		t.Errorf("progress ended at %d of %d bytes", last, len(jpg))
	}
	thumbKey := strings.Replace(key, "original/", "thumb/", 1)
	info := waitFor(t, b, thumbKey)
	if info.ContentType != "image/jpeg" || info.CacheControl == "" {
		t.Errorf("thumbnail stored as %q, Cache-Control %q", info.ContentType, info.CacheControl)
	}
	// An independent client (plain HTTP) sees the object at its public URL.
	url := b.URL(thumbKey)
	if !strings.Contains(url, "%2B100%25%20%231%3F.jpg") || !strings.Contains(url, "%EC%A0%9C%EC%A3%BC%20") {
		t.Errorf("URL %s does not escape the key segments", url)
	}
	resp, body := httpGet(t, url)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET %s: %d %q", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m, _, err := image.Decode(bytes.NewReader(body))
	if err != nil || m.Bounds().Dx() > 200 || m.Bounds().Dy() > 200 {
		t.Fatalf("thumbnail %v %v", err, m)
	}
	// The original is never replaced.
	err = b.Upload(ctx, key, bytes.NewReader([]byte("other")), 5, storage.PutOptions{ContentType: "text/plain"})
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second upload to the same key: %v, want ErrExists", err)
	}
	_, orig := httpGet(t, b.URL(key))
	if !bytes.Equal(orig, jpg) {
		t.Fatal("the original changed")
	}
	// Presigned links work.
	p, err := b.Presign(ctx, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := httpGet(t, p); resp.StatusCode != 200 || !bytes.Equal(body, jpg) {
		t.Fatalf("presigned GET: %d", resp.StatusCode)
	}
	// Delete removes both.
	if err := b.Delete(ctx, key, thumbKey); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, thumbKey} {
		if _, err := b.Head(ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s after delete: %v", k, err)
		}
	}
}

// TestMultipartRoundTrip: a file above the threshold goes up in parts,
// byte-exact, with progress that ends at the size.
func TestMultipartRoundTrip(t *testing.T) {
	srv := startLocal(t)
	b := openBucket(t, srv.URL(), srv.Bucket(), func(c *storage.S3Config) {
		c.MultipartThreshold, c.PartSize, c.PartConcurrency = 5<<20, 5<<20, 3
	})
	data := make([]byte, 23<<20+12345)
	rand.Read(data)
	var mu sync.Mutex
	var seen []int64
	err := b.Upload(context.Background(), "original/1_big.bin", bytes.NewReader(data), int64(len(data)), storage.PutOptions{
		ContentType: "application/octet-stream",
		Progress:    func(n int64) { mu.Lock(); seen = append(seen, n); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body := httpGet(t, b.URL("original/1_big.bin"))
	if !bytes.Equal(body, data) {
		t.Fatalf("round trip differs: %d bytes back of %d", len(body), len(data))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 10 || seen[len(seen)-1] != int64(len(data)) {
		t.Fatalf("%d progress calls, last %v, want many ending at %d", len(seen), seen[len(seen)-1:], len(data))
	}
}

func TestEscapeKey(t *testing.T) {
	for in, want := range map[string]string{
		"original/a b.jpg":     "original/a%20b.jpg",
		"original/a+b.jpg":     "original/a%2Bb.jpg",
		"original/100%.jpg":    "original/100%25.jpg",
		"original/(1)#?.jpg":   "original/%281%29%23%3F.jpg",
		"original/사진.jpg":      "original/%EC%82%AC%EC%A7%84.jpg",
		"original/a-b_c.~.jpg": "original/a-b_c.~.jpg",
	} {
		if got := storage.EscapeKey(in); got != want {
			t.Errorf("EscapeKey(%q) = %q, want %q", in, got, want)
		}
		u := "http://127.0.0.1:8586/thumbdrop/" + storage.EscapeKey(in)
		if k, ok := storage.KeyFromURL(u, "thumbdrop"); !ok || k != in {
			t.Errorf("KeyFromURL(%q) = %q, want %q", u, k, in)
		}
	}
}
