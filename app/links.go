package app

import (
	"fmt"
	"html"
	"strconv"
	"strings"
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
