package storage_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/thumbdrop/thumbdrop/storage"
)

// TestRegionDiscovery: S3 answers a request signed for the wrong region with
// 301 and x-amz-bucket-region (an AWS behaviour no local server copies, so
// this edge is faked); Check then switches to the bucket's region.
func TestRegionDiscovery(t *testing.T) {
	var wrong, right atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/s3/") {
			wrong.Add(1)
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-1")
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		right.Add(1)
		if r.URL.Query().Get("list-type") == "2" {
			w.Header().Set("Content-Type", "application/xml")
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>photos</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`))
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	b, err := storage.OpenS3(context.Background(), storage.S3Config{Bucket: "photos", Region: "us-east-1", Endpoint: srv.URL,
		PathStyle: true, Keys: storage.StaticKeys("AKID", "secret"), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(context.Background()); err != nil {
		t.Fatalf("check: %v", err)
	}
	if b.Region() != "eu-west-1" || wrong.Load() == 0 || right.Load() < 2 {
		t.Fatalf("region %s after %d refused and %d accepted requests", b.Region(), wrong.Load(), right.Load())
	}
	// Without a Check first, the first request corrects the region too.
	b2, _ := storage.OpenS3(context.Background(), storage.S3Config{Bucket: "photos", Region: "ap-south-1", Endpoint: srv.URL,
		PathStyle: true, Keys: storage.StaticKeys("AKID", "secret"), MaxAttempts: 1})
	if _, err := b2.Head(context.Background(), "original/1_a.jpg"); err != nil || b2.Region() != "eu-west-1" {
		t.Fatalf("head: %v, region %s", err, b2.Region())
	}
}
