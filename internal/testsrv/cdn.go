package testsrv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// CDN stands in for CloudFront in front of a private bucket: GET and HEAD
// of /<key> are sent to the origin's /<bucket>/<key>, signed with SigV4
// as an Origin Access Control signs them; answers are cached as CloudFront
// caches them: a 200 for its Cache-Control max-age, and an error (403,
// 404) for ErrorTTL, CloudFront's ErrorCachingMinTTL. So a key asked for
// before it exists stays missing at the edge after it appears, until the
// error's TTL passes. Time is the CDN's own clock (Advance), so a test
// need not wait for it.
type CDN struct {
	URL      string
	ErrorTTL time.Duration

	origin, bucket string
	creds          aws.Credentials
	mu             sync.Mutex
	now            time.Time
	cache          map[string]cached
	hits, misses   int
}

type cached struct {
	status  int
	header  http.Header
	body    []byte
	expires time.Time
}

// StartCDN serves bucket of the S3 server at origin, reading it with the
// given keys (the origin access control's).
func StartCDN(t testing.TB, origin, bucket, access, secret string, errorTTL time.Duration) *CDN {
	t.Helper()
	c := &CDN{ErrorTTL: errorTTL, origin: strings.TrimRight(origin, "/"), bucket: bucket,
		creds: aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, now: time.Now(), cache: map[string]cached{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// Advance moves the CDN's clock on: cached answers whose TTL has passed
// are fetched again.
func (c *CDN) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Stats says how many requests the cache answered and how many went to
// the origin.
func (c *CDN) Stats() (hits, misses int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

var emptySHA256 = hex.EncodeToString(func() []byte { h := sha256.Sum256(nil); return h[:] }())

func (c *CDN) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "read-only", http.StatusMethodNotAllowed)
		return
	}
	key := r.URL.EscapedPath() // the cache key: the path alone, no query, no header
	c.mu.Lock()
	e, ok := c.cache[key]
	fresh := ok && c.now.Before(e.expires)
	if fresh {
		c.hits++
	} else {
		c.misses++
	}
	now := c.now
	c.mu.Unlock()
	state := "Hit from cloudfront"
	if !fresh {
		state = "Miss from cloudfront"
		var err error
		if e, err = c.fetch(r.Context(), key, now); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		c.mu.Lock()
		c.cache[key] = e
		c.mu.Unlock()
	}
	for k, v := range e.header {
		w.Header()[k] = v
	}
	w.Header().Set("X-Cache", state)
	w.WriteHeader(e.status)
	if r.Method == http.MethodGet {
		w.Write(e.body)
	}
}

// fetch asks the origin for a key, as CloudFront's OAC does: path-style,
// SigV4-signed with the distribution's access.
func (c *CDN) fetch(ctx context.Context, escapedKey string, now time.Time) (cached, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.origin+"/"+c.bucket+escapedKey, nil)
	if err != nil {
		return cached{}, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	// S3 signs the path as sent, not escaped once more.
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err := signer.SignHTTP(ctx, c.creds, req, emptySHA256, "s3", "us-east-1", time.Now()); err != nil {
		return cached{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return cached{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return cached{}, err
	}
	e := cached{status: resp.StatusCode, header: http.Header{}, body: body}
	for _, h := range []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Content-Length"} {
		if v := resp.Header.Get(h); v != "" {
			e.header.Set(h, v)
		}
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		e.expires = now.Add(maxAge(resp.Header.Get("Cache-Control")))
	case resp.StatusCode >= 400:
		e.expires = now.Add(c.ErrorTTL)
	}
	return e, nil
}

// maxAge reads a Cache-Control's max-age; a day (the template's
// DefaultTTL) without one.
func maxAge(cc string) time.Duration {
	for _, d := range strings.Split(cc, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "max-age="); ok {
			if s, err := strconv.Atoi(v); err == nil {
				return time.Duration(s) * time.Second
			}
		}
	}
	return 24 * time.Hour
}
