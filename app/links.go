package app

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Link formats.
const (
	FormatURL      = "url"
	FormatThumb    = "thumb"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatBBCode   = "bbcode"
	FormatSrcset   = "srcset"  // <img srcset sizes>: the thumbnail and every copy
	FormatPicture  = "picture" // <picture> with a WebP <source>
	FormatCustom   = "custom"
)

// Formats lists the named formats.
func Formats() []string {
	return []string{FormatURL, FormatThumb, FormatMarkdown, FormatHTML, FormatBBCode, FormatSrcset, FormatPicture, FormatCustom}
}

// FormatLabel is the button text of a format.
func FormatLabel(f string) string {
	switch f {
	case FormatURL:
		return "URL"
	case FormatThumb:
		return "Thumbnail URL"
	case FormatMarkdown:
		return "Markdown"
	case FormatHTML:
		return "HTML"
	case FormatBBCode:
		return "BBCode"
	case FormatSrcset:
		return "srcset"
	case FormatPicture:
		return "<picture>"
	case FormatCustom:
		return "Custom"
	}
	return f
}

// LinkData is what a link is made of.
type LinkData struct {
	// URL is the picture's link: its web copy where it has one (a HEIC,
	// a TIFF), else the original; OriginalURL is the original's always,
	// WebURL the web copy's ("" without).
	URL, ThumbURL       string
	OriginalURL, WebURL string
	Name, Key           string
	Width, Height       int // of the original, as displayed
	// ContentType is the original's; a srcset offers the original only
	// where browsers show that type (not HEIC, not TIFF).
	ContentType string
	// ThumbWidth and ThumbHeight are the thumbnail's size (0: unknown).
	ThumbWidth, ThumbHeight int
	// Variants are the copies and WebP twins made, with their links.
	Variants []Variant
	// Sizes is the sizes attribute of srcset and picture links.
	Sizes string
}

var templateVars = []string{"{url}", "{thumb_url}", "{name}", "{key}", "{width}", "{height}"}

// TemplateVars lists the placeholders of custom templates.
func TemplateVars() string { return strings.Join(templateVars, " ") }

// CheckFormat accepts a named link format or a custom template (text with
// at least one placeholder); any other word is refused, so a typo is not
// printed for every file as if it were a template.
func CheckFormat(f string) error {
	for _, n := range Formats() {
		if f == n {
			return nil
		}
	}
	if err := checkTemplate(f); err != nil {
		return &Error{Kind: KindFormat, Value: strconv.Quote(f), Key: strings.Join(Formats(), ", "), Fix: Fix(TemplateVars())}
	}
	return nil
}

func checkTemplate(t string) error {
	if strings.TrimSpace(t) == "" {
		return &Error{Kind: KindTemplateEmpty}
	}
	for _, v := range templateVars {
		if strings.Contains(t, v) {
			return nil
		}
	}
	return &Error{Kind: KindTemplateVars, Value: TemplateVars()}
}

// Link renders d in format f; anything that is not a named format is taken
// as a custom template (so --format '<img src="{thumb_url}">' works).
// Where there is no thumbnail (yet), its URL falls back to the original's.
func Link(f string, d LinkData, custom string) string {
	thumb := d.ThumbURL
	if thumb == "" {
		thumb = d.URL
	}
	switch f {
	case FormatURL:
		return d.URL
	case FormatThumb:
		return thumb
	case FormatMarkdown:
		return fmt.Sprintf("[![%s](%s)](%s)", markdownAlt(d.Name), thumb, d.URL)
	case FormatHTML:
		return fmt.Sprintf(`<a href="%s"><img src="%s" alt="%s"></a>`,
			html.EscapeString(d.URL), html.EscapeString(thumb), html.EscapeString(d.Name))
	case FormatBBCode:
		return fmt.Sprintf("[url=%s][img]%s[/img][/url]", d.URL, thumb)
	case FormatSrcset:
		return srcsetImg(d)
	case FormatPicture:
		return picture(d)
	case FormatCustom:
		return expand(custom, d, thumb)
	}
	return expand(f, d, thumb)
}

// candidate is one entry of a srcset.
type candidate struct {
	url  string
	w, h int
}

// candidates are the images a srcset offers: the thumbnail and every copy
// of the type given ("" for the thumbnail's own, "image/webp" for the
// twins), narrowest first. The original is offered too (not among WebP
// twins), if browsers can show it, when it is wider than them all and
// there is no copy, or it is less than half as wide again as the widest:
// never a 12 MB original beside a 1280 px copy, never a HEIC.
func candidates(d LinkData, webp bool) []candidate {
	var cs []candidate
	if d.ThumbURL != "" && d.ThumbWidth > 0 && !webp {
		cs = append(cs, candidate{d.ThumbURL, d.ThumbWidth, d.ThumbHeight})
	}
	for _, v := range d.Variants {
		if (v.ContentType == "image/webp") == webp && v.URL != "" && v.Width > 0 {
			cs = append(cs, candidate{v.URL, v.Width, v.Height})
		}
	}
	slices.SortStableFunc(cs, func(a, b candidate) int { return a.w - b.w })
	if webp || d.URL == "" || d.Width <= 0 || !browsersShow(d.ContentType) {
		return cs
	}
	widest := 0
	if len(cs) > 0 {
		widest = cs[len(cs)-1].w
	}
	copies := widest > d.ThumbWidth
	if d.Width > widest && (!copies || 2*d.Width < 3*widest) {
		cs = append(cs, candidate{d.URL, d.Width, d.Height})
	}
	return cs
}

// browsersShow: every current browser displays images of this type in an
// <img> ("": unknown, taken as yes, as for records made before types were
// kept).
func browsersShow(contentType string) bool {
	switch contentType {
	case "", "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif":
		return true
	}
	return false
}

func srcsetAttr(cs []candidate) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		// A comma would end the candidate early for some parsers.
		parts[i] = fmt.Sprintf("%s %dw", strings.ReplaceAll(c.url, ",", "%2C"), c.w)
	}
	return html.EscapeString(strings.Join(parts, ", "))
}

func sizesOf(d LinkData) string {
	if d.Sizes == "" {
		return DefaultSizes
	}
	return d.Sizes
}

// srcsetImg is an <img> offering every size, the widest as its src and
// its size as width and height (the browser reserves the space).
func srcsetImg(d LinkData) string {
	cs := candidates(d, false)
	if len(cs) == 0 {
		src := d.ThumbURL
		if src == "" {
			src = d.URL
		}
		return fmt.Sprintf(`<img src="%s" alt="%s">`, html.EscapeString(src), html.EscapeString(d.Name))
	}
	big := cs[len(cs)-1]
	return fmt.Sprintf(`<img src="%s" srcset="%s" sizes="%s" width="%d" height="%d" alt="%s">`,
		html.EscapeString(big.url), srcsetAttr(cs), html.EscapeString(sizesOf(d)), big.w, big.h, html.EscapeString(d.Name))
}

// picture offers the WebP twins to browsers that take them and the
// srcset <img> to the rest.
func picture(d LinkData) string {
	img := srcsetImg(d)
	ws := candidates(d, true)
	if len(ws) == 0 {
		return "<picture>" + img + "</picture>"
	}
	return fmt.Sprintf(`<picture><source type="image/webp" srcset="%s" sizes="%s">%s</picture>`,
		srcsetAttr(ws), html.EscapeString(sizesOf(d)), img)
}

func expand(t string, d LinkData, thumb string) string {
	dim := func(n int) string {
		if n <= 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return strings.NewReplacer("{url}", d.URL, "{thumb_url}", thumb, "{name}", d.Name, "{key}", d.Key,
		"{width}", dim(d.Width), "{height}", dim(d.Height)).Replace(t)
}

// markdownAlt escapes what would end the alt text early.
func markdownAlt(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(s)
}

// HumanSize formats a byte count for people: 512 B, 34 KB, 3.1 MB, 1.0 GB.
func HumanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Links resolves a record's links in the configured link mode (presigned
// ones are made fresh). Where its thumbnail never came, the thumbnail URL
// is empty and links fall back to the original.
func (c *Core) Links(ctx context.Context, r Record) (LinkData, error) {
	return c.linksWith(ctx, r, "", 0)
}

// PrivateLinks resolves presigned links valid for ttl, whatever the link
// mode.
func (c *Core) PrivateLinks(ctx context.Context, r Record, ttl time.Duration) (LinkData, error) {
	return c.linksWith(ctx, r, LinkPresigned, ttl)
}

func (c *Core) linksWith(ctx context.Context, r Record, mode string, ttl time.Duration) (d LinkData, err error) {
	cfg := c.Config()
	d = LinkData{URL: r.URL, ThumbURL: r.ThumbURL, Name: r.Name(), Key: r.Key, Width: r.Width, Height: r.Height, ContentType: r.ContentType,
		ThumbWidth: r.ThumbWidth, ThumbHeight: r.ThumbHeight, Variants: slices.Clone(r.Variants), Sizes: cfg.Sizes}
	if r.Status != StatusReady && r.Status != StatusDuplicate || d.ThumbURL == "" {
		d.ThumbURL, d.Variants = "", nil
	}
	if r.Status == StatusFailed || r.Key == "" {
		d.URL, d.ThumbURL, d.Variants = "", "", nil
		return d, nil
	}
	if app, ok := Imported(r); ok { // its link as its app made it
		if mode == LinkPresigned {
			return d, &Error{Kind: KindImportedLink, File: r.Name(), Value: app.Name()}
		}
		d.OriginalURL = d.URL
		return d, nil
	}
	if r.WebKey != "" {
		d.WebURL = r.WebURL
	}
	defer func() { // the web copy is what links show, the original is kept
		d.OriginalURL = d.URL
		if d.WebURL != "" {
			d.URL, d.ContentType = d.WebURL, webCopyType
		}
	}()
	if r.Target == TargetLocal {
		// The agent serves local links where local_addr says now,
		// whatever it said at upload time.
		d.URL, d.ThumbURL, d.WebURL = atAddr(d.URL, cfg.LocalAddr), atAddr(d.ThumbURL, cfg.LocalAddr), atAddr(d.WebURL, cfg.LocalAddr)
		for i := range d.Variants {
			d.Variants[i].URL = atAddr(d.Variants[i].URL, cfg.LocalAddr)
		}
	}
	if mode == "" {
		mode, ttl = cfg.LinkMode, cfg.PresignTTL.D()
	}
	if mode != LinkPresigned {
		return d, nil
	}
	s, err := c.session(ctx)
	if err != nil {
		return d, err
	}
	if r.Target != "" && r.Target != s.id {
		return d, &Error{Kind: KindStoredLink, File: r.Name(), Value: r.URL}
	}
	if d.URL, err = s.b.Presign(ctx, r.Key, ttl); err != nil {
		return d, err
	}
	if d.WebURL != "" {
		if d.WebURL, err = s.b.Presign(ctx, r.WebKey, ttl); err != nil {
			return d, err
		}
	}
	if d.ThumbURL != "" {
		if d.ThumbURL, err = s.b.Presign(ctx, r.ThumbKey, ttl); err != nil {
			return d, err
		}
	}
	for i, v := range d.Variants {
		if d.Variants[i].URL, err = s.b.Presign(ctx, v.Key, ttl); err != nil {
			return d, err
		}
	}
	return d, nil
}

// atAddr moves a local link ("http://HOST:PORT/...") to addr.
func atAddr(link, addr string) string {
	rest, ok := strings.CutPrefix(link, "http://")
	if !ok || addr == "" {
		return link
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return "http://" + addr + rest[i:]
	}
	return link
}

// Link renders a record's link in format f (a named format or a custom
// template; "" is the configured copy format).
func (c *Core) Link(ctx context.Context, f string, r Record) (string, error) {
	cfg := c.Config()
	if f == "" {
		f = cfg.CopyFormat
	}
	if f == FormatSrcset || f == FormatPicture || f == FormatCustom || !isFormat(f) {
		r = c.thumbFacts(ctx, r) // the copies and their sizes, for a synced record
	}
	d, err := c.Links(ctx, r)
	if err != nil {
		return "", err
	}
	return Link(f, d, cfg.CustomTemplate), nil
}

// Output is a record as `--json` prints it: links resolved in the
// configured mode, none for a failed upload, and the time only for the
// history (upload output has none).
func (c *Core) Output(ctx context.Context, r Record, withTime bool) (Record, error) {
	d, err := c.Links(ctx, r)
	r.URL, r.ThumbURL, r.Variants, r.WebURL = d.OriginalURL, d.ThumbURL, d.Variants, d.WebURL
	if !withTime {
		r.Time = time.Time{}
	}
	if r.Variants == nil {
		r.Variants = []Variant{}
	}
	return r, err
}

// isFormat reports whether f names a format (else it is a template).
func isFormat(f string) bool { return slices.Contains(Formats(), f) }
