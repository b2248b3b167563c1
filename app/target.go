package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

// Target is an open bucket, with the local server this process started,
// if any.
type Target struct {
	Bucket storage.Bucket
	// ID identifies the bucket in the history ("local", or
	// "s3:<endpoint>/<bucket>").
	ID     string
	server *local.Server
	// Region is the region in use (corrected by Check where it differed).
	Region string
}

// Close stops the in-process local server, if this process started one.
func (t *Target) Close() error {
	if t.server != nil {
		return t.server.Close()
	}
	return nil
}

// StartedServer reports whether this process runs the local server.
func (t *Target) StartedServer() bool { return t.server != nil }

// OpenOptions adjust OpenTarget.
type OpenOptions struct {
	Keyring storage.Keyring
	Log     *slog.Logger
}

// LocalResizeConfig is the resize configuration local mode runs with.
func LocalResizeConfig(c Config) resize.Config {
	rc := resize.DefaultConfig()
	rc.OriginalPrefix, rc.ThumbPrefix = c.OriginalPrefix, c.ThumbPrefix
	if c.ThumbMaxSize > 0 {
		rc.Thumbnail.MaxSize = c.ThumbMaxSize
	}
	return rc
}

// StartLocalServer starts the local-mode server on c.LocalAddr.
func StartLocalServer(c Config, d Dirs, log *slog.Logger) (*local.Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return local.Start(local.Options{Addr: c.LocalAddr, DataDir: d.Data, Bucket: local.DefaultBucket,
		Resize: LocalResizeConfig(c), Log: log})
}

// OpenTarget opens the configured bucket. In local mode it uses a server
// already listening on local_addr (e.g. 'thumbdrop serve') or starts one in
// this process.
func OpenTarget(ctx context.Context, c Config, d Dirs, o OpenOptions) (*Target, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Target {
	case TargetLocal:
		t := &Target{ID: TargetLocal, Region: "us-east-1"}
		if !local.Probe(ctx, c.LocalAddr, local.DefaultBucket) {
			srv, err := StartLocalServer(c, d, o.Log)
			if local.IsAddrInUse(err) {
				return nil, fmt.Errorf("another program uses %s, so the local server cannot start there; "+
					"stop it or pick another address with 'thumbdrop config set local_addr 127.0.0.1:PORT'", c.LocalAddr)
			}
			if err != nil {
				return nil, err
			}
			t.server = srv
		}
		b, err := storage.OpenS3(ctx, storage.S3Config{
			Bucket: local.DefaultBucket, Endpoint: "http://" + c.LocalAddr, PathStyle: true,
			Credentials: staticLocal(),
		})
		if err != nil {
			t.Close()
			return nil, err
		}
		t.Bucket = b
		return t, nil
	case TargetS3:
		sc := storage.S3Config{Bucket: c.Bucket, Region: c.Region, Endpoint: c.Endpoint,
			PathStyle: c.PathStyle, PublicBaseURL: c.PublicBaseURL}
		if c.Credentials == CredsKeyring {
			if _, err := o.Keyring.Load(); err != nil {
				return nil, err
			}
			sc.Credentials = o.Keyring.Provider()
		}
		b, err := storage.OpenS3(ctx, sc)
		if err != nil {
			return nil, err
		}
		return &Target{Bucket: b, ID: "s3:" + c.Endpoint + "/" + c.Bucket, Region: b.Region()}, nil
	}
	return nil, fmt.Errorf("unknown target %q", c.Target)
}

// CheckReport says, item by item, what works with the configured bucket:
// what "Test connection" shows.
type CheckReport struct {
	Credentials, Bucket, Put, Resize CheckItem
}

// CheckItem is one line of a CheckReport.
type CheckItem struct {
	OK     bool
	Detail string
}

// Items lists the report's lines with their labels.
func (r CheckReport) Items() []struct {
	Label string
	CheckItem
} {
	return []struct {
		Label string
		CheckItem
	}{{"Credentials", r.Credentials}, {"Bucket", r.Bucket}, {"Upload permission", r.Put}, {"Resize function", r.Resize}}
}

// Check tests the target: credentials and bucket, a put of a tiny image,
// and whether a resize function answers within wait; it deletes what it
// wrote.
func Check(ctx context.Context, c Config, t *Target, wait time.Duration) CheckReport {
	var r CheckReport
	err := t.Bucket.Check(ctx)
	switch {
	case err == nil:
		r.Credentials = CheckItem{true, "accepted"}
		r.Bucket = CheckItem{true, fmt.Sprintf("%s is reachable", t.Bucket.Name())}
	case errors.Is(err, storage.ErrBadCredentials) || errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring):
		r.Credentials = CheckItem{false, err.Error()}
		r.Bucket = CheckItem{false, "not checked"}
	default:
		r.Credentials = CheckItem{!errors.Is(err, storage.ErrUnreachable), "not refused"}
		r.Bucket = CheckItem{false, err.Error()}
	}
	if !r.Bucket.OK {
		r.Put, r.Resize = CheckItem{false, "not checked"}, CheckItem{false, "not checked"}
		return r
	}
	key := OriginalKey(c.OriginalPrefix, time.Now(), "thumbdrop-connection-test.png")
	png := testPNG()
	if err := t.Bucket.Upload(ctx, key, bytesReader(png), int64(len(png)), storage.PutOptions{ContentType: "image/png"}); err != nil {
		r.Put = CheckItem{false, err.Error()}
		r.Resize = CheckItem{false, "not checked"}
		return r
	}
	r.Put = CheckItem{true, "can upload under " + c.OriginalPrefix}
	thumbKey, _ := ThumbKey(c, key)
	if _, err := WaitThumb(ctx, t.Bucket, thumbKey, wait); err == nil {
		r.Resize = CheckItem{true, "made a thumbnail under " + c.ThumbPrefix}
	} else {
		r.Resize = CheckItem{false, err.Error()}
	}
	t.Bucket.Delete(context.WithoutCancel(ctx), key, thumbKey)
	return r
}
