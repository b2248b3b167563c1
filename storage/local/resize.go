package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// resizeStore lets the resize handler read and write the store.
type resizeStore struct{ s *Store }

func (r resizeStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	f, info, err := r.s.Open(key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, 0, fmt.Errorf("%s: %w", key, resize.ErrNotFound)
	}
	if err != nil {
		return nil, 0, err
	}
	return f, info.Size, nil
}

func (r resizeStore) Put(ctx context.Context, bucket, key string, o resize.Object) error {
	return r.s.put(ctx, key, o.Body, meta{ContentType: o.ContentType, CacheControl: o.CacheControl, Metadata: o.Metadata})
}

// Recover makes the thumbnails that uploads killed between storing an
// original and resizing it never made: every original under prefix older
// than minAge with neither a thumbnail nor a refusal note is resized now.
// It returns how many it made.
func (s *Store) Recover(ctx context.Context, prefix string, minAge time.Duration) (int, error) {
	if s.resize == nil {
		return 0, errors.New("local bucket: opened without a resize configuration")
	}
	n := 0
	err := s.Walk(prefix, func(key string, modified time.Time) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Since(modified) < minAge {
			return nil
		}
		tk, ok := s.resize.Config.ThumbKey(key)
		if !ok {
			return nil
		}
		for _, k := range []string{tk, tk + resize.RefusedSuffix} {
			if p, err := s.path(k); err == nil {
				if _, err := os.Stat(p); err == nil {
					return nil
				}
			}
		}
		s.makeThumbnails(ctx, key)
		n++
		return nil
	})
	return n, err
}

// ResizeStore lets the resize code read and write the store, as local
// mode's uploads do (a Put replaces: a thumbnail made again).
func (s *Store) ResizeStore() resize.Store { return resizeStore{s} }
