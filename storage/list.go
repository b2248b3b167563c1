package storage

import (
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/resize"
)

// List calls fn for every object whose key begins with prefix, in key
// order (ListAfter from the start).
func (b *S3) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	return b.ListAfter(ctx, prefix, "", fn, nil)
}

// ListAfter calls fn for every object whose key begins with prefix and
// sorts after after ("" for all), in key order, a page (1000 keys) at a
// time: Key, Size and Modified are known, not the Content-Type or
// metadata (Head them). An error from fn stops the listing and is
// returned. pages, if set, is told of each page asked for.
func (b *S3) ListAfter(ctx context.Context, prefix, after string, fn func(ObjectInfo) error, pages func()) error {
	in := &s3.ListObjectsV2Input{Bucket: &b.cfg.Bucket, Prefix: aws.String(prefix)}
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	for {
		var out *s3.ListObjectsV2Output
		err := b.inRegion(func() (err error) {
			c, _ := b.clients()
			out, err = c.ListObjectsV2(ctx, in)
			return err
		})
		if pages != nil {
			pages()
		}
		if err != nil {
			return b.classify("list", prefix, err)
		}
		for _, o := range out.Contents {
			if err := fn(ObjectInfo{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified)}); err != nil {
				return err
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// ResizeStore lets the resize code read and write this bucket as the
// Lambda does (a Put replaces what is there: a thumbnail made again).
func (b *S3) ResizeStore() resize.Store { return s3ResizeStore{b} }

type s3ResizeStore struct{ b *S3 }

func (s s3ResizeStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	return resize.S3Store{Client: s.b.Client()}.Get(ctx, bucket, key)
}

func (s s3ResizeStore) Put(ctx context.Context, bucket, key string, o resize.Object) error {
	return resize.S3Store{Client: s.b.Client()}.Put(ctx, bucket, key, o)
}
