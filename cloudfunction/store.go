package cloudfunction

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/thumbdrop/thumbdrop/resize"
)

// gcsStore is resize.Store on Cloud Storage.
type gcsStore struct {
	c *storage.Client
}

func newGCSStore(ctx context.Context) (gcsStore, error) {
	var opts []option.ClientOption
	if os.Getenv("STORAGE_EMULATOR_HOST") != "" {
		// Emulators serve the JSON API; the client reads through the XML
		// one unless told.
		opts = append(opts, storage.WithJSONReads())
	}
	c, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return gcsStore{}, fmt.Errorf("Cloud Storage client: %w", err)
	}
	// A few tries within the invocation, then an error: the event is
	// delivered again later rather than the instance retrying for as
	// long as its timeout.
	c.SetRetry(storage.WithMaxAttempts(4), storage.WithPolicy(storage.RetryAlways))
	return gcsStore{c}, nil
}

func (s gcsStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	r, err := s.c.Bucket(bucket).Object(key).NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, 0, fmt.Errorf("gs://%s/%s: %w", bucket, key, resize.ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read gs://%s/%s: %w", bucket, key, err)
	}
	return r, r.Attrs.Size, nil
}

func (s gcsStore) Put(ctx context.Context, bucket, key string, o resize.Object) error {
	w := s.c.Bucket(bucket).Object(key).NewWriter(ctx)
	w.ContentType, w.CacheControl, w.Metadata = o.ContentType, o.CacheControl, o.Metadata
	// One request, retried on transient errors: a buffer the size of the
	// body (rounded up to the library's 256 KiB). ChunkSize 0 would also
	// be one request, but one the library never retries.
	const unit = 256 << 10
	w.ChunkSize = max(unit, (len(o.Body)+unit-1)/unit*unit)
	if _, err := w.Write(o.Body); err != nil {
		w.Close()
		return fmt.Errorf("write gs://%s/%s: %w", bucket, key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write gs://%s/%s: %w", bucket, key, err)
	}
	return nil
}
