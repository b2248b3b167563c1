package storage

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// gcsLike is a loopback S3 server that checks SigV4 the way Cloud
// Storage's XML API does behind Google's front end: Accept-Encoding is
// rewritten before the signature is checked.
func gcsLike(t *testing.T, id, secret string) *httptest.Server {
	t.Helper()
	auth := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// What Google's front end does on the way in.
		if ae := r.Header.Get("Accept-Encoding"); ae != "" {
			r.Header.Set("Accept-Encoding", ae+",gzip(gfe)")
		} else {
			r.Header.Set("Accept-Encoding", "gzip(gfe)")
		}
		m := auth.FindStringSubmatch(r.Header.Get("Authorization"))
		fail := func(code string) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>Access denied.</Message></Error>`))
		}
		if m == nil || m[1] != id {
			fail("InvalidAccessKeyId")
			return
		}
		when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if err != nil {
			fail("AccessDenied")
			return
		}
		// Sign again what the client says it signed, as received.
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		check, _ := http.NewRequest(r.Method, u.String(), nil)
		for _, h := range strings.Split(m[4], ";") {
			if h == "host" {
				continue
			}
			if v := r.Header.Values(h); len(v) > 0 {
				check.Header[http.CanonicalHeaderKey(h)] = v
			}
			if h == "content-length" {
				check.ContentLength = r.ContentLength
			}
		}
		err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, check,
			r.Header.Get("X-Amz-Content-Sha256"), "s3", m[3], when)
		if err != nil || !strings.HasSuffix(check.Header.Get("Authorization"), "Signature="+m[5]) {
			fail("SignatureDoesNotMatch")
			return
		}
		switch r.Method {
		case http.MethodPut:
			w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
		case http.MethodGet:
			w.Header().Set("Content-Type", "application/xml")
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>photos</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCloudStorageSigning: uploads to a server that rewrites
// Accept-Encoding before checking signatures (Cloud Storage behind
// Google's front end) succeed; the SDK alone fails there, which shows the
// server checks for real.
func TestCloudStorageSigning(t *testing.T) {
	const id, secret = "GOOG1EXAMPLEHMACKEY", "hmac-secret-example"
	srv := gcsLike(t, id, secret)
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider(id, secret, "")
	raw := s3.New(s3.Options{Region: "auto", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: creds,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired})
	_, err := raw.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String("original/1_a.jpg"), Body: bytes.NewReader([]byte("x"))})
	if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("the SDK's own signing passed the GCS-like check: %v", err)
	}
	b, err := OpenS3(ctx, S3Config{Bucket: "photos", Region: "auto", Endpoint: srv.URL, PathStyle: true, Keys: StaticKeys(id, secret), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Upload(ctx, "original/1_a.jpg", bytes.NewReader([]byte("a photo")), 7, PutOptions{ContentType: "image/jpeg"}); err != nil {
		t.Fatalf("upload: %v", err)
	}
	if err := b.Check(ctx); err != nil && !errors.Is(err, ErrNotFound) {
		t.Fatalf("check: %v", err)
	}
}
