package local

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/thumbdrop/thumbdrop/storage"
)

// List calls fn for every object whose key begins with prefix (Key, Size
// and Modified; Head for the rest). An error from fn stops the listing
// and is returned.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error {
	// Only the folder the prefix names is walked.
	root := s.dir()
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		if _, err := s.path(prefix[:i]); err != nil {
			return nil // no object can have such a key
		}
		root = filepath.Join(root, filepath.FromSlash(prefix[:i]))
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir(), p)
		if err != nil {
			return nil
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		return fn(storage.ObjectInfo{Key: key, Size: info.Size(), Modified: info.ModTime()})
	})
}
