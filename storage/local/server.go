// Package local is thumbdrop's local mode: an embedded S3-compatible server
// (gofakes3 on disk) on loopback that runs the resize code for every object
// created under the original prefix — the same code the Lambda runs, reached
// through the same S3 API.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"
	"github.com/spf13/afero"

	"github.com/thumbdrop/thumbdrop/resize"
)

// Defaults from the spec.
const (
	DefaultAddr   = "127.0.0.1:8586"
	DefaultBucket = "thumbdrop"
	// Credentials the local server accepts (it checks no signature; the SDK
	// needs some to sign with).
	AccessKey = "thumbdrop-local"
	SecretKey = "thumbdrop-local-secret"
)

// Options configure a local server.
type Options struct {
	Addr    string // listen address; DefaultAddr if empty. "127.0.0.1:0" picks a free port.
	DataDir string // objects live under DataDir/s3
	Bucket  string
	Resize  resize.Config
	Log     *slog.Logger
	// Workers is how many resizes run at once (default 1: like a small
	// Lambda, without starving the uploads of CPU).
	Workers int
}

// Server is a running local S3 endpoint with its resize trigger.
type Server struct {
	opt     Options
	ln      net.Listener
	srv     *http.Server
	jobs    chan string
	wg      sync.WaitGroup
	handler *resize.Handler
	closed  chan struct{}
	once    sync.Once
	pending sync.WaitGroup
}

// Start listens on opt.Addr and serves until Close.
func Start(opt Options) (*Server, error) {
	if opt.Addr == "" {
		opt.Addr = DefaultAddr
	}
	if opt.Bucket == "" {
		opt.Bucket = DefaultBucket
	}
	if opt.Resize.OriginalPrefix == "" {
		opt.Resize = resize.DefaultConfig()
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Workers <= 0 {
		opt.Workers = 1
	}
	if opt.DataDir == "" {
		return nil, errors.New("local server: no data directory")
	}
	root := filepath.Join(opt.DataDir, "s3")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("local server: create %s: %w", root, err)
	}
	fs, err := s3afero.NewBasePathFs(afero.NewOsFs(), root, s3afero.FsPathCreateAll)
	if err != nil {
		return nil, fmt.Errorf("local server: %w", err)
	}
	be, err := s3afero.MultiBucket(fs)
	if err != nil {
		return nil, fmt.Errorf("local server: %w", err)
	}
	if ok, _ := be.BucketExists(opt.Bucket); !ok {
		if err := be.CreateBucket(opt.Bucket); err != nil {
			return nil, fmt.Errorf("local server: create bucket %s: %w", opt.Bucket, err)
		}
	}
	ln, err := net.Listen("tcp", opt.Addr)
	if err != nil {
		return nil, fmt.Errorf("local server: listen on %s: %w", opt.Addr, err)
	}
	s := &Server{opt: opt, ln: ln, jobs: make(chan string, 1024), closed: make(chan struct{})}
	wrapped := &triggerBackend{Backend: be, s: s}
	fake := gofakes3.New(wrapped, gofakes3.WithoutVersioning(), gofakes3.WithTimeSkewLimit(0))
	s.srv = &http.Server{Handler: keepCacheControl(fake.Server()), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)} // gofakes3 writes headers twice on some errors; the noise helps no one
	s.handler = &resize.Handler{S3: Client(s.URL()), Config: opt.Resize, Log: opt.Log}
	for i := 0; i < opt.Workers; i++ {
		s.wg.Add(1)
		go s.worker()
	}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the server's endpoint, e.g. http://127.0.0.1:8586.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Addr is the address it listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Bucket is the name of the bucket it serves.
func (s *Server) Bucket() string { return s.opt.Bucket }

// Idle waits until every queued resize is done (for tests and shutdown).
func (s *Server) Idle() { s.pending.Wait() }

// Close stops serving and waits for running resizes.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
		close(s.closed)
		s.wg.Wait()
	})
	return err
}

func (s *Server) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.closed:
			return
		case key := <-s.jobs:
			s.resize(key)
		}
	}
}

func (s *Server) resize(key string) {
	defer s.pending.Done()
	// Like Lambda's async retries: transient failures are tried again.
	for attempt := 0; attempt < 3; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err := s.handler.Resize(ctx, s.opt.Bucket, key)
		cancel()
		if err == nil {
			return
		}
		s.opt.Log.Warn("resize failed, will retry", "key", key, "err", err.Error())
		select {
		case <-s.closed:
			return
		case <-time.After(time.Duration(attempt+1) * 500 * time.Millisecond):
		}
	}
}

// created is the "S3 event": an object was written.
func (s *Server) created(bucket, key string) {
	if bucket != s.opt.Bucket {
		return
	}
	if _, ok := s.opt.Resize.ThumbKey(key); !ok {
		return
	}
	s.pending.Add(1)
	select {
	case s.jobs <- key:
	case <-s.closed:
		s.pending.Done()
	}
}

// triggerBackend raises an event after each successful write, single PUTs
// and multipart completions alike (gofakes3 assembles parts and then calls
// PutObject).
type triggerBackend struct {
	gofakes3.Backend
	s *Server
}

func (b *triggerBackend) PutObject(bucket, key string, meta map[string]string, in io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	if cc, ok := meta[cacheControlMeta]; ok {
		delete(meta, cacheControlMeta)
		meta["Cache-Control"] = cc
	}
	res, err := b.Backend.PutObject(bucket, key, meta, in, size, cond)
	if err == nil {
		b.s.created(bucket, key)
	}
	return res, err
}

// gofakes3 stores only X-Amz-* and a few Content-* request headers, and
// replays stored metadata as response headers. Carrying Cache-Control in an
// X-Amz- header to the backend, which stores it under its real name, makes
// it come back on GET and HEAD as S3 does.
const cacheControlMeta = "X-Amz-Thumbdrop-Cache-Control"

func keepCacheControl(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut || r.Method == http.MethodPost {
			if cc := r.Header.Get("Cache-Control"); cc != "" {
				r.Header.Set(cacheControlMeta, cc)
			}
		}
		h.ServeHTTP(w, r)
	})
}

// Client is an S3 client for a local server at url.
func Client(url string) *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(url),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// Probe reports whether a thumbdrop local server (or any S3 server holding
// bucket) answers at addr.
func Probe(ctx context.Context, addr, bucket string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := Client("http://"+addr).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	return err == nil
}

// IsAddrInUse reports whether err is "address already in use".
func IsAddrInUse(err error) bool {
	return err != nil && strings.Contains(err.Error(), "address already in use")
}
