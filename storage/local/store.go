// Package local is local mode's bucket: objects are plain files in the data
// folder, written straight to disk by the thumbdrop process that uploads
// them, which then runs the resize code on them at once — the same code the
// Lambda runs. The agent (package agent) serves them read-only over HTTP.
//
// Layout under <data>/objects:
//
//	<bucket>/<key>          the object's bytes, under its key
//	.meta/<xx>/<sha256>     its Content-Type, Cache-Control and metadata
//	.tmp/                   uploads being written
//
// A write streams into .tmp, is synced, then published under its key
// without ever replacing an existing object (link(2) fails if the name is
// taken), so a crash leaves nothing half-written in sight, and two uploads
// of the same key cannot both win.
package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/flock"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// DefaultBucket is local mode's bucket name (it appears in links).
const DefaultBucket = "thumbdrop"

// tmpMaxAge: files in .tmp older than this belong to uploads that were
// killed; they are removed when a store opens.
const tmpMaxAge = time.Hour

// Options configure a Store.
type Options struct {
	// BaseURL is where the agent serves the bucket, e.g.
	// http://127.0.0.1:8586; links are BaseURL/<bucket>/<key>.
	BaseURL string
	// Resize, if set, makes thumbnails for every object uploaded under its
	// original prefix, before Upload returns.
	Resize *resize.Config
	Log    *slog.Logger
}

// Store is a bucket in the data folder.
type Store struct {
	root   string // <data>/objects
	bucket string
	opt    Options
	resize *resize.Handler
}

// Open opens (creating if need be) the bucket under dataDir/objects.
func Open(dataDir, bucket string, opt Options) (*Store, error) {
	if bucket == "" {
		bucket = DefaultBucket
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	s := &Store{root: filepath.Join(dataDir, "objects"), bucket: bucket, opt: opt}
	for _, d := range []string{s.dir(), filepath.Join(s.root, ".meta"), s.tmpDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("local bucket: %w", err)
		}
	}
	if err := migrateGofakes3(dataDir, s); err != nil {
		opt.Log.Warn("could not move objects of an earlier version", "err", err.Error())
	}
	s.sweepTmp()
	if opt.Resize != nil {
		s.resize = &resize.Handler{Store: resizeStore{s}, Config: *opt.Resize, Log: opt.Log}
	}
	return s, nil
}

// With is a view of the same bucket with other options (where links
// point, what thumbnails are made): the files are the same, so one
// process opens its bucket once.
func (s *Store) With(opt Options) *Store {
	v := *s
	if opt.Log == nil {
		opt.Log = s.opt.Log
	}
	v.opt, v.resize = opt, nil
	if opt.Resize != nil {
		v.resize = &resize.Handler{Store: resizeStore{&v}, Config: *opt.Resize, Log: opt.Log}
	}
	return &v
}

func (s *Store) dir() string    { return filepath.Join(s.root, s.bucket) }
func (s *Store) tmpDir() string { return filepath.Join(s.root, ".tmp") }

// Root is the folder holding the bucket's objects.
func (s *Store) Root() string { return s.dir() }

// Name is the bucket's name.
func (s *Store) Name() string { return s.bucket }

// path maps a key to its file, refusing keys that could leave the bucket.
func (s *Store) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsRune(key, 0) || strings.Contains(key, `\`) {
		return "", fmt.Errorf("%q: %w", key, errBadKey)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%q: %w", key, errBadKey)
		}
		if len(seg) > 255 {
			return "", fmt.Errorf("%q: a name in it is longer than the 255 bytes a file name can have: %w", key, errBadKey)
		}
	}
	return filepath.Join(s.dir(), filepath.FromSlash(key)), nil
}

var errBadKey = errors.New("not a key the local bucket can store")

func (s *Store) metaPath(key string) string {
	h := sha256.Sum256([]byte(s.bucket + "/" + key))
	x := hex.EncodeToString(h[:])
	return filepath.Join(s.root, ".meta", x[:2], x)
}

// meta is what is stored beside an object.
type meta struct {
	ContentType  string            `json:"content_type,omitempty"`
	CacheControl string            `json:"cache_control,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
}

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
	defer os.Remove(tmp)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return s.opErr("upload", key, err)
	}
	if err := publish(tmp, dst); err != nil {
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

// writeTemp streams body into a synced file in .tmp and returns its path.
func (s *Store) writeTemp(ctx context.Context, body io.Reader, progress func(int64)) (string, error) {
	f, err := os.CreateTemp(s.tmpDir(), "up-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", err
	}
	buf := make([]byte, 1<<20)
	var sent int64
	for {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return fail(diskError(err))
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
			return fail(rerr)
		}
	}
	if err := f.Sync(); err != nil {
		return fail(diskError(err))
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", diskError(err)
	}
	return name, nil
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
	defer os.Remove(tmp)
	if err := s.writeMeta(key, m); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

func (s *Store) writeMeta(key string, m meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	p := s.metaPath(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmpDir(), "meta-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), p)
}

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

// URL is the link the agent serves key under.
func (s *Store) URL(key string) string {
	return strings.TrimRight(s.opt.BaseURL, "/") + "/" + storage.EscapeKey(s.bucket) + "/" + storage.EscapeKey(key)
}

// LinkBases are where local links begin, on each name of the loopback.
func (s *Store) LinkBases() []string {
	return storage.LoopbackBases(strings.TrimRight(s.opt.BaseURL, "/") + "/" + storage.EscapeKey(s.bucket) + "/")
}

// Presign returns the plain link: local links need no signature.
func (s *Store) Presign(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return s.URL(key), nil
}

// Check confirms the bucket folder is writable.
func (s *Store) Check(ctx context.Context) error {
	f, err := os.CreateTemp(s.tmpDir(), "check-*")
	if err != nil {
		return s.opErr("check", "", err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
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

// sweepTmp removes what killed uploads left in .tmp.
func (s *Store) sweepTmp() {
	entries, err := os.ReadDir(s.tmpDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > tmpMaxAge {
			os.Remove(filepath.Join(s.tmpDir(), e.Name()))
		}
	}
}

func (s *Store) opErr(op, key string, err error) error {
	e := &storage.OpError{Op: op, Bucket: s.bucket, Key: key, Err: err}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		e.Kind = storage.ErrNotFound
	case errors.Is(err, storage.ErrDiskFull):
		e.Kind, e.Hint = storage.ErrDiskFull, "free some space in "+s.root
	case errors.Is(err, fs.ErrPermission):
		e.Kind, e.Hint = storage.ErrAccessDenied, "thumbdrop cannot write to "+s.root
	}
	return e
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
			syncDir(filepath.Dir(dst))
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
	syncDir(filepath.Dir(dst))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

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
