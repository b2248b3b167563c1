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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
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
