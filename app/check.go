package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// CheckReport says, item by item, what works with a configuration: what
// "Test connection" shows.
type CheckReport struct {
	Credentials, Bucket, Put, Resize CheckItem
}

// CheckItem is one line of a CheckReport.
type CheckItem struct {
	OK     bool
	Detail string
}

// CheckLine is a labelled item of a report.
type CheckLine struct {
	Label string
	CheckItem
}

// Items lists the report's lines with their labels.
func (r CheckReport) Items() []CheckLine {
	return []CheckLine{{"Credentials", r.Credentials}, {"Bucket", r.Bucket}, {"Upload permission", r.Put}, {"Resize function", r.Resize}}
}

// TestConnection opens cfg (without saving it or disturbing the open
// target) and reports what works: credentials and bucket, a put of a tiny
// image, and whether a resize function answers. It deletes what it wrote.
func (c *Core) TestConnection(ctx context.Context, cfg Config) CheckReport {
	nc := CheckItem{false, "not checked"}
	s, err := c.openSession(ctx, cfg)
	if err != nil {
		item := CheckItem{false, err.Error()}
		if errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring) {
			return CheckReport{Credentials: item, Bucket: nc, Put: nc, Resize: nc}
		}
		return CheckReport{Credentials: nc, Bucket: item, Put: nc, Resize: nc}
	}
	return check(ctx, s, min(cfg.ThumbTimeout.D(), 20*time.Second))
}

func check(ctx context.Context, s *session, wait time.Duration) CheckReport {
	var r CheckReport
	nc := CheckItem{false, "not checked"}
	err := s.b.Check(ctx)
	switch {
	case err == nil:
		r.Credentials = CheckItem{true, "accepted"}
		r.Bucket = CheckItem{true, fmt.Sprintf("%s is reachable", s.b.Name())}
	case errors.Is(err, storage.ErrBadCredentials) || errors.Is(err, storage.ErrNoCredentials) || errors.Is(err, storage.ErrNoKeyring):
		r.Credentials = CheckItem{false, err.Error()}
		r.Bucket = nc
	default:
		r.Credentials = CheckItem{!errors.Is(err, storage.ErrUnreachable), "not refused"}
		r.Bucket = CheckItem{false, err.Error()}
	}
	if s.cfg.Target == TargetLocal {
		r.Credentials = CheckItem{true, "none needed in local mode"}
	}
	if !r.Bucket.OK {
		r.Put, r.Resize = nc, nc
		return r
	}
	key := OriginalKey(s.cfg.OriginalPrefix, time.Now(), "thumbdrop-connection-test.png")
	png := testPNG()
	if err := s.b.Upload(ctx, key, bytesReader(png), int64(len(png)), storage.PutOptions{ContentType: "image/png"}); err != nil {
		r.Put, r.Resize = CheckItem{false, err.Error()}, nc
		return r
	}
	r.Put = CheckItem{true, "can upload under " + s.cfg.OriginalPrefix}
	thumbKey, _ := ThumbKey(s.cfg, key)
	if info, err := WaitThumb(ctx, s.b, thumbKey, wait); err == nil {
		r.Resize = functionReport(s.cfg, info.Metadata)
	} else {
		r.Resize = CheckItem{false, err.Error()}
	}
	keys := append([]string{key, thumbKey, thumbKey + RefusedSuffix, thumbKey + resize.WebPSuffix}, expectedKeys(s.cfg, thumbKey)...)
	s.b.Delete(context.WithoutCancel(ctx), keys...)
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
	if widths != cfg.ExtraWidths {
		fixes = append(fixes, fmt.Sprintf("it makes copies at %q but extra_widths is %q", widths, cfg.ExtraWidths))
	}
	if webp != cfg.WebP {
		fixes = append(fixes, fmt.Sprintf("its WEBP is %t but webp is %t", webp, cfg.WebP))
	}
	if len(fixes) == 0 {
		return CheckItem{true, makes}
	}
	return CheckItem{false, makes + "; but " + strings.Join(fixes, " and ") + ": redeploy with " +
		fmt.Sprintf("--parameter-overrides ExtraWidths=%q WebP=%t", cfg.ExtraWidths, cfg.WebP) + ", or change the settings to match"}
}
