package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

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
