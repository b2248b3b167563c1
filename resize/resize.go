// Package resize is the resize function shared by the AWS Lambda binary and
// local mode: given a bucket and an original/ key, read the object, make its
// thumbnail and write it under thumb/ with the same name.
//
// It depends only on the image pipeline and the S3 API, so the Lambda
// binary stays small.
package resize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// errGone: the object named in the event no longer exists.
var errGone = errors.New("object is gone")

// Metadata keys written on every thumbnail (S3 user metadata, lower case).
const (
	MetaSourceWidth  = "source-width"
	MetaSourceHeight = "source-height"
	MetaSourceFormat = "source-format"
)

// DefaultCacheControl: keys carry a timestamp and are never rewritten with
// other content, so thumbnails can be cached for good.
const DefaultCacheControl = "public, max-age=31536000, immutable"

// Handler makes thumbnails for objects in a bucket.
type Handler struct {
	Store  Store
	Config Config
	Log    *slog.Logger // nil: slog.Default()
}

// Outcome says what Resize did with one key.
type Outcome struct {
	Key, ThumbKey string
	// Skipped: the key is not under the original prefix (no recursion).
	Skipped bool
	// Failed holds a permanent failure (not an image, corrupt, too large,
	// object gone): logged, not retried.
	Failed error
	Result *thumbnail.Result
}

// ThumbKey maps an original key to its thumbnail key; ok is false for keys
// outside the original prefix.
func (c Config) ThumbKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, c.OriginalPrefix)
	if !ok || rest == "" || strings.HasSuffix(rest, "/") {
		return "", false
	}
	return c.ThumbPrefix + rest, true
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// Resize makes the thumbnail of bucket/key. It returns an error only for
// transient failures (network, throttling, permissions), which the caller
// should retry; permanent ones are logged and reported in Outcome.Failed.
func (h *Handler) Resize(ctx context.Context, bucket, key string) (Outcome, error) {
	out := Outcome{Key: key}
	thumbKey, ok := h.Config.ThumbKey(key)
	if !ok {
		out.Skipped = true
		h.log().Debug("skip: not under the original prefix", "bucket", bucket, "key", key)
		return out, nil
	}
	out.ThumbKey = thumbKey
	opt := h.Config.Thumbnail

	body, size, err := h.Store.Get(ctx, bucket, key)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return h.permanent(ctx, out, bucket, fmt.Errorf("%w: %w", errGone, err))
		}
		return out, err
	}
	defer body.Close()
	// Logged before decoding: if the function dies (out of memory, a
	// timeout), its log still names the key.
	h.log().Info("making thumbnail", "bucket", bucket, "key", key, "bytes", size)
	if n := size; opt.MaxBytes > 0 && n > opt.MaxBytes {
		return h.permanent(ctx, out, bucket, &thumbnail.Error{Kind: thumbnail.KindTooLarge,
			Reason: fmt.Sprintf("%d bytes, limit %d", n, opt.MaxBytes)})
	}
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = thumbnail.DefaultMaxBytes
	}
	data, err := readAll(body, limit)
	if err != nil {
		return out, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	res, err := thumbnail.Make(data, opt)
	if err != nil {
		if thumbnail.IsPermanent(err) {
			return h.permanent(ctx, out, bucket, err)
		}
		return out, fmt.Errorf("thumbnail %s: %w", key, err)
	}
	out.Result = res
	err = h.Store.Put(ctx, bucket, thumbKey, Object{
		Body:         res.Data,
		ContentType:  res.ContentType,
		CacheControl: h.Config.cacheControl(),
		Metadata: map[string]string{
			MetaSourceWidth:  strconv.Itoa(res.SrcWidth),
			MetaSourceHeight: strconv.Itoa(res.SrcHeight),
			MetaSourceFormat: string(res.SrcFormat),
		},
	})
	if err != nil {
		return out, err
	}
	h.log().Info("thumbnail written", "bucket", bucket, "key", key, "thumb_key", thumbKey,
		"source", fmt.Sprintf("%dx%d %s", res.SrcWidth, res.SrcHeight, res.SrcFormat),
		"thumb", fmt.Sprintf("%dx%d %s", res.Width, res.Height, res.Format), "bytes", len(res.Data))
	return out, nil
}

// Refusal is the note the handler writes at <thumb key>.refused when it
// will never make a thumbnail of an original: waiting clients stop at once
// and say why.
type Refusal struct {
	Kind   string `json:"kind"`   // thumbnail.Kind's code: too_many_pixels, corrupt, ...
	Reason string `json:"reason"` // one sentence fragment
}

// permanent records a refusal: logged with the key, a note written beside
// the thumbnail, not retried. Only writing the note can fail (transiently),
// and then the error is returned so the invocation is retried.
func (h *Handler) permanent(ctx context.Context, out Outcome, bucket string, err error) (Outcome, error) {
	out.Failed = err
	h.log().Warn("no thumbnail (permanent, not retried)", "bucket", bucket, "key", out.Key, "reason", err.Error())
	if errors.Is(err, errGone) {
		return out, nil // nothing to explain to: the original is gone
	}
	r := Refusal{Kind: "unknown", Reason: err.Error()}
	var te *thumbnail.Error
	if errors.As(err, &te) {
		r.Kind = te.Kind.Code()
	}
	body, _ := json.Marshal(r)
	if perr := h.Store.Put(ctx, bucket, out.ThumbKey+RefusedSuffix, Object{Body: body,
		ContentType: "application/json", CacheControl: "no-cache"}); perr != nil {
		return out, fmt.Errorf("write the refusal note of %s: %w", out.Key, perr)
	}
	return out, nil
}

// DecodeEventKey decodes an object key as S3 puts it in event notifications:
// URL-encoded, with '+' standing for a space.
func DecodeEventKey(k string) (string, error) {
	s, err := url.QueryUnescape(k)
	if err != nil {
		return "", fmt.Errorf("decode event key %q: %w", k, err)
	}
	return s, nil
}

// HandleS3Event processes every ObjectCreated record of an S3 event. It
// returns an error (so Lambda retries) only if some record failed
// transiently.
func (h *Handler) HandleS3Event(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, r := range ev.Records {
		// AWS writes "ObjectCreated:Put"; some S3-compatible servers
		// (versitygw) prefix it with "s3:".
		if name := strings.TrimPrefix(r.EventName, "s3:"); name != "" && !strings.HasPrefix(name, "ObjectCreated") {
			continue
		}
		raw := r.S3.Object.Key
		key, err := DecodeEventKey(raw)
		if err != nil {
			key = raw // not URL-encoded at all: use it as it is
		}
		out, err := h.Resize(ctx, r.S3.Bucket.Name, key)
		if err == nil && out.Failed != nil && errors.Is(out.Failed, errGone) && key != raw {
			// Some S3-compatible servers send keys unencoded, where '+'
			// is a '+': try the key as it came.
			out, err = h.Resize(ctx, r.S3.Bucket.Name, raw)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RefusedSuffix ends the key of the note written beside a thumbnail the
// handler refused to make: <thumb key>.refused.
const RefusedSuffix = ".refused"
