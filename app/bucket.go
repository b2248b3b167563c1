package app

import (
	"context"
	"io"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
)

// Bucket is what the core needs of a bucket, the seam between the core
// and package storage (whose types it speaks). storage.S3 (AWS and
// S3-compatible services) and local.Store (local mode) are the real ones;
// apptest.Bucket is an in-memory one for the fast tests. Front ends never
// see one: the core's own API speaks the core's types.
type Bucket interface {
	// Upload stores body under key, failing with storage.ErrExists when
	// the key is taken: an upload never replaces an object.
	Upload(ctx context.Context, key string, body io.ReadSeeker, size int64, opt storage.PutOptions) error
	// Head returns an object's metadata, or storage.ErrNotFound.
	Head(ctx context.Context, key string) (storage.ObjectInfo, error)
	// Get opens an object for reading.
	Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error)
	// Delete removes objects; missing ones are not an error.
	Delete(ctx context.Context, keys ...string) error
	// URL is the public link of key.
	URL(key string) string
	// LinkBases are where the bucket's links begin (its public base, its
	// own addresses): a link elsewhere is not the bucket's.
	LinkBases() []string
	// Presign returns a GET link valid for ttl.
	Presign(ctx context.Context, key string, ttl time.Duration) (string, error)
	// Check verifies the bucket exists and the credentials work.
	Check(ctx context.Context) error
	// Name is the bucket's name.
	Name() string
}
