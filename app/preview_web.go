package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// An imported record's picture is not in the bucket: its previews are
// fetched from its link, as a browser would, within bounds — http and
// https only (a redirect to another scheme is refused, and after
// webRedirects of them), webPreviewMax bytes (the header, and then the
// bytes read, are checked), the previews' timeout for the whole request —
// then made small by the thumbnail pipeline and cached like the others.

const (
	// webPreviewMax is the most a preview downloads: the largest
	// original a bucket's preview reads.
	webPreviewMax = thumbnail.DefaultMaxBytes
	webRedirects  = 5
)

// webClient fetches imported pictures. It is not changed after it is made.
var webClient = &http.Client{
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if !webScheme(req.URL) {
			return fmt.Errorf("redirected to %s", req.URL.Redacted())
		}
		if len(via) >= webRedirects {
			return fmt.Errorf("more than %d redirects", webRedirects)
		}
		return nil
	},
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		ForceAttemptHTTP2:     true,
	},
}

func webScheme(u *url.URL) bool { return u.Scheme == "http" || u.Scheme == "https" }

// previewWeb is Preview for an imported record: no target needed.
func (c *Core) previewWeb(ctx context.Context, r Record, original bool) (image.Image, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errPreviewsClosed
	}
	c.ensurePreviews()
	p := c.prev
	c.mu.Unlock()
	return p.load(ctx, nil, r, original)
}

// fetchWeb gets encoded preview bytes of an imported record: its
// thumbnail's link where it has one (and the original was not asked
// for), else its own, made small here.
func (p *previews) fetchWeb(ctx context.Context, r Record, original bool) ([]byte, error) {
	link := r.URL
	if !original && r.ThumbURL != "" {
		link = r.ThumbURL
	}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || !webScheme(u) || u.Host == "" {
		return nil, &Error{Kind: KindPreviewLink, File: r.Name(), Value: link}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Kind: KindPreviewLink, File: r.Name(), Value: link}
	}
	req.Header.Set("Accept", "image/*")
	req.Header.Set("User-Agent", "thumbdrop")
	resp, err := webClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Kind: KindPreview, File: r.Name(), Err: ctx.Err()}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the link is said by the sentence's file already
		}
		return nil, &Error{Kind: KindPreview, File: r.Name(), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Kind: KindPreviewHTTP, File: r.Name(), Key: u.Redacted(), Value: strconv.Itoa(resp.StatusCode)}
	}
	if resp.ContentLength > webPreviewMax {
		return nil, &Error{Kind: KindPreviewLarge, File: r.Name(), Value: HumanSize(resp.ContentLength)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, webPreviewMax+1))
	if err != nil {
		return nil, &Error{Kind: KindPreview, File: r.Name(), Err: err}
	}
	if int64(len(data)) > webPreviewMax {
		return nil, &Error{Kind: KindPreviewLarge, File: r.Name(), Value: "> " + HumanSize(webPreviewMax)}
	}
	size := 200
	if original {
		size = 400
	}
	res, err := thumbnail.Read(bytes.NewReader(data), thumbnail.Options{MaxSize: size, MaxBytes: webPreviewMax, DecoderCache: p.decoders})
	if err != nil {
		return nil, &Error{Kind: KindPreview, File: r.Name(), Err: imageCause(err)}
	}
	return res.Data, nil
}
