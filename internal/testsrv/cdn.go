package testsrv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
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
//
// API serves the part of CloudFront's API a backfill uses, for a
// distribution whose domain is the CDN's host: ListDistributions, and
// CreateInvalidation, which drops the paths (or path* prefixes) from the
// cache at once; requests must be SigV4-signed for "cloudfront" by the
// keys given. Invalidated lists the paths asked for.
type CDN struct {
	URL      string
	API      string
	ID       string // the distribution's
	ErrorTTL time.Duration

	origin, bucket string
	creds          aws.Credentials
	mu             sync.Mutex
	now            time.Time
	cache          map[string]cached
	hits, misses   int
	invalidated    []string
	apiProblems    []string
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
	c.ID = "E2THUMBDROPTEST"
	api := httptest.NewServer(http.HandlerFunc(c.serveAPI))
	t.Cleanup(api.Close)
	c.API = api.URL
	return c
}

// Invalidated lists the paths invalidations asked for, in order.
func (c *CDN) Invalidated() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.invalidated...)
}

// APIProblems lists the API requests refused and why.
func (c *CDN) APIProblems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.apiProblems...)
}

func (c *CDN) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	refuse := func(status int, code, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		c.mu.Lock()
		c.apiProblems = append(c.apiProblems, msg)
		c.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`, code, xmlEscape(msg))
	}
	if err := checkSigV4(r, body, c.creds.AccessKeyID, c.creds.SecretAccessKey, "cloudfront"); err != nil {
		refuse(http.StatusForbidden, "SignatureDoesNotMatch", "%s %s: %v", r.Method, r.URL.Path, err)
		return
	}
	host := strings.Split(strings.TrimPrefix(c.URL, "http://"), ":")[0]
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/2020-05-31/distribution":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><DistributionList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>2</Quantity><Items>`+
			`<DistributionSummary><Id>E1SOMEONEELSE</Id><ARN>arn:aws:cloudfront::123456789012:distribution/E1SOMEONEELSE</ARN><DomainName>d111111abcdef8.cloudfront.net</DomainName><Aliases><Quantity>0</Quantity></Aliases><Enabled>true</Enabled></DistributionSummary>`+
			`<DistributionSummary><Id>%s</Id><ARN>arn:aws:cloudfront::123456789012:distribution/%s</ARN><DomainName>d222222abcdef8.cloudfront.net</DomainName><Aliases><Quantity>1</Quantity><Items><CNAME>%s</CNAME></Items></Aliases><Enabled>true</Enabled></DistributionSummary>`+
			`</Items></DistributionList>`, c.ID, c.ID, host)
	case r.Method == http.MethodPost && r.URL.Path == "/2020-05-31/distribution/"+c.ID+"/invalidation":
		var batch struct {
			XMLName         xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ InvalidationBatch"`
			CallerReference string
			Paths           struct {
				Quantity int
				Items    []string `xml:"Items>Path"`
			}
		}
		if err := xml.Unmarshal(body, &batch); err != nil {
			refuse(http.StatusBadRequest, "MalformedInput", "CreateInvalidation: %v: %s", err, body)
			return
		}
		if batch.CallerReference == "" || batch.Paths.Quantity != len(batch.Paths.Items) || len(batch.Paths.Items) == 0 || len(batch.Paths.Items) > 3000 {
			refuse(http.StatusBadRequest, "InvalidArgument", "CreateInvalidation: caller reference %q, quantity %d, %d paths", batch.CallerReference, batch.Paths.Quantity, len(batch.Paths.Items))
			return
		}
		for _, p := range batch.Paths.Items {
			if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " ") || !isASCII(p) || strings.Contains(strings.TrimSuffix(p, "*"), "*") {
				refuse(http.StatusBadRequest, "InvalidArgument", "CreateInvalidation: path %q: begin with / and URL-encode it", p)
				return
			}
		}
		c.mu.Lock()
		for _, p := range batch.Paths.Items {
			c.invalidated = append(c.invalidated, p)
			for k := range c.cache {
				if k == p || strings.HasSuffix(p, "*") && strings.HasPrefix(k, strings.TrimSuffix(p, "*")) {
					delete(c.cache, k)
				}
			}
		}
		n := len(c.invalidated)
		c.mu.Unlock()
		id := fmt.Sprintf("I%dTHUMBDROP", n)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Location", c.API+"/2020-05-31/distribution/"+c.ID+"/invalidation/"+id)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>%s</Id><Status>InProgress</Status><CreateTime>%s</CreateTime>`+
			`<InvalidationBatch><Paths><Quantity>%d</Quantity></Paths><CallerReference>%s</CallerReference></InvalidationBatch></Invalidation>`,
			id, time.Now().UTC().Format(time.RFC3339), len(batch.Paths.Items), xmlEscape(batch.CallerReference))
	default:
		refuse(http.StatusNotFound, "NotImplemented", "%s %s: not an operation this stand-in serves", r.Method, r.URL.Path)
	}
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
