package app

import (
	"context"
	"fmt"
	"html"
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
	FormatCustom   = "custom"
)

// Formats lists the named formats.
func Formats() []string {
	return []string{FormatURL, FormatThumb, FormatMarkdown, FormatHTML, FormatBBCode, FormatCustom}
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
	case FormatCustom:
		return "Custom"
	}
	return f
}

// LinkData is what a link is made of.
type LinkData struct {
	URL, ThumbURL string
	Name, Key     string
	Width, Height int // of the original, as displayed
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
		return fmt.Errorf("%q is neither a format (%s) nor a template using %s", f, strings.Join(Formats(), ", "), TemplateVars())
	}
	return nil
}

func checkTemplate(t string) error {
	if strings.TrimSpace(t) == "" {
		return fmt.Errorf("the template is empty")
	}
	for _, v := range templateVars {
		if strings.Contains(t, v) {
			return nil
		}
	}
	return fmt.Errorf("the template uses none of %s", strings.Join(templateVars, " "))
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
	case FormatCustom:
		return expand(custom, d, thumb)
	}
	return expand(f, d, thumb)
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

func (c *Core) linksWith(ctx context.Context, r Record, mode string, ttl time.Duration) (LinkData, error) {
	d := LinkData{URL: r.URL, ThumbURL: r.ThumbURL, Name: r.Name(), Key: r.Key, Width: r.Width, Height: r.Height}
	if r.Status != StatusReady && r.Status != StatusDuplicate {
		d.ThumbURL = ""
	}
	if r.Status == StatusFailed || r.Key == "" {
		d.URL, d.ThumbURL = "", ""
		return d, nil
	}
	cfg := c.Config()
	if mode == "" {
		mode, ttl = cfg.LinkMode, cfg.PresignTTL.D()
	}
	if mode != LinkPresigned {
		return d, nil
	}
	s, err := c.session(ctx)
	if err != nil {
		return d, notConnected(err)
	}
	if r.Target != "" && r.Target != s.id {
		return d, fmt.Errorf("%s was uploaded to another bucket than the one configured; its stored link is %s", r.Name(), r.URL)
	}
	if d.URL, err = s.b.Presign(ctx, r.Key, ttl); err != nil {
		return d, err
	}
	if d.ThumbURL != "" {
		if d.ThumbURL, err = s.b.Presign(ctx, r.ThumbKey, ttl); err != nil {
			return d, err
		}
	}
	return d, nil
}

// Link renders a record's link in format f (a named format or a custom
// template; "" is the configured copy format).
func (c *Core) Link(ctx context.Context, f string, r Record) (string, error) {
	d, err := c.Links(ctx, r)
	if err != nil {
		return "", err
	}
	cfg := c.Config()
	if f == "" {
		f = cfg.CopyFormat
	}
	return Link(f, d, cfg.CustomTemplate), nil
}

// Output is a record as `--json` prints it: links resolved in the
// configured mode, none for a failed upload, and the time only for the
// history (upload output has none).
func (c *Core) Output(ctx context.Context, r Record, withTime bool) (Record, error) {
	d, err := c.Links(ctx, r)
	r.URL, r.ThumbURL = d.URL, d.ThumbURL
	if !withTime {
		r.Time = time.Time{}
	}
	if r.Variants == nil {
		r.Variants = []Variant{}
	}
	return r, err
}
