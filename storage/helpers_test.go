package storage_test

import (
	"context"
	"errors"
	_ "image/jpeg"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
)

func openBucket(t *testing.T, endpoint, bucket string, mod ...func(*storage.S3Config)) *storage.S3 {
	t.Helper()
	c := storage.S3Config{Bucket: bucket, Endpoint: endpoint, PathStyle: true,
		Keys: storage.StaticKeys("AKIDTEST", "test-secret")}
	for _, m := range mod {
		m(&c)
	}
	b, err := storage.OpenS3(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor polls Head until the key exists.
func waitFor(t *testing.T, b *storage.S3, key string) storage.ObjectInfo {
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
		if k, ok := storage.KeyFromURL(u, storage.LoopbackBases("http://localhost:8586/thumbdrop/")); !ok || k != in {
			t.Errorf("KeyFromURL(%q) = %q, want %q", u, k, in)
		}
	}
}

// TestKeyFromURLOnlyOurs: a link is the bucket's only on one of its own
// bases; the same path on another host, port or scheme names nothing.
func TestKeyFromURLOnlyOurs(t *testing.T) {
	b, err := storage.OpenS3(context.Background(), storage.S3Config{Bucket: "photos", Region: "ap-northeast-2",
		PublicBaseURL: "https://cdn.example.com/pics", Keys: storage.StaticKeys("AKID", "secret")})
	if err != nil {
		t.Fatal(err)
	}
	bases := b.LinkBases()
	for link, want := range map[string]string{
		"https://cdn.example.com/pics/original/1_a%20b.jpg":                                "original/1_a b.jpg",
		"https://photos.s3.ap-northeast-2.amazonaws.com/original/1_a.jpg":                  "original/1_a.jpg",
		"https://s3.ap-northeast-2.amazonaws.com/photos/thumb/1_a.jpg?X-Amz-Signature=abc": "thumb/1_a.jpg",
		"original/1_plain.jpg":                               "original/1_plain.jpg",
		"https://evil.example/pics/original/1_a.jpg":         "",
		"http://cdn.example.com/pics/original/1_a.jpg":       "",
		"https://cdn.example.com:8443/pics/original/1_a.jpg": "",
		"https://cdn.example.com/other/original/1_a.jpg":     "",
		"https://evil.example/photos/original/1_a.jpg":       "",
	} {
		k, ok := storage.KeyFromURL(link, bases)
		if ok != (want != "") || k != want {
			t.Errorf("KeyFromURL(%q) = %q, %v; want %q", link, k, ok, want)
		}
	}
}
