package local

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/thumbdrop/thumbdrop/storage"
)

// List calls fn for every object whose key begins with prefix, in key
// order (ListAfter from the start).
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.ObjectInfo) error) error {
	return s.ListAfter(ctx, prefix, "", fn, nil)
}

// ListAfter calls fn for every object whose key begins with prefix and
// sorts after after ("" for all), in key order as S3 lists them: a
// folder at a time, its entries sorted, so memory holds one folder's
// names. An error from fn stops the listing and is returned.
func (s *Store) ListAfter(ctx context.Context, prefix, after string, fn func(storage.ObjectInfo) error, pages func()) error {
	root, rel := s.dir(), ""
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		if _, err := s.path(prefix[:i]); err != nil {
			return nil // no object can have such a key
		}
		rel = prefix[:i+1]
		root = filepath.Join(root, filepath.FromSlash(prefix[:i]))
	}
	return s.listDir(ctx, root, rel, prefix, after, fn, pages)
}

// listDir lists the folder dir, whose keys begin with rel, in key order.
// A folder's key order is that of its names with a "/" after folders'.
func (s *Store) listDir(ctx context.Context, dir, rel, prefix, after string, fn func(storage.ObjectInfo) error, pages func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // gone meanwhile, or never there
	}
	if err != nil {
		// Unreadable is not empty: a sync would take its objects for
		// deleted, a backfill for missing.
		return s.opErr("list", rel, err)
	}
	if pages != nil {
		pages()
	}
	type entry struct {
		key string
		e   fs.DirEntry
	}
	var list []entry
	for _, e := range entries {
		k := rel + e.Name()
		if e.IsDir() {
			k += "/"
		}
		list = append(list, entry{k, e})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].key < list[j].key })
	for _, it := range list {
		k := it.key
		switch {
		case it.e.IsDir():
			// Skip a folder whose keys all sort before after, or none
			// of which begin with prefix.
			if (after != "" && k < after && !strings.HasPrefix(after, k)) ||
				(!strings.HasPrefix(k, prefix) && !strings.HasPrefix(prefix, k)) {
				continue
			}
			if err := s.listDir(ctx, filepath.Join(dir, it.e.Name()), k, prefix, after, fn, nil); err != nil {
				return err
			}
		case it.e.Type().IsRegular():
			if !strings.HasPrefix(k, prefix) || k <= after {
				continue
			}
			info, err := it.e.Info()
			if err != nil {
				continue
			}
			if err := fn(storage.ObjectInfo{Key: k, Size: info.Size(), Modified: info.ModTime()}); err != nil {
				return err
			}
		}
	}
	return nil
}
