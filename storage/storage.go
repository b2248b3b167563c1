// Package storage is thumbdrop's bucket abstraction: S3 (AWS or any
// S3-compatible service) through aws-sdk-go-v2, the credentials kept in the
// OS keyring, and (in storage/local) the embedded server of local mode.
package storage

import (
	"context"
	"io"
	"time"
)

// Bucket is what the app needs of a bucket.
type Bucket interface {
	// Upload stores body under key. It fails with ErrExists when the key is
	// taken: an upload never replaces an object.
	Upload(ctx context.Context, key string, body io.ReadSeeker, size int64, opt PutOptions) error
	// Head returns an object's metadata, or ErrNotFound.
	Head(ctx context.Context, key string) (ObjectInfo, error)
	// Get opens an object for reading.
	Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// Delete removes objects; missing ones are not an error.
	Delete(ctx context.Context, keys ...string) error
	// URL is the public link of key (it works when the bucket allows
	// public reads, or through a CDN base URL).
	URL(key string) string
	// Presign returns a GET link valid for ttl.
	Presign(ctx context.Context, key string, ttl time.Duration) (string, error)
	// Check verifies the bucket exists and the credentials work.
	Check(ctx context.Context) error
	// Name is the bucket's name.
	Name() string
}

// PutOptions are the headers stored with an object.
type PutOptions struct {
	ContentType  string
	CacheControl string
	Metadata     map[string]string
	// Progress, if set, is called with the bytes sent so far (it may go
	// down when a request is retried).
	Progress func(sent int64)
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ContentType  string
	CacheControl string
	Metadata     map[string]string
	Modified     time.Time
}
