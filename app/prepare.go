package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Upload rules, on this machine, before upload: originals made web-ready
// (original_max, original_format, original_quality: smaller, another
// format, oriented) and web copies (web_copy: a full-size JPEG beside a
// HEIC or TIFF, which links use), with the pipeline of the thumbnails,
// one decode for both. A file already within the rules goes up byte for
// byte.

// prepareMemory is the decode budget of a picture made web-ready here (a
// desktop has more than a function), and the largest file read for it.
const prepareMemory = 1 << 30

// webCopyType is the type of web copies.
const webCopyType = "image/jpeg"

// metaWebCopy is the metadata of an original that has a web copy (a sync
// elsewhere finds it so).
const metaWebCopy = "web-copy"

// prepareOptions are cfg's upload rules.
func prepareOptions(cfg Config, d Dirs) thumbnail.PrepareOptions {
	var f thumbnail.Format
	switch cfg.OriginalFormat {
	case OriginalJPEG:
		f = thumbnail.JPEG
	case OriginalWebP:
		f = thumbnail.WebP
	}
	return thumbnail.PrepareOptions{MaxSide: cfg.OriginalMax, Format: f, Quality: cfg.OriginalQuality, WebCopy: cfg.WebCopy,
		StripLocation: cfg.StripLocation, MaxMemory: prepareMemory, DecoderCache: d.DecoderCache()}
}

// WebKey is the key of an original's web copy: thumb/web/<key after the
// original prefix>.jpg (under the thumbnail prefix, where neither the
// resize trigger nor a sync takes it for an upload; the whole original
// name kept, so a.heic and a.tif never share one).
func WebKey(c Config, key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, c.OriginalPrefix)
	if !ok || rest == "" {
		return "", false
	}
	return c.ThumbPrefix + webDir + "/" + rest + ".jpg", true
}

// prepared is what a trip's prepare step wrote: the web-ready original
// and the web copy, each in a file of its own (nil where there is none).
type prepared struct {
	orig, web         *thumbnail.Prepared
	origFile, webFile *os.File
}

func (p *prepared) close() {
	for _, f := range []*os.File{p.origFile, p.webFile} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

// prepare decodes the file once and writes what the rules ask of it, one
// picture at a time in this process (a decode may take hundreds of
// megabytes).
func (t *trip) prepare(ctx context.Context) (*prepared, error) {
	c := t.c
	select {
	case c.prep <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.prep }()
	c.update(t.id, false, func(j *Job) { j.Note = &Error{Kind: KindPreparing} })
	defer c.update(t.id, false, func(j *Job) { j.Note = nil })
	size := t.st.Size()
	if size > prepareMemory {
		return nil, &Error{Kind: KindPrepare, File: t.name, Err: &Error{Kind: KindImageTooLarge, Value: HumanSize(size)}}
	}
	data := make([]byte, size)
	if _, err := t.f.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, errorf(KindCannotRead, t.name, osCause(err))
	}
	dir := filepath.Join(c.opt.Dirs.Data, "cache", "prepared")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &Error{Kind: KindPrepare, File: t.name, Err: osCause(err)}
	}
	p := &prepared{}
	var ow, ww io.Writer
	var err error
	if t.plan.Recode {
		if p.origFile, err = os.CreateTemp(dir, "original-*"); err != nil {
			return nil, &Error{Kind: KindPrepare, File: t.name, Err: osCause(err)}
		}
		ow = p.origFile
	}
	if t.plan.WebCopy {
		if p.webFile, err = os.CreateTemp(dir, "web-*"); err != nil {
			p.close()
			return nil, &Error{Kind: KindPrepare, File: t.name, Err: osCause(err)}
		}
		ww = p.webFile
	}
	p.orig, p.web, err = thumbnail.Prepare(data, prepareOptions(t.s.cfg, c.opt.Dirs), t.plan, ow, ww)
	if err != nil {
		p.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Kind: KindPrepare, File: t.name, Err: imageCause(err)}
	}
	return p, nil
}

// usePrepared makes the web-ready original what is uploaded: its bytes,
// hash, type and size in the record, with what was done; and whether the
// resize function will take it, asked again (it is not the file).
func (t *trip) usePrepared(ctx context.Context, p *prepared) (io.ReadSeeker, int64, error) {
	rec, o := &t.rec, p.orig
	stored, err := hashReader(ctx, p.origFile)
	if err != nil {
		return nil, 0, &Error{Kind: KindPrepare, File: t.name, Err: osCause(err)}
	}
	sw, sh := rec.Width, rec.Height
	rec.Prepared = &Prepared{Summary: prepareSummary(sw, sh, rec.Bytes, rec.ContentType, o),
		SourceWidth: sw, SourceHeight: sh, SourceBytes: rec.Bytes, SourceContentType: rec.ContentType, ICC: o.ICC}
	rec.SHA256, rec.SourceSHA256 = stored, t.sum
	rec.ContentType, rec.Width, rec.Height, rec.Bytes = o.Format.ContentType(), o.Width, o.Height, o.Bytes
	rec.LocationRemoved = o.LocationRemoved
	t.predicted = nil
	if err := thumbnail.Check(p.origFile, o.Bytes, functionLimits(t.s.cfg)); thumbnail.IsPermanent(err) {
		t.predicted = imageCause(err)
	}
	return p.origFile, o.Bytes, nil
}

// prepareSummary says what was done: "4032×3024 → 2048×1536, 5.1 MB →
// 0.6 MB, JPEG → WebP".
func prepareSummary(w, h int, bytes int64, contentType string, o *thumbnail.Prepared) string {
	var parts []string
	if w != o.Width || h != o.Height {
		parts = append(parts, fmt.Sprintf("%d×%d → %d×%d", w, h, o.Width, o.Height))
	}
	parts = append(parts, HumanSize(bytes)+" → "+HumanSize(o.Bytes))
	if from := thumbnail.Format(strings.TrimPrefix(contentType, "image/")); from != o.Format {
		parts = append(parts, formatName(from)+" → "+formatName(o.Format))
	}
	return strings.Join(parts, ", ")
}

// formatName is a format as people write it.
func formatName(f thumbnail.Format) string {
	switch f {
	case thumbnail.WebP:
		return "WebP"
	case "":
		return "?"
	}
	return strings.ToUpper(string(f))
}

// sendWebCopy uploads the web copy of the original stored at key, with
// retries like the original's; the key is the original's, so it is never
// another upload's (one found there with other bytes is a failure).
func (t *trip) sendWebCopy(ctx context.Context, p *prepared) error {
	s, rec := t.s, &t.rec
	wk, _ := WebKey(s.cfg, rec.Key)
	sum, err := hashReader(ctx, p.webFile)
	if err != nil {
		return &Error{Kind: KindPrepare, File: t.name, Err: osCause(err)}
	}
	opt := storage.PutOptions{ContentType: webCopyType, Metadata: map[string]string{"sha256": sum, "web-copy-of": rec.Key}}
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		if _, err := p.webFile.Seek(0, io.SeekStart); err != nil {
			return &Error{Kind: KindPrepare, File: t.name, Err: osCause(err)}
		}
		err := s.b.Upload(ctx, wk, p.webFile, p.web.Bytes, opt)
		if errors.Is(err, storage.ErrExists) {
			if info, herr := s.b.Head(ctx, wk); herr == nil && info.Metadata["sha256"] == sum {
				err = nil // a retried request the server had stored
			}
		}
		switch {
		case err == nil:
			rec.WebKey, rec.WebURL = wk, s.b.URL(wk)
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case storage.Transient(err) && attempt < t.c.opt.Retries:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
			continue
		}
		return &Error{Kind: KindWebCopyFailed, File: t.name, Err: err}
	}
}
