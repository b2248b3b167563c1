package resize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Store is what the handler needs of a bucket: read an original, write
// what is made from it. S3Store adapts the S3 API (Lambda); local mode's
// store and the Cloud Function's Cloud Storage adapter implement it too.
type Store interface {
	// Get opens an object; ErrNotFound if there is none.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error)
	// Put writes an object, replacing any of the same key (processing the
	// same original twice writes the same bytes).
	Put(ctx context.Context, bucket, key string, o Object) error
}

// Object is an object to write.
type Object struct {
	Body         []byte
	ContentType  string
	CacheControl string
	Metadata     map[string]string
}

// ErrNotFound: no object has that key.
var ErrNotFound = errors.New("no such object")

// S3API is the part of the S3 client S3Store uses.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// S3Store is a Store over the S3 API.
type S3Store struct{ Client S3API }

// Get implements Store.
func (s S3Store) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	out, err := s.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) || apiCode(err) == "NotFound" || apiCode(err) == "NoSuchKey" {
			return nil, 0, fmt.Errorf("get s3://%s/%s: %w", bucket, key, ErrNotFound)
		}
		return nil, 0, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// Put implements Store.
func (s S3Store) Put(ctx context.Context, bucket, key string, o Object) error {
	in := &s3.PutObjectInput{
		Bucket:        &bucket,
		Key:           &key,
		Body:          bytes.NewReader(o.Body),
		ContentLength: aws.Int64(int64(len(o.Body))),
		ContentType:   aws.String(o.ContentType),
		Metadata:      o.Metadata,
	}
	if o.CacheControl != "" {
		in.CacheControl = aws.String(o.CacheControl)
	}
	if _, err := s.Client.PutObject(ctx, in); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// readAll reads at most limit bytes of r; more is an error the caller
// turns into a refusal.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit+1))
}
