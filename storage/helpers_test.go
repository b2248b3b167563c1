package storage_test

import (
	"context"
	"errors"
	_ "image/jpeg"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/thumbdrop/thumbdrop/storage"
)

func openBucket(t *testing.T, endpoint, bucket string, mod ...func(*storage.S3Config)) *storage.S3 {
	t.Helper()
	c := storage.S3Config{Bucket: bucket, Endpoint: endpoint, PathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret", "")}
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
		if k, ok := storage.KeyFromURL(u, "thumbdrop"); !ok || k != in {
			t.Errorf("KeyFromURL(%q) = %q, want %q", u, k, in)
		}
	}
}
