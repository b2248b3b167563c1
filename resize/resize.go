// Package resize is the resize function shared by the AWS Lambda binary and
// local mode: given a bucket and an original/ key, read the object, make its
// thumbnail and write it under thumb/ with the same name; with extra widths
// and WebP configured, also thumb/<width>w/<name> and the .webp twins, all
// from one decode. The thumbnail is written last: once it exists, so does
// every copy it lists in its metadata.
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

// Metadata keys written on every object the function makes (S3 user
// metadata, lower case).
const (
	MetaSourceWidth  = "source-width"
	MetaSourceHeight = "source-height"
	MetaSourceFormat = "source-format"
	MetaWidth        = "width" // the object's own size
	MetaHeight       = "height"
)

// Metadata keys written on the thumbnail only: what the function made, and
// what it is configured to make (so a client can check its settings).
const (
	// MetaVariants lists the copies made, as <width>x<height> joined by
	// commas ("640x427,1280x853"): thumb/<width>w/<name> each.
	MetaVariants = "variants"
	// MetaWebP is "true" when the function makes .webp twins: every
	// object made has one but those MetaNoTwin names.
	MetaWebP = "webp"
	// MetaNoTwin lists the widths (0: the thumbnail) whose WebP twin could
	// not be made (taller than a WebP frame can be), joined by commas;
	// absent when none is missing.
	MetaNoTwin = "no-twin"
	// MetaWidths is the function's EXTRA_WIDTHS ("640,1280"), made or not.
	MetaWidths = "widths"
	// MetaMaxSize is the function's THUMB_MAX_SIZE.
	MetaMaxSize = "max-size"
)

// VariantKey is the key of the copy of thumbKey at a width:
// thumb/<width>w/<name>.
func (c Config) VariantKey(thumbKey string, width int) string {
	rest := strings.TrimPrefix(thumbKey, c.ThumbPrefix)
	return c.ThumbPrefix + strconv.Itoa(width) + "w/" + rest
}

// WebPSuffix ends the key of an object's WebP twin.
const WebPSuffix = ".webp"

// DefaultCacheControl is written on every object thumbdrop and the
// function store (originals, thumbnails, copies, twins): keys carry a
// timestamp and are never reused, so browsers and CDNs may keep them for
// good.
const DefaultCacheControl = "public, max-age=31536000, immutable"

// RefusalCacheControl is the one exception: a refusal note is not an
// image anyone links to but a state, replaced by the thumbnail itself when
// a later run (a backfill with raised limits) can make it.
const RefusalCacheControl = "no-cache"

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
	// Made lists the copies written besides the thumbnail, as
	// <width>x<height>; WebP, whether each has its WebP twin.
	Made []string
	WebP bool
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
	pieces, err := thumbnail.MakeSet(data, opt)
	var te *thumbnail.Error
	if errors.As(err, &te) && te.Kind == thumbnail.KindTooMuchMemory && (len(opt.Widths) > 0 || opt.WebP) {
		// The copies need a larger decode than the function can hold:
		// the thumbnail alone still helps.
		h.log().Warn("no copies: too large a decode; making the thumbnail alone", "key", key, "reason", err.Error())
		opt.Widths, opt.WebP = nil, false
		pieces, err = thumbnail.MakeSet(data, opt)
	}
	if err != nil {
		if thumbnail.IsPermanent(err) {
			return h.permanent(ctx, out, bucket, err)
		}
		return out, fmt.Errorf("thumbnail %s: %w", key, err)
	}
	thumb := pieces[0]
	out.Result = thumb.Result
	// Copies and twins first, the thumbnail last with the list: a client
	// waiting for the thumbnail finds every object it names.
	var made []string
	twins := map[int]bool{}
	for _, p := range pieces {
		if p.WebP {
			twins[p.Width] = true
		}
	}
	var noTwin []int
	if opt.WebP {
		for _, p := range pieces {
			if !p.WebP && !twins[p.Width] {
				noTwin = append(noTwin, p.Width)
			}
		}
	}
	for _, p := range pieces[1:] {
		k := thumbKey
		if p.Width > 0 {
			k = h.Config.VariantKey(thumbKey, p.Width)
			if !p.WebP {
				made = append(made, fmt.Sprintf("%dx%d", p.Result.Width, p.Result.Height))
			}
		}
		if p.WebP {
			k += WebPSuffix
		}
		if err := h.Store.Put(ctx, bucket, k, h.object(p.Result)); err != nil {
			return out, err
		}
	}
	o := h.object(thumb.Result)
	o.Metadata[MetaVariants] = strings.Join(made, ",")
	o.Metadata[MetaWebP] = strconv.FormatBool(opt.WebP)
	if len(noTwin) > 0 {
		o.Metadata[MetaNoTwin] = joinInts(noTwin)
	}
	o.Metadata[MetaWidths] = joinInts(h.Config.Thumbnail.Widths)
	o.Metadata[MetaMaxSize] = strconv.Itoa(opt.MaxSize)
	if err := h.Store.Put(ctx, bucket, thumbKey, o); err != nil {
		return out, err
	}
	out.Made, out.WebP = made, opt.WebP
	res := thumb.Result
	h.log().Info("thumbnail written", "bucket", bucket, "key", key, "thumb_key", thumbKey,
		"source", fmt.Sprintf("%dx%d %s", res.SrcWidth, res.SrcHeight, res.SrcFormat),
		"thumb", fmt.Sprintf("%dx%d %s", res.Width, res.Height, res.Format), "bytes", len(res.Data),
		"copies", strings.Join(made, ","), "webp", opt.WebP)
	return out, nil
}

// object is what the handler writes for one made image.
func (h *Handler) object(r *thumbnail.Result) Object {
	return Object{
		Body:         r.Data,
		ContentType:  r.ContentType,
		CacheControl: h.Config.cacheControl(),
		Metadata: map[string]string{
			MetaSourceWidth:  strconv.Itoa(r.SrcWidth),
			MetaSourceHeight: strconv.Itoa(r.SrcHeight),
			MetaSourceFormat: string(r.SrcFormat),
			MetaWidth:        strconv.Itoa(r.Width),
			MetaHeight:       strconv.Itoa(r.Height),
		},
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// Refusal is the note the handler writes at <thumb key>.refused when it
// will never make a thumbnail of an original: waiting clients stop at once
// and say why.
type Refusal struct {
	Kind   string `json:"kind"`   // thumbnail.Kind's code: too_many_pixels, corrupt, ...
	Reason string `json:"reason"` // one sentence fragment
	// Limit and Actual are a limit's parts where the kind is one
	// (thumbnail.Error's): front ends say the sentence in their language.
	Limit  string `json:"limit,omitempty"`
	Actual string `json:"actual,omitempty"`
}

// permanent records a refusal: logged with the key, a note written beside
// the thumbnail, not retried. Only writing the note can fail (transiently),
// and then the error is returned so the invocation is retried.
func (h *Handler) permanent(ctx context.Context, out Outcome, bucket string, err error) (Outcome, error) {
	out.Failed = err
	if errors.Is(err, errGone) {
		// Nothing to explain to: the original is gone (deleted since the
		// event, or the event's key is to be tried as it came).
		h.log().Info("no thumbnail: the original is not there", "bucket", bucket, "key", out.Key)
		return out, nil
	}
	h.log().Warn("no thumbnail (permanent, not retried)", "bucket", bucket, "key", out.Key, "reason", err.Error())
	r := Refusal{Kind: "unknown", Reason: err.Error()}
	var te *thumbnail.Error
	if errors.As(err, &te) {
		r.Kind, r.Limit, r.Actual = te.Kind.Code(), te.Limit, te.Actual
	}
	body, _ := json.Marshal(r)
	if perr := h.Store.Put(ctx, bucket, out.ThumbKey+RefusedSuffix, Object{Body: body,
		ContentType: "application/json", CacheControl: RefusalCacheControl}); perr != nil {
		return out, fmt.Errorf("write the refusal note of %s: %w", out.Key, perr)
	}
	return out, nil
}

// decodeEventKey decodes an object key as S3 puts it in event notifications:
// URL-encoded, with '+' standing for a space.
func decodeEventKey(k string) (string, error) {
	s, err := url.QueryUnescape(k)
	if err != nil {
		return "", fmt.Errorf("decode event key %q: %w", k, err)
	}
	return s, nil
}

// ParseS3Event reads an S3 event notification. aws-lambda-go's own types
// refuse a whole event whose key is not URL-encoded the way AWS encodes it
// ('%' not followed by two hex digits, as some S3-compatible servers
// send): only the fields the handler uses are read here, and the key is
// decoded by the handler, which falls back to the key as sent.
func ParseS3Event(raw []byte) (events.S3Event, error) {
	var in struct {
		Records []struct {
			EventName string `json:"eventName"`
			S3        struct {
				Bucket struct {
					Name string `json:"name"`
				} `json:"bucket"`
				Object struct {
					Key  string `json:"key"`
					Size int64  `json:"size"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return events.S3Event{}, fmt.Errorf("not an S3 event: %w", err)
	}
	var ev events.S3Event
	for _, r := range in.Records {
		var rec events.S3EventRecord
		rec.EventName = r.EventName
		rec.S3.Bucket.Name = r.S3.Bucket.Name
		rec.S3.Object.Key = r.S3.Object.Key
		rec.S3.Object.Size = r.S3.Object.Size
		ev.Records = append(ev.Records, rec)
	}
	return ev, nil
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
		if _, err := h.resizeEncoded(ctx, r.S3.Bucket.Name, r.S3.Object.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RefusedSuffix ends the key of the note written beside a thumbnail the
// handler refused to make: <thumb key>.refused.
const RefusedSuffix = ".refused"
