package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Config says where a bucket is and how to reach it.
type S3Config struct {
	Bucket   string
	Region   string // the bucket's real region is found and used if this is wrong
	Endpoint string // empty for AWS; e.g. http://127.0.0.1:8586 for S3-compatible servers
	// PathStyle addresses the bucket as endpoint/bucket/key rather than
	// bucket.endpoint/key (most S3-compatible servers need it).
	PathStyle bool
	// PublicBaseURL, if set, is the base of public links (a CDN or
	// CloudFront domain): PublicBaseURL/key.
	PublicBaseURL string
	// Keys, if set, gives the access key pair when the SDK needs it (read
	// from the OS keyring on demand); nil uses the SDK's default chain
	// (environment, shared config, SSO).
	Keys func(ctx context.Context) (Keys, error)
	// MultipartThreshold: files at least this large go up in parts of
	// PartSize, PartConcurrency at a time. Memory per upload is bounded by
	// (PartConcurrency+1) x PartSize.
	MultipartThreshold int64
	PartSize           int64
	PartConcurrency    int
	// MaxAttempts per request, with exponential backoff (SDK retryer).
	MaxAttempts int
	// StallTimeout gives up (and retries) a request whose bytes have not
	// moved for this long (0: DefaultStallTimeout).
	StallTimeout time.Duration
	// CredentialSource says where the credentials come from ("keyring":
	// thumbdrop's, "aws": the AWS CLI's chain), for error hints.
	CredentialSource string
}

// Defaults for uploads: photos (a few MB) go up in one PUT, larger files in
// 8 MB parts, three at a time. Measured on a 1 GiB upload to versitygw:
// peak RSS 85 MB with these, 102 MB with a 16 MB threshold and four parts
// (transfermanager buffers the first part up to the threshold and keeps a
// pool of concurrency+1 parts), at the same speed.
const (
	DefaultMultipartThreshold = 8 << 20
	DefaultPartSize           = 8 << 20
	DefaultPartConcurrency    = 3
	DefaultMaxAttempts        = 5
)

// S3 is a Bucket on AWS S3 or an S3-compatible server.
type S3 struct {
	cfg    S3Config
	awsCfg aws.Config
	mu     sync.RWMutex
	client *s3.Client
	tm     *transfermanager.Client
	// unaborted are keys whose incomplete multipart uploads could not be
	// aborted (the server was not answering): tried again before the
	// next upload.
	unaborted sync.Map
}

// DefaultRegion is the region of a bucket whose region is not given (AWS's
// own default, and what S3-compatible servers accept).
const DefaultRegion = "us-east-1"

// OpenS3 builds the clients; it makes no request.
func OpenS3(ctx context.Context, c S3Config) (*S3, error) {
	if c.Bucket == "" {
		return nil, errors.New("no bucket configured: set one with 'thumbdrop config set bucket NAME'")
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.MultipartThreshold <= 0 {
		c.MultipartThreshold = DefaultMultipartThreshold
	}
	if c.PartSize < 5<<20 {
		c.PartSize = DefaultPartSize
	}
	if c.PartConcurrency <= 0 {
		c.PartConcurrency = DefaultPartConcurrency
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.StallTimeout <= 0 {
		c.StallTimeout = DefaultStallTimeout
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(c.Region),
		config.WithRetryMaxAttempts(c.MaxAttempts),
	}
	if c.Keys != nil {
		opts = append(opts, config.WithCredentialsProvider(keysProvider(c.Keys)))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if c.Endpoint != "" {
		// S3-compatible servers: send and check checksums only where the
		// API requires them (some servers store aws-chunked bodies wrongly
		// otherwise).
		awsCfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		awsCfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}
	// Count upload bytes at the HTTP layer, around the SDK's own client so
	// its transport (CA bundle, proxies) is untouched.
	inner := awsCfg.HTTPClient
	if inner == nil {
		inner = awshttp.NewBuildableClient()
	}
	awsCfg.HTTPClient = progressClient{inner: stallClient{inner: inner, after: c.StallTimeout}}
	b := &S3{cfg: c, awsCfg: awsCfg}
	b.build(c.Region)
	return b, nil
}

func (b *S3) build(region string) {
	client := s3.NewFromConfig(b.awsCfg, func(o *s3.Options) {
		o.Region = region
		o.UsePathStyle = b.cfg.PathStyle
		if b.cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(b.cfg.Endpoint)
			unsignedAcceptEncoding(o)
		}
	})
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = b.cfg.PartSize
		o.MultipartUploadThreshold = b.cfg.MultipartThreshold
		o.Concurrency = b.cfg.PartConcurrency
		o.RequestChecksumCalculation = b.awsCfg.RequestChecksumCalculation
		if b.cfg.Endpoint != "" {
			o.DisableChecksumValidation = true
		}
	})
	b.mu.Lock()
	b.client, b.tm, b.cfg.Region = client, tm, region
	b.mu.Unlock()
}

func (b *S3) clients() (*s3.Client, *transfermanager.Client) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.client, b.tm
}

// Name is the bucket's name.
func (b *S3) Name() string { return b.cfg.Bucket }

// Region is the region in use (corrected by Check if the configured one was
// wrong).
func (b *S3) Region() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.cfg.Region
}

// Client exposes the SDK client, for tests and tools.
func (b *S3) Client() *s3.Client { c, _ := b.clients(); return c }

// Check confirms the bucket exists and the keys work. When the bucket lives
// in another region than configured, it switches to that region.
func (b *S3) Check(ctx context.Context) error {
	c, _ := b.clients()
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.cfg.Bucket})
	if err != nil {
		if r := bucketRegion(err); r != "" && r != b.Region() {
			b.build(r)
			c, _ = b.clients()
			_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.cfg.Bucket})
		}
	}
	// HEAD answers carry no error code; a one-key listing tells a wrong
	// secret from a missing permission and a missing bucket.
	if err == nil || httpStatus(err) == http.StatusForbidden || httpStatus(err) == http.StatusNotFound {
		_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &b.cfg.Bucket, MaxKeys: aws.Int32(1)})
	}
	if err != nil {
		return b.classify("check", "", err)
	}
	return nil
}

// httpStatus is the HTTP status of an SDK error, or 0.
func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// bucketRegion reads the bucket's region from an error response (S3 sends
// x-amz-bucket-region with 301 and 400 answers to the wrong region).
func bucketRegion(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Amz-Bucket-Region")
	}
	return ""
}

// inRegion runs op, and once more in the bucket's real region if S3 says
// (x-amz-bucket-region) the configured one is wrong.
func (b *S3) inRegion(op func() error) error {
	err := op()
	if r := bucketRegion(err); err != nil && r != "" && r != b.Region() {
		b.build(r)
		err = op()
	}
	return err
}

// Upload stores body under key, failing with ErrExists if the key is taken.
func (b *S3) Upload(ctx context.Context, key string, body io.ReadSeeker, size int64, opt PutOptions) error {
	b.unaborted.Range(func(k, _ any) bool {
		b.abortIncomplete(ctx, k.(string))
		return true
	})
	err := b.inRegion(func() error {
		if _, err := body.Seek(0, io.SeekStart); err != nil {
			return err
		}
		return b.upload(ctx, key, body, opt)
	})
	return b.classify("upload", key, err)
}

func (b *S3) upload(ctx context.Context, key string, body io.ReadSeeker, opt PutOptions) error {
	_, tm := b.clients()
	in := &transfermanager.UploadObjectInput{
		Bucket:      aws.String(b.cfg.Bucket),
		Key:         aws.String(key),
		Body:        body,
		IfNoneMatch: aws.String("*"),
		Metadata:    opt.Metadata,
	}
	if opt.ContentType != "" {
		in.ContentType = aws.String(opt.ContentType)
	}
	in.CacheControl = aws.String(opt.StoredCacheControl())
	_, err := tm.UploadObject(withTracker(ctx, opt), in)
	if err != nil {
		b.abortIncomplete(ctx, key)
	}
	return err
}

// abortIncomplete aborts the multipart uploads left under key by a failed
// or cancelled upload (transfermanager aborts its own, unless the server
// was not answering then or the process is going away). Keys are unique
// to one upload, so nothing of another upload is touched. A part the
// server was still receiving when the upload was cancelled can bring the
// upload back after its abort (versitygw writes it, then lists the upload
// again), so once something was aborted the listing is asked again until
// it stays empty. Best effort, with a few seconds of its own.
func (b *S3) abortIncomplete(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	c, _ := b.clients()
	for try := 0; try < 10; try++ {
		out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &b.cfg.Bucket, Prefix: aws.String(key)})
		if err != nil {
			if !errors.Is(classify("list", b.cfg.Bucket, key, err), ErrAccessDenied) {
				b.unaborted.Store(key, true)
			}
			return
		}
		found := false
		for _, u := range out.Uploads {
			if aws.ToString(u.Key) != key {
				continue
			}
			found = true
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &b.cfg.Bucket, Key: u.Key, UploadId: u.UploadId}); err != nil {
				b.unaborted.Store(key, true)
				return
			}
		}
		if !found {
			break // none (left): done
		}
		select { // then ask again: a part in flight may bring it back
		case <-ctx.Done():
			b.unaborted.Store(key, true)
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
	b.unaborted.Delete(key)
}

// SweepIncomplete aborts the multipart uploads under prefix begun before
// olderThan ago: those of processes that died mid-upload. (On AWS the SAM
// template's lifecycle rule does the same after a day.) It returns how
// many it aborted.
func (b *S3) SweepIncomplete(ctx context.Context, prefix string, olderThan time.Duration) (int, error) {
	c, _ := b.clients()
	in := &s3.ListMultipartUploadsInput{Bucket: &b.cfg.Bucket, Prefix: aws.String(prefix)}
	n := 0
	for {
		out, err := c.ListMultipartUploads(ctx, in)
		if err != nil {
			return n, b.classify("list", prefix, err)
		}
		for _, u := range out.Uploads {
			if time.Since(aws.ToTime(u.Initiated)) < olderThan {
				continue
			}
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &b.cfg.Bucket, Key: u.Key, UploadId: u.UploadId}); err == nil {
				n++
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return n, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// Head returns an object's metadata.
func (b *S3) Head(ctx context.Context, key string) (ObjectInfo, error) {
	var out *s3.HeadObjectOutput
	err := b.inRegion(func() (err error) {
		c, _ := b.clients()
		out, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.cfg.Bucket, Key: &key})
		return err
	})
	if err != nil {
		return ObjectInfo{}, b.classify("head", key, err)
	}
	return ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl), Metadata: out.Metadata, Modified: aws.ToTime(out.LastModified)}, nil
}

// Get opens an object.
func (b *S3) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	var out *s3.GetObjectOutput
	err := b.inRegion(func() (err error) {
		c, _ := b.clients()
		out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.cfg.Bucket, Key: &key})
		return err
	})
	if err != nil {
		return nil, ObjectInfo{}, b.classify("get", key, err)
	}
	return out.Body, ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType),
		CacheControl: aws.ToString(out.CacheControl), Metadata: out.Metadata, Modified: aws.ToTime(out.LastModified)}, nil
}

// Delete removes keys, one request each (DeleteObjects needs Content-MD5,
// which not every S3-compatible server handles alike).
func (b *S3) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		err := b.inRegion(func() error {
			c, _ := b.clients()
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.cfg.Bucket, Key: aws.String(k)})
			return err
		})
		if err == nil {
			continue
		}
		if err = b.classify("delete", k, err); !errors.Is(err, ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Presign returns a GET link for key valid for ttl.
func (b *S3) Presign(ctx context.Context, key string, ttl time.Duration) (string, error) {
	c, _ := b.clients()
	req, err := s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &b.cfg.Bucket, Key: &key},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return req.URL, nil
}

// LinkBases are where this bucket's links begin: its public base URL (a
// CDN) if set, and its own S3 addresses, virtual-hosted and path-style
// (presigned links are on those).
func (b *S3) LinkBases() []string {
	bases := []string{strings.TrimSuffix(b.URL("x"), "x"), strings.TrimSuffix(b.directURL("x"), "x")}
	bucket := EscapeKey(b.cfg.Bucket)
	if ep := strings.TrimRight(b.cfg.Endpoint, "/"); ep != "" {
		bases = append(bases, ep+"/"+bucket+"/")
		if u, err := url.Parse(ep); err == nil && u.Host != "" {
			u.Host = b.cfg.Bucket + "." + u.Host
			bases = append(bases, strings.TrimRight(u.String(), "/")+"/")
		}
		return bases
	}
	region := b.Region()
	return append(bases,
		fmt.Sprintf("https://%s.s3.%s.amazonaws.com/", b.cfg.Bucket, region),
		fmt.Sprintf("https://s3.%s.amazonaws.com/%s/", region, bucket),
		fmt.Sprintf("https://%s.s3.amazonaws.com/", b.cfg.Bucket),
		fmt.Sprintf("https://s3.amazonaws.com/%s/", bucket),
		fmt.Sprintf("https://%s.s3-%s.amazonaws.com/", b.cfg.Bucket, region),
	)
}

// URL is key's public link.
func (b *S3) URL(key string) string {
	if base := strings.TrimRight(b.cfg.PublicBaseURL, "/"); base != "" {
		return base + "/" + EscapeKey(key)
	}
	return b.directURL(key)
}

// directURL is key's link on the bucket's own address (not a CDN's).
func (b *S3) directURL(key string) string {
	k := EscapeKey(key)
	if b.cfg.Endpoint != "" {
		ep := strings.TrimRight(b.cfg.Endpoint, "/")
		// An IP address has no subdomains: the SDK addresses the bucket
		// by path there, whatever path_style says, and so do links.
		if u, err := url.Parse(ep); !b.cfg.PathStyle && err == nil && u.Host != "" && net.ParseIP(u.Hostname()) == nil {
			u.Host = b.cfg.Bucket + "." + u.Host
			return strings.TrimRight(u.String(), "/") + "/" + k
		}
		return ep + "/" + EscapeKey(b.cfg.Bucket) + "/" + k
	}
	region := b.Region()
	if strings.Contains(b.cfg.Bucket, ".") || b.cfg.PathStyle { // dotted names break TLS on virtual hosts
		return fmt.Sprintf("https://s3.%s.amazonaws.com/%s/%s", region, b.cfg.Bucket, k)
	}
	return fmt.Sprintf("https://%s.s3.%s.amazonaws.com/%s", b.cfg.Bucket, region, k)
}
