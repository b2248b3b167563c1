package app

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// fromThumb fills in what the thumbnail's metadata says of an upload: the
// original's size where the header did not give it, the thumbnail's own,
// and the copies and WebP twins the resize function wrote before it.
func fromThumb(r *Record, b Bucket, cfg Config, info storage.ObjectInfo) {
	md := info.Metadata
	atoi := func(k string) int { n, _ := strconv.Atoi(md[k]); return n }
	if r.Width <= 0 {
		if w, h := atoi(resize.MetaSourceWidth), atoi(resize.MetaSourceHeight); w > 0 && h > 0 {
			r.Width, r.Height = w, h
		}
	}
	if w, h := atoi(resize.MetaWidth), atoi(resize.MetaHeight); w > 0 && h > 0 {
		r.ThumbWidth, r.ThumbHeight = w, h
	}
	rc := resize.Config{ThumbPrefix: cfg.ThumbPrefix}
	vs := []Variant{}
	for _, wh := range strings.Split(md[resize.MetaVariants], ",") {
		ws, hs, ok := strings.Cut(wh, "x")
		w, werr := strconv.Atoi(ws)
		h, herr := strconv.Atoi(hs)
		if !ok || werr != nil || herr != nil || w <= 0 || h <= 0 {
			continue
		}
		k := rc.VariantKey(r.ThumbKey, w)
		vs = append(vs, Variant{Key: k, URL: b.URL(k), Width: w, Height: h, ContentType: info.ContentType})
	}
	if md[resize.MetaWebP] == "true" {
		noTwin := map[int]bool{} // widths whose twin could not be made; 0 the thumbnail
		for _, w := range strings.Split(md[resize.MetaNoTwin], ",") {
			if n, err := strconv.Atoi(w); err == nil {
				noTwin[n] = true
			}
		}
		var twins []Variant
		if !noTwin[0] {
			twins = append(twins, Variant{Key: r.ThumbKey, Width: r.ThumbWidth, Height: r.ThumbHeight})
		}
		for _, v := range vs {
			if !noTwin[v.Width] {
				twins = append(twins, v)
			}
		}
		for _, t := range twins {
			k := t.Key + resize.WebPSuffix
			vs = append(vs, Variant{Key: k, URL: b.URL(k), Width: t.Width, Height: t.Height, ContentType: "image/webp"})
		}
	}
	r.Variants = vs
}

// expectedKeys are the copies and twins the configured function would
// make of a thumbnail (some may not exist: a copy is never enlarged).
func expectedKeys(cfg Config, thumbKey string) []string {
	rc := resize.Config{ThumbPrefix: cfg.ThumbPrefix}
	var keys []string
	for _, w := range cfg.Widths() {
		keys = append(keys, rc.VariantKey(thumbKey, w))
	}
	if cfg.WebP {
		for _, k := range append([]string{thumbKey}, keys...) {
			keys = append(keys, k+resize.WebPSuffix)
		}
	}
	return keys
}

var widthDir = regexp.MustCompile(`^[0-9]+w/`)

// thumbRests maps what follows the thumbnail prefix in the key of a
// thumbnail, a copy (640w/<name>) or a twin (<name>.webp) to the names of
// the original it may have been made from, likeliest first: "a.jpg.webp"
// is the twin of a.jpg's thumbnail, but "my.photo.webp" may be the twin
// of my.photo's or the thumbnail of my.photo.webp.
func thumbRests(rest string) []string {
	if r, ok := strings.CutPrefix(rest, webDir+"/"); ok { // a web copy: web/<rest>.jpg
		if orig, ok := strings.CutSuffix(r, ".jpg"); ok && orig != "" {
			return []string{orig, rest}
		}
	}
	rest = widthDir.ReplaceAllString(rest, "")
	base, ok := strings.CutSuffix(rest, resize.WebPSuffix)
	if !ok {
		return []string{rest}
	}
	if strings.Contains(base[strings.LastIndex(base, "/")+1:], ".") {
		return []string{base, rest}
	}
	return []string{rest, base}
}
