package local

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/thumbdrop/thumbdrop/internal/flock"
)

// migrateGofakes3 moves the objects an earlier thumbdrop kept in its
// embedded S3 server's folder (<data>/s3/buckets/<bucket>) into the store,
// once, so their links keep working. Their metadata is sniffed again.
func migrateGofakes3(dataDir string, s *Store) error {
	old := filepath.Join(dataDir, "s3", "buckets", s.bucket)
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	l, err := flock.Wait(filepath.Join(s.root, ".migrate.lock"))
	if err != nil {
		return err
	}
	defer l.Unlock()
	err = filepath.WalkDir(old, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(old, p)
		dst := filepath.Join(s.dir(), rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if err := os.Link(p, dst); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(dataDir, "s3"))
}
