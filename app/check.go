package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// CheckReport says, item by item, what works with a configuration: what
// "Test connection" shows.
type CheckReport struct {
	Credentials, Bucket, Put, Resize CheckItem
	// Endpoint lists how an S3-compatible endpoint differs from AWS S3
	// (empty for AWS and local mode); Links whether public links open
	// (through the CDN of public_base_url, if set); Privacy, behind a CDN,
	// whether the bucket itself refuses anonymous reads; Cleanup, if the
	// test's objects could not be deleted.
	Endpoint, Links, Privacy, Cleanup CheckItem
}

// CheckItem is one line of a CheckReport.
type CheckItem struct {
	OK     bool
	Detail string
	// Err is what failed, where an error says it (Detail is its
	// sentence): the window translates it by kind.
	Err error
	// Skipped: not tried, because an earlier step failed (OK is false).
	Skipped bool
}

// notChecked is a step not tried because an earlier one failed.
var notChecked = CheckItem{Detail: "not checked", Skipped: true}

// failed is a report line for err.
func failed(err error) CheckItem { return CheckItem{Detail: err.Error(), Err: err} }

// CheckLine is a labelled item of a report.
type CheckLine struct {
	Label string
	CheckItem
}

// Items lists the report's lines with their labels.
func (r CheckReport) Items() []CheckLine {
	items := []CheckLine{{"Credentials", r.Credentials}, {"Bucket", r.Bucket}, {"Upload permission", r.Put}, {"Resize function", r.Resize}}
	for _, l := range []CheckLine{{"Endpoint", r.Endpoint}, {"Public links", r.Links}, {"Bucket privacy", r.Privacy}, {"Clean-up", r.Cleanup}} {
		if l.Detail != "" {
			items = append(items, l)
		}
	}
	return items
}

// prober is a bucket that can try an S3-compatible endpoint's known
// quirks (storage.S3).
type prober interface {
	Probe(ctx context.Context, key func(name string) string, body []byte) ([]storage.Quirk, []string)
}

// endpointReport turns what Probe met into a report line: OK unless a
// setting must change.
func endpointReport(quirks []storage.Quirk) CheckItem {
	if len(quirks) == 0 {
		return CheckItem{OK: true, Detail: "behaves as AWS S3 does in everything thumbdrop tried"}
	}
	ok := true
	var parts []string
	for _, q := range quirks {
		ok = ok && !q.Fix
		parts = append(parts, q.Detail)
	}
	return CheckItem{OK: ok, Detail: strings.Join(parts, "; ")}
}

// TestConnection opens cfg (without saving it or disturbing the open
// target) and reports what works: credentials and bucket, a put of a tiny
// image, and whether a resize function answers. It deletes what it wrote.
// typed, if not nil, are keys typed in a form and not saved: they are
// tried from memory, and the keyring is left as it is.
func (c *Core) TestConnection(ctx context.Context, cfg Config, typed *Keys) CheckReport {
	nc := notChecked
	kr := c.opt.Keyring
	if typed != nil {
		if err := typed.Validate(); err != nil {
			return CheckReport{Credentials: failed(err), Bucket: nc, Put: nc, Resize: nc}
		}
		kr = staticKeys{*typed, kr}
	}
	s, err := c.openSession(ctx, cfg, kr)
	if err != nil {
		item := failed(err)
		if errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring) || isKind(err, KindNoKeys) || isKind(err, KindNoKeyring) {
			return CheckReport{Credentials: item, Bucket: nc, Put: nc, Resize: nc}
		}
		return CheckReport{Credentials: nc, Bucket: item, Put: nc, Resize: nc}
	}
	r := check(ctx, s, min(cfg.ThumbTimeout.D(), 20*time.Second))
	if cfg.Target == TargetLocal && c.opt.Agent != nil {
		r.Links = c.localLinksItem(ctx, cfg)
	}
	return r
}

// localLinksItem says whether local links answer: the agent runs (or
// starts) on local_addr and serves them.
func (c *Core) localLinksItem(ctx context.Context, cfg Config) CheckItem {
	st, err := c.opt.Agent.Ensure(ctx, cfg)
	if err != nil {
		if !isKind(err, KindAgentStart) && !isKind(err, KindAgentNoAnswer) {
			err = &Error{Kind: KindAgentStart, Err: err}
		}
		return failed(err)
	}
	item := CheckItem{OK: true, Detail: "served by the thumbdrop agent on http://" + st.Links}
	if st.APIErr != nil {
		item.Detail += "; " + (&Error{Kind: KindAPIOff, Err: st.APIErr}).Error()
	}
	return item
}

func check(ctx context.Context, s *session, wait time.Duration) (r CheckReport) {
	nc := notChecked
	err := s.b.Check(ctx)
	switch {
	case err == nil:
		r.Credentials = CheckItem{OK: true, Detail: "accepted"}
		r.Bucket = CheckItem{OK: true, Detail: fmt.Sprintf("%s is reachable", s.b.Name())}
	case errors.Is(err, storage.ErrBadCredentials) || errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring):
		r.Credentials = failed(err)
		r.Bucket = nc
	default:
		r.Credentials = CheckItem{OK: true, Detail: "not refused"}
		if errors.Is(err, storage.ErrUnreachable) {
			r.Credentials = CheckItem{Detail: "not checked: the server was not reached", Skipped: true}
		}
		r.Bucket = failed(err)
	}
	if s.cfg.Target == TargetLocal {
		r.Credentials = CheckItem{OK: true, Detail: "none needed in local mode"}
	}
	now := time.Now()
	probeKey := func(name string) string {
		return OriginalKey(s.cfg.OriginalPrefix, now, "thumbdrop-connection-test-"+name+".png")
	}
	png := testPNG()
	var probed []string // objects written, to delete whatever happens
	uploaded := ""
	defer func() {
		// Clean up: the test upload, the probes', and whatever the
		// function made of them (waited for, so it does not come after
		// the delete).
		var keys []string
		for i, k := range append([]string{uploaded}, probed...) {
			if k == "" {
				continue
			}
			tk, _ := ThumbKey(s.cfg, k)
			if i > 0 && r.Resize.OK {
				waitThumb(ctx, s.b, tk, wait)
			}
			keys = append(keys, k, tk, tk+RefusedSuffix, tk+resize.WebPSuffix)
			keys = append(keys, expectedKeys(s.cfg, tk)...)
		}
		if len(keys) == 0 {
			return
		}
		if err := s.b.Delete(context.WithoutCancel(ctx), keys...); err != nil {
			r.Cleanup = CheckItem{Detail: fmt.Sprintf("the test objects (%s...) could not be deleted: %v", keys[0], err)}
		}
	}()
	refused := errors.Is(err, storage.ErrBadCredentials) || errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring)
	if p, ok := s.raw.(prober); ok && s.cfg.Endpoint != "" && s.cfg.Target == TargetS3 && !refused {
		var quirks []storage.Quirk
		quirks, probed = p.Probe(ctx, probeKey, png)
		if len(quirks) > 0 || r.Bucket.OK {
			// (With no bucket reached and nothing met, the probes say
			// nothing about the endpoint.)
			r.Endpoint = endpointReport(quirks)
		}
		for _, q := range quirks {
			if q.Name == "path-style" && q.Fix && !r.Bucket.OK {
				r.Bucket.Detail += "; " + q.Detail // the likely cause
			}
		}
	}
	if !r.Bucket.OK {
		r.Put, r.Resize = nc, nc
		return r
	}
	key := OriginalKey(s.cfg.OriginalPrefix, now, "thumbdrop-connection-test.png")
	if err := s.b.Upload(ctx, key, bytesReader(png), int64(len(png)), storage.PutOptions{ContentType: "image/png"}); err != nil {
		r.Put, r.Resize = failed(err), nc
		return r
	}
	uploaded = key
	r.Put = CheckItem{OK: true, Detail: "can upload under " + s.cfg.OriginalPrefix}
	if s.cfg.Target == TargetS3 && s.cfg.LinkMode == LinkPublic {
		r.Links, r.Privacy = linkReport(ctx, s, key)
	}
	thumbKey, _ := ThumbKey(s.cfg, key)
	if info, err := waitThumb(ctx, s.b, thumbKey, wait); err == nil {
		r.Resize = functionReport(s.cfg, info.Metadata)
	} else {
		r.Resize = failed(err)
	}
	return r
}

// functionReport says what the resize function makes, as its thumbnail's
// metadata tells, and whether that is what the settings expect: copies at
// extra_widths, WebP twins.
func functionReport(cfg Config, md map[string]string) CheckItem {
	makes := "made a thumbnail under " + cfg.ThumbPrefix
	if size, known := md[resize.MetaMaxSize]; known {
		makes += fmt.Sprintf("; the function makes thumbnails within %s px", size)
	} else {
		// A function from before copies existed says nothing of them.
		makes += " (the function does not say what else it makes: an older version?)"
	}
	widths, webp := md[resize.MetaWidths], md[resize.MetaWebP] == "true"
	if widths != "" {
		makes += ", copies " + strings.ReplaceAll(widths, ",", ", ") + " px wide (never wider than the original)"
	}
	if webp {
		makes += " and a WebP twin of each"
	}
	var fixes []string
	same := func(a, b string) bool { // "1280,640" and "640, 1280" make the same copies (sorted, once each)
		wa, _ := resize.ParseWidths(a)
		wb, _ := resize.ParseWidths(b)
		return slices.Equal(wa, wb)
	}
	if !same(widths, cfg.ExtraWidths) {
		fixes = append(fixes, fmt.Sprintf("it makes copies at %q but extra_widths is %q", widths, cfg.ExtraWidths))
	}
	if webp != cfg.WebP {
		fixes = append(fixes, fmt.Sprintf("its WEBP is %t but webp is %t", webp, cfg.WebP))
	}
	if len(fixes) == 0 {
		return CheckItem{OK: true, Detail: makes}
	}
	return CheckItem{OK: false, Detail: makes + "; but " + strings.Join(fixes, " and ") + ": redeploy with " +
		fmt.Sprintf("--parameter-overrides ExtraWidths=%q WebP=%t", cfg.ExtraWidths, cfg.WebP) + ", or change the settings to match"}
}
