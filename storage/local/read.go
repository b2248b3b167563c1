package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Head returns an object's metadata, or storage.ErrNotFound.
func (s *Store) Head(ctx context.Context, key string) (storage.ObjectInfo, error) {
	f, info, err := s.Open(key)
	if err != nil {
		return storage.ObjectInfo{}, s.opErr("head", key, err)
	}
	f.Close()
	return info, nil
}

// Get opens an object for reading.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	f, info, err := s.Open(key)
	if err != nil {
		return nil, storage.ObjectInfo{}, s.opErr("get", key, err)
	}
	return f, info, nil
}

// Open opens an object's file with its metadata: what the agent serves.
// An object stored without metadata (a crash between publishing it and
// writing them, or an earlier version's object) gets its Content-Type
// sniffed from its bytes.
func (s *Store) Open(key string) (*os.File, storage.ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, storage.ObjectInfo{}, fmt.Errorf("%w: %w", storage.ErrNotFound, err)
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, storage.ObjectInfo{}, storage.ErrNotFound
		}
		return nil, storage.ObjectInfo{}, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, storage.ObjectInfo{}, storage.ErrNotFound
	}
	info := storage.ObjectInfo{Key: key, Size: st.Size(), Modified: st.ModTime()}
	var m meta
	if b, err := os.ReadFile(s.metaPath(key)); err == nil {
		json.Unmarshal(b, &m)
	}
	info.ContentType, info.CacheControl, info.Metadata = m.ContentType, m.CacheControl, m.Metadata
	if info.ContentType == "" {
		info.ContentType = sniff(f, key)
	}
	return f, info, nil
}

// sniff names the content type of a file stored without metadata.
func sniff(f *os.File, key string) string {
	head := make([]byte, 512)
	n, _ := f.ReadAt(head, 0)
	if ft := thumbnail.Sniff(head[:n]); ft != "" {
		return ft.ContentType()
	}
	if strings.HasSuffix(key, ".json") || strings.HasSuffix(key, ".refused") {
		return "application/json"
	}
	return http.DetectContentType(head[:n])
}

// Walk calls fn for every object whose key starts with prefix.
func (s *Store) Walk(prefix string, fn func(key string, modified time.Time) error) error {
	return filepath.WalkDir(s.dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
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
		return fn(key, info.ModTime())
	})
}
