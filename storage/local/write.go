package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/thumbdrop/thumbdrop/internal/atomicfile"
	"github.com/thumbdrop/thumbdrop/storage"
)

// Upload stores body under key, failing with storage.ErrExists if the key
// is taken. Bytes stream to disk (a 1 GB file needs no more memory than a
// photo); under the original prefix, the thumbnail is made before it
// returns.
func (s *Store) Upload(ctx context.Context, key string, body io.ReadSeeker, size int64, opt storage.PutOptions) error {
	dst, err := s.path(key)
	if err != nil {
		return s.opErr("upload", key, err)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return s.opErr("upload", key, err)
	}
	tmp, err := s.writeTemp(ctx, body, opt.Progress)
	if err != nil {
		return s.opErr("upload", key, err)
	}
	defer tmp.Abort() // the key holds a link of its own once published
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return s.opErr("upload", key, err)
	}
	if err := publish(tmp.Name(), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &storage.OpError{Op: "upload", Bucket: s.bucket, Key: key, Kind: storage.ErrExists, Err: err}
		}
		return s.opErr("upload", key, err)
	}
	m := meta{ContentType: opt.ContentType, CacheControl: opt.StoredCacheControl(), Metadata: opt.Metadata}
	if err := s.writeMeta(key, m); err != nil {
		s.opt.Log.Warn("object stored without its metadata", "key", key, "err", err.Error())
	}
	if s.resize != nil {
		s.makeThumbnails(ctx, key)
	}
	return nil
}

// makeThumbnails runs the resize code on a new original, as the Lambda
// would on its event; a transient failure is tried once more.
func (s *Store) makeThumbnails(ctx context.Context, key string) {
	for attempt := 0; attempt < 2; attempt++ {
		_, err := s.resize.Resize(context.WithoutCancel(ctx), s.bucket, key)
		if err == nil {
			return
		}
		s.opt.Log.Warn("resize failed", "key", key, "attempt", attempt+1, "err", err.Error())
	}
}

// writeTemp streams body into a synced file in .tmp (atomicfile: on the
// bucket's file system, so it is renamed or linked into place whole).
func (s *Store) writeTemp(ctx context.Context, body io.Reader, progress func(int64)) (*atomicfile.File, error) {
	f, err := atomicfile.Create(s.tmpDir(), "up-*")
	if err != nil {
		return nil, diskError(err)
	}
	buf := make([]byte, 1<<20)
	var sent int64
	for {
		if err := ctx.Err(); err != nil {
			f.Abort()
			return nil, err
		}
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				f.Abort()
				return nil, diskError(err)
			}
			sent += int64(n)
			if progress != nil {
				progress(sent)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			f.Abort()
			return nil, rerr
		}
	}
	if err := f.Finish(); err != nil {
		f.Abort()
		return nil, diskError(err)
	}
	return f, nil
}

// put writes an object, replacing one of the same key (resize output).
func (s *Store) put(ctx context.Context, key string, body []byte, m meta) error {
	dst, err := s.path(key)
	if err != nil {
		return err
	}
	tmp, err := s.writeTemp(ctx, bytes.NewReader(body), nil)
	if err != nil {
		return err
	}
	if err := s.writeMeta(key, m); err != nil {
		tmp.Abort()
		return err
	}
	return diskError(tmp.Commit(dst))
}

// writeMeta writes what is stored beside an object, whole.
func (s *Store) writeMeta(key string, m meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	f, err := atomicfile.Create(s.tmpDir(), "meta-*")
	if err != nil {
		return diskError(err)
	}
	if _, err := f.Write(b); err != nil {
		f.Abort()
		return diskError(err)
	}
	return diskError(f.Commit(s.metaPath(key)))
}

// Delete removes objects; missing ones are not an error.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		p, err := s.path(k)
		if err != nil {
			continue // no such object can exist
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, s.opErr("delete", k, err))
			continue
		}
		os.Remove(s.metaPath(k))
	}
	return errors.Join(errs...)
}

func diskError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", storage.ErrDiskFull, err)
	}
	return err
}

// publish gives the synced temporary file its key: link(2) does that
// atomically, or fails if the key is taken, so an object is never replaced
// and never seen half-written. Where the file system has no hard links
// (FAT, some network shares), the key is claimed with O_EXCL first and the
// file renamed over the claim: an empty object is briefly in sight.
func publish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	if err == nil || errors.Is(err, fs.ErrExist) || errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			atomicfile.SyncDir(filepath.Dir(dst))
		}
		return err
	}
	claim, cerr := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if cerr != nil {
		return cerr
	}
	claim.Close()
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(dst)
		return err
	}
	atomicfile.SyncDir(filepath.Dir(dst))
	return nil
}
