package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
)

// TestWait403Explained: keys without s3:ListBucket get 403, not 404, for a
// thumbnail that does not exist yet (AWS behaviour, faked at this edge).
// The wait stops at once and names the missing permission.
func TestWait403Explained(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	b, err := storage.OpenS3(context.Background(), storage.S3Config{Bucket: "photos", Endpoint: srv.URL, PathStyle: true,
		Keys: storage.StaticKeys("AKID", "secret"), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = waitThumb(context.Background(), b, "thumb/1_a.jpg", 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "s3:ListBucket") || !strings.Contains(err.Error(), "thumb/1_a.jpg") {
		t.Fatalf("error %v does not explain the 403", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("waited %v on a permission error", time.Since(start))
	}
}
