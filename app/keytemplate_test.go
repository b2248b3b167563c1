package app

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// at is 2025-01-31 23:59:58.123 on this machine's clock: {year} {month}
// {day} are the local date.
var at = time.Date(2025, 1, 31, 23, 59, 58, 123e6, time.Local)

const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// expandFor makes the first key of template for a file of format f.
func expandFor(t *testing.T, template, file string, f thumbnail.Format, converted bool) string {
	t.Helper()
	m, err := newKeyMaker(Config{OriginalPrefix: "original/", KeyTemplate: template},
		Record{File: file, ContentType: f.ContentType(), SHA256: sum}, converted, at)
	if err != nil {
		t.Fatalf("%s: %v", template, err)
	}
	return m.key(0)
}

// TestKeyPlaceholders: each placeholder, alone and together, in folders.
func TestKeyPlaceholders(t *testing.T) {
	ms := itoa(at.UnixMilli())
	for _, c := range []struct {
		template, file string
		f              thumbnail.Format
		converted      bool
		want           string
	}{
		{DefaultKeyTemplate, "/home/u/제주 바다 (1).JPG", thumbnail.JPEG, false, "original/" + ms + "_제주 바다 (1).JPG"},
		{"{ms}", "a.jpg", thumbnail.JPEG, false, "original/" + ms},
		{"{year}/{month}/{day}/{ms}_{name}", "a b+c.png", thumbnail.PNG, false, "original/2025/01/31/" + ms + "_a b+c.png"},
		{"{year}-{month}-{day}_{uuid}{ext}", "x.png", thumbnail.PNG, false, ""}, // uuid checked below
		{"{stem}-{sha256:12}{ext}", "IMG_0001.JPEG", thumbnail.JPEG, false, "original/IMG_0001-9f86d081884c.jpeg"},
		{"{sha256:64}{ext}", "a.jpg", thumbnail.JPEG, false, "original/" + sum + ".jpg"},
		{"posts/{sha256:8}/{name}", "photo.jpg", thumbnail.JPEG, false, "original/posts/9f86d081/photo.jpg"},
		// {ext} is what is stored, lower case; {name} the file's own
		// name unless the picture was converted.
		{"{ms}_{stem}{ext}", "Scan.TIF", thumbnail.TIFF, false, "original/" + ms + "_Scan.tif"},
		{"{ms}_{name}", "IMG_0042.HEIC", thumbnail.WebP, true, "original/" + ms + "_IMG_0042.webp"},
		{"{ms}_{stem}{ext}", "IMG_0042.HEIC", thumbnail.JPEG, true, "original/" + ms + "_IMG_0042.jpg"},
		{"{ms}{ext}", "misnamed.png", thumbnail.JPEG, false, "original/" + ms + ".jpg"},
		{"{ms}_{name}", "screenshot", thumbnail.PNG, false, "original/" + ms + "_screenshot"},
		{"{ms}_{stem}{ext}", "screenshot", thumbnail.PNG, false, "original/" + ms + "_screenshot.png"},
		{"{ms}_{stem}{ext}", "v1.final", thumbnail.PNG, false, "original/" + ms + "_v1.final.png"},
	} {
		got := expandFor(t, c.template, c.file, c.f, c.converted)
		if c.want != "" && got != c.want {
			t.Errorf("%s of %q: %q, want %q", c.template, c.file, got, c.want)
		}
	}
	// The default is the NodeBird key OriginalKey has always made.
	if got := expandFor(t, DefaultKeyTemplate, "a b.jpg", thumbnail.JPEG, false); got != OriginalKey("original/", at, "a b.jpg") {
		t.Errorf("default template %q, OriginalKey %q", got, OriginalKey("original/", at, "a b.jpg"))
	}
	// {uuid}: a version 4 UUID, a new one per upload.
	uuid := regexp.MustCompile(`^original/2025-01-31_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.png$`)
	a := expandFor(t, "{year}-{month}-{day}_{uuid}{ext}", "x.png", thumbnail.PNG, false)
	b := expandFor(t, "{year}-{month}-{day}_{uuid}{ext}", "x.png", thumbnail.PNG, false)
	if !uuid.MatchString(a) || !uuid.MatchString(b) || a == b {
		t.Errorf("uuid keys %q %q", a, b)
	}
	// The date is this machine's: a minute before midnight on the 31st
	// stays the 31st whatever UTC says.
	if got := expandFor(t, "{year}{month}{day}/{ms}", "a.jpg", thumbnail.JPEG, false); !strings.HasPrefix(got, "original/20250131/") {
		t.Errorf("local date: %q", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestKeyTemplateCollisionsRefused: a template that can give two files
// the same key is refused, saying why and what to add.
func TestKeyTemplateCollisionsRefused(t *testing.T) {
	for _, tpl := range []string{"{name}", "{year}/{month}/{name}", "{stem}{ext}", "photos/{day}-{name}", "fixed.jpg"} {
		var c Config = DefaultConfig()
		err := c.Set("key_template", tpl)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindKeyCollides {
			t.Errorf("%q: %v", tpl, err)
			continue
		}
		msg := err.Error()
		for _, want := range []string{"key_template", tpl, "the same key", "{ms}", "{sha256:8}", "{uuid}"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: %q does not say %q", tpl, msg, want)
			}
		}
		if c.KeyTemplate != DefaultKeyTemplate {
			t.Errorf("%q refused but set", tpl)
		}
	}
	for _, tpl := range []string{"{ms}_{name}", "{year}/{month}/{ms}_{name}", "{uuid}{ext}", "{year}/{sha256:12}{ext}", "{ms}"} {
		var c Config = DefaultConfig()
		if err := c.Set("key_template", tpl); err != nil || c.KeyTemplate != tpl {
			t.Errorf("%q refused: %v", tpl, err)
		}
	}
}

// TestKeyTemplateMistakes: what cannot make a key is refused by name.
func TestKeyTemplateMistakes(t *testing.T) {
	for tpl, want := range map[string]string{
		"":                                "empty",
		"{ms}_{nmae}":                     "{nmae} is not a placeholder",
		"{ms}_{name":                      "does not belong to a placeholder",
		"{ms}}":                           "does not belong to a placeholder",
		"/{ms}":                           "'/' makes folders",
		"{ms}/":                           "'/' makes folders",
		"{year}//{ms}":                    "'/' makes folders",
		"{year}/../{ms}":                  "'/' makes folders",
		"{ms}\\{name}":                    "backslash",
		"{ms}_{sha256:4}":                 "8 to 64 digits",
		"{sha256:65}":                     "8 to 64 digits",
		"web/{ms}_{name}":                 "first folder",
		"640w/{ms}_{name}":                "first folder",
		"{day}w/{ms}_{name}":              "first folder",
		strings.Repeat("x", 220) + "{ms}": "longer than",
	} {
		err := CheckKeyTemplate(tpl)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want it to say %q", tpl, err, want)
		}
	}
}

// TestTakenKeysMoveOn: a key that exists is never replaced: with {ms}
// the millisecond moves on, otherwise a suffix goes before the extension.
func TestTakenKeysMoveOn(t *testing.T) {
	mk := func(tpl, file string) keyMaker {
		m, err := newKeyMaker(Config{OriginalPrefix: "original/", KeyTemplate: tpl}, Record{File: file, ContentType: "image/jpeg", SHA256: sum}, false, at)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := mk(DefaultKeyTemplate, "a.jpg")
	if m.key(1) != OriginalKey("original/", at.Add(time.Millisecond), "a.jpg") {
		t.Errorf("ms template, second try: %s", m.key(1))
	}
	m = mk("{year}/{sha256:12}{ext}", "a.jpg")
	for i, want := range []string{"original/2025/9f86d081884c.jpg", "original/2025/9f86d081884c-2.jpg", "original/2025/9f86d081884c-3.jpg"} {
		if got := m.key(i); got != want {
			t.Errorf("try %d: %s, want %s", i, got, want)
		}
	}
	m = mk("{uuid}", "a.jpg")
	if k := m.key(1); !strings.HasSuffix(k, "-2") || strings.TrimSuffix(k, "-2") != m.key(0) {
		t.Errorf("uuid, second try: %s after %s", k, m.key(0))
	}
}

// TestLongNamesFitKeys: a long name is shortened (its extension kept) so
// no part of a key passes maxSegment bytes, with two names in a part too.
func TestLongNamesFitKeys(t *testing.T) {
	long := strings.Repeat("가", 66) + ".jpeg" // 198 + 5 bytes: CleanName keeps it whole
	for _, tpl := range []string{"{year}-{month}-{day}_{ms}_{name}", "{stem}_{ms}_{name}", "{sha256:64}_{name}{ext}"} {
		k := expandFor(t, tpl, long, thumbnail.JPEG, false)
		for _, seg := range strings.Split(k, "/") {
			if len(seg) > maxSegment || !strings.HasSuffix(k, ".jpeg") {
				t.Errorf("%s: part %q is %d bytes", tpl, seg, len(seg))
			}
		}
	}
}

// TestKeyTimesRead: the upload time a sync reads from keys of templates
// with {ms}, and which keys sort by time (an incremental sync).
func TestKeyTimesRead(t *testing.T) {
	c := DefaultConfig()
	for rest, want := range map[string]bool{"1738364398123_a.jpg": true, "1738364398123/a.jpg": true, "1738364398123": false,
		"2025/01/1738364398123_a.jpg": false, "17383643981234_a.jpg": false, "uploads/a.jpg": false} {
		if got := timeKeys(c.OriginalPrefix+rest, c); got != want {
			t.Errorf("timeKeys(%s) = %v", rest, got)
		}
	}
	for _, rest := range []string{"1738364398123_a.jpg", "2025/01/1738364398123_a.jpg", "1738364398123/a.jpg"} {
		if got := keyTime(c.OriginalPrefix+rest, c, time.Time{}); got.UnixMilli() != 1738364398123 {
			t.Errorf("keyTime(%s) = %v", rest, got)
		}
	}
	if r := rewind(c.OriginalPrefix+"1738364398123-x.jpg", c); r != c.OriginalPrefix+itoa(1738364398123-syncRewind.Milliseconds()) {
		t.Errorf("rewind: %s", r)
	}
}

// TestExampleKey is what Settings shows as a template is typed.
func TestExampleKey(t *testing.T) {
	k, err := ExampleKey("{year}/{month}/{ms}_{name}", "original/", "IMG_0001.jpg", at)
	if err != nil || k != "original/2025/01/"+itoa(at.UnixMilli())+"_IMG_0001.jpg" {
		t.Errorf("%q %v", k, err)
	}
	if _, err := ExampleKey("{name}", "original/", "IMG_0001.jpg", at); !isKind(err, KindKeyCollides) {
		t.Errorf("collision: %v", err)
	}
}
