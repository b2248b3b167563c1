package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Quirk is a way an endpoint differs from AWS S3, met by Probe, with what
// it means for thumbdrop.
type Quirk struct {
	// Name: path-style, checksums, acl, accept-encoding.
	Name string
	// Fix is false when thumbdrop already copes and the finding is for
	// information; true when a setting must change.
	Fix    bool
	Detail string
}

// Probe tries what S3-compatible servers are known to do differently,
// each with a request of its own (objects are written under keys from
// key, and returned for the caller to clean up once the resize function
// has seen them): addressing, the checksum headers newer AWS SDKs send,
// ACL headers, and whether a signed Accept-Encoding survives the trip.
// Only for endpoints other than AWS; body is a small image.
func (b *S3) Probe(ctx context.Context, key func(name string) string, body []byte) (quirks []Quirk, written []string) {
	if b.cfg.Endpoint == "" {
		return nil, nil
	}
	base, _ := b.clients()
	variant := func(f func(*s3.Options)) *s3.Client {
		return s3.NewFromConfig(b.awsCfg, func(o *s3.Options) {
			o.Region = b.Region()
			o.UsePathStyle = b.cfg.PathStyle
			o.BaseEndpoint = aws.String(b.cfg.Endpoint)
			o.RetryMaxAttempts = 1
			f(o)
		})
	}
	list := func(c *s3.Client) error {
		_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &b.cfg.Bucket, MaxKeys: aws.Int32(1)})
		return err
	}
	put := func(c *s3.Client, name string, in func(*s3.PutObjectInput)) error {
		k := key(name)
		p := &s3.PutObjectInput{Bucket: &b.cfg.Bucket, Key: aws.String(k), Body: bytes.NewReader(body), ContentType: aws.String("image/png")}
		if in != nil {
			in(p)
		}
		_, err := c.PutObject(ctx, p)
		if err == nil {
			written = append(written, k)
		}
		return err
	}

	// Addressing: the other style than configured.
	other := variant(func(o *s3.Options) { unsignedAcceptEncoding(o); o.UsePathStyle = !b.cfg.PathStyle })
	okNow, okOther := list(base) == nil, list(other) == nil
	switch {
	case !okNow && okOther && !b.cfg.PathStyle:
		quirks = append(quirks, Quirk{"path-style", true, "the bucket answers only at endpoint/bucket: set path_style true"})
	case !okNow && okOther:
		quirks = append(quirks, Quirk{"path-style", true, "the bucket answers only at bucket.endpoint: set path_style false"})
	case okNow && !okOther && b.cfg.PathStyle:
		quirks = append(quirks, Quirk{"path-style", false, "needs path-style addressing (endpoint/bucket), as set"})
	}
	if !okNow {
		// Nothing answers (the bucket check says why), or only the other
		// addressing does: that is to fix first, and the other probes
		// would only meet it again.
		return quirks, written
	}

	// Checksums: what the SDK sends to AWS by default (a CRC32 trailer in
	// an aws-chunked body).
	full := variant(func(o *s3.Options) {
		unsignedAcceptEncoding(o)
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
	})
	if code, ok := refusal(put(full, "checksums", nil)); ok {
		quirks = append(quirks, Quirk{"checksums", false, fmt.Sprintf("refuses the checksum headers newer AWS SDKs send (%s); thumbdrop sends them only where the protocol requires", code)})
	}

	// ACLs: thumbdrop sends none, but a bucket that refuses them cannot
	// be made public per object.
	if code, ok := refusal(put(base, "acl", func(p *s3.PutObjectInput) { p.ACL = types.ObjectCannedACLPrivate })); ok {
		quirks = append(quirks, Quirk{"acl", false, fmt.Sprintf("refuses ACL headers (%s); thumbdrop sends none: for public links, allow public reads with a bucket policy", code)})
	}

	// Signatures: the SDK signs Accept-Encoding, which some front ends
	// rewrite (Google's).
	signed := variant(func(o *s3.Options) {})
	if err := put(signed, "signing", nil); err != nil && apiCode(err) == "SignatureDoesNotMatch" {
		if put(base, "signing-unsigned", nil) == nil {
			quirks = append(quirks, Quirk{"accept-encoding", false, "rewrites Accept-Encoding before checking signatures (as Cloud Storage's front end does); thumbdrop leaves that header unsigned"})
		}
	}
	return quirks, written
}

// authError: the keys or permissions were refused, which says nothing
// about the header tried.
func authError(err error) bool {
	c := classify("probe", "", "", err)
	return errors.Is(c, ErrBadCredentials) || errors.Is(c, ErrAccessDenied) && apiCode(err) != "AccessControlListNotSupported"
}

// refusal says whether a probe's request was refused for what it tried:
// an error the server answered with a code and a 4xx status, other than
// refused keys or permissions. A timeout, a reset or a 5xx says nothing
// about the header tried, so no quirk is reported for it.
func refusal(err error) (code string, ok bool) {
	if err == nil || authError(err) {
		return "", false
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() < 400 || re.HTTPStatusCode() > 499 {
		return "", false
	}
	code = apiCode(err)
	return code, code != ""
}

// apiCode is the error code the server answered with ("" if none).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
