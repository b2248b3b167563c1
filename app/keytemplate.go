package app

import (
	"crypto/rand"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Key templates: key_template is the part of an original's key after the
// original prefix, made of text and placeholders. The default is the
// NodeBird key, {ms}_{name}.
//
//	{ms}        the upload's Unix time in milliseconds (13 digits)
//	{year} {month} {day}   its local date, 2025 01 31
//	{name}      the cleaned file name (its extension that of what is stored)
//	{stem}      the name without its extension
//	{ext}       the extension, with its dot, lower case, matching what is stored
//	{sha256:N}  the first N hex digits of the stored bytes' sha256 (8 to 64)
//	{uuid}      a random UUID
//
// '/' makes folders. A template is refused when it can give two different
// files the same key: it needs {ms}, {uuid} or {sha256:N}. Even so a key
// that exists is never replaced: with {ms} the millisecond moves on (the
// key stays time-ordered), otherwise -2, -3, ... goes before the
// extension.

// DefaultKeyTemplate is the NodeBird key: original/<ms>_<name>.
const DefaultKeyTemplate = "{ms}_{name}"

// KeyPlaceholders lists the placeholders of key templates, for help texts.
const KeyPlaceholders = "{ms} {year} {month} {day} {name} {stem} {ext} {sha256:N} {uuid}"

// Limits of key templates.
const (
	minHashDigits = 8 // fewer would tell only a few thousand files apart
	maxHashDigits = 64
	// maxSegment bounds a folder or file name of a key: 255 bytes is a
	// file name's limit, and the thumbnail's companions add ".refused",
	// ".webp" and a web copy's ".jpg".
	maxSegment = 230
	// maxFixed bounds what a segment holds besides the name, so a name
	// of at least a few bytes always fits.
	maxFixed = maxSegment - 32
)

// keyPart is a piece of a parsed template: literal text, or a
// placeholder (ph, with n the digits of {sha256:N}).
type keyPart struct {
	lit string
	ph  string
	n   int
}

// keyTemplate is a parsed, valid key template.
type keyTemplate struct {
	src   string
	parts []keyPart
	// timed: {ms} is in it (a taken key moves to the next millisecond).
	timed bool
}

var placeholderRe = regexp.MustCompile(`^(ms|year|month|day|name|stem|ext|uuid|sha256:([0-9]+))$`)

// parseKeyTemplate reads and validates a template, saying what is wrong
// in the error (KindKeyTemplate, or KindKeyCollides when it can give
// different files the same key).
func parseKeyTemplate(src string) (*keyTemplate, error) {
	bad := func(fix Fix) error { return &Error{Kind: KindKeyTemplate, Value: strconv.Quote(src), Fix: fix} }
	if strings.TrimSpace(src) == "" {
		return nil, bad(FixKeyEmpty)
	}
	if !utf8.ValidString(src) || strings.ContainsFunc(src, func(r rune) bool { return unicode.IsControl(r) || r == '\\' }) {
		return nil, bad(FixKeyChars)
	}
	if strings.HasPrefix(src, "/") || strings.HasSuffix(src, "/") || strings.Contains(src, "//") {
		return nil, bad(FixKeySlashes)
	}
	t := &keyTemplate{src: src}
	unique := false
	rest := src
	for rest != "" {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			t.parts = append(t.parts, keyPart{lit: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, keyPart{lit: rest[:i]})
		}
		if rest[i] == '}' {
			return nil, bad(FixKeyBraces)
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, bad(FixKeyBraces)
		}
		name := rest[i+1 : i+j]
		m := placeholderRe.FindStringSubmatch(name)
		if m == nil {
			return nil, &Error{Kind: KindKeyUnknown, Value: "{" + name + "}"}
		}
		p := keyPart{ph: name}
		if m[2] != "" {
			p.ph = "sha256"
			p.n, _ = strconv.Atoi(m[2])
			if p.n < minHashDigits || p.n > maxHashDigits {
				return nil, bad(FixKeyHashDigits)
			}
		}
		switch p.ph {
		case "ms":
			t.timed, unique = true, true
		case "uuid", "sha256":
			unique = true
		}
		t.parts = append(t.parts, p)
		rest = rest[i+j+1:]
	}
	// Each folder and the file name: not "." or "..", not too long, and
	// the first folder not one of the thumbnail prefix's own (thumb/640w/,
	// thumb/web/: a thumbnail there would be taken for a copy).
	sample := t.expand(keyFacts{Time: time.UnixMilli(1_700_000_000_000), Name: "a.jpg", SHA256: strings.Repeat("0", 64), UUID: "00000000-0000-4000-8000-000000000000"}, 0)
	segs := strings.Split(sample, "/")
	for _, s := range segs {
		if s == "." || s == ".." || strings.TrimSpace(s) == "" {
			return nil, bad(FixKeySlashes)
		}
	}
	if len(segs) > 1 && (segs[0] == webDir || widthDir.MatchString(segs[0]+"/")) {
		return nil, bad(FixKeyFolder)
	}
	for _, seg := range t.segments() {
		if fixedLen(seg) > maxFixed {
			return nil, bad(FixKeyLong)
		}
	}
	if !unique {
		return nil, &Error{Kind: KindKeyCollides, Value: strconv.Quote(src)}
	}
	return t, nil
}

// CheckKeyTemplate validates a key template (as key_template does).
func CheckKeyTemplate(src string) error {
	_, err := parseKeyTemplate(src)
	return err
}

// segments are the template's parts, folder by folder.
func (t *keyTemplate) segments() [][]keyPart {
	var out [][]keyPart
	var cur []keyPart
	for _, p := range t.parts {
		if p.ph != "" {
			cur = append(cur, p)
			continue
		}
		pieces := strings.Split(p.lit, "/")
		for i, piece := range pieces {
			if i > 0 {
				out, cur = append(out, cur), nil
			}
			if piece != "" {
				cur = append(cur, keyPart{lit: piece})
			}
		}
	}
	return append(out, cur)
}

// fixedLen is the most bytes a segment holds besides its names.
func fixedLen(seg []keyPart) int {
	n := 0
	for _, p := range seg {
		switch p.ph {
		case "":
			n += len(p.lit)
		case "ms":
			n += 13
		case "year":
			n += 4
		case "month", "day":
			n += 2
		case "ext":
			n += maxExtBytes
		case "sha256":
			n += p.n
		case "uuid":
			n += 36
		}
	}
	return n
}

// webDir is the folder of web copies under the thumbnail prefix
// (thumb/web/<key>.jpg).
const webDir = "web"

// maxExtBytes: a longer "extension" is part of the stem (CleanName).
const maxExtBytes = 16

// keyFacts are what a key is made of.
type keyFacts struct {
	Time time.Time
	// Name is the cleaned file name, its extension that of what is
	// stored; Stem and Ext its parts ("" Ext: taken from Name).
	Name, Stem, Ext string
	SHA256          string
	UUID            string
}

// expand makes the key (after the prefix) for facts; attempt > 0 is the
// attempt-th try after a taken key: a later millisecond where the
// template has {ms}, else a suffix -<attempt+1>. Names are shortened to
// keep every segment within maxSegment bytes.
func (t *keyTemplate) expand(f keyFacts, attempt int) string {
	if f.Stem == "" && f.Ext == "" {
		f.Stem, f.Ext = splitName(f.Name)
	}
	nameStem, nameExt := splitName(f.Name)
	if t.timed {
		f.Time = f.Time.Add(time.Duration(attempt) * time.Millisecond)
	}
	local := f.Time.Local()
	var segs []string
	for _, seg := range t.segments() {
		// Names take what the rest of the segment leaves, shared among
		// those in it.
		names, exts := 0, 0
		for _, p := range seg {
			switch p.ph {
			case "name":
				names, exts = names+1, exts+len(nameExt)
			case "stem":
				names++
			}
		}
		room := maxSegment
		if names > 0 {
			room = max((maxSegment-fixedLen(seg)-exts)/names, 1)
		}
		var b strings.Builder
		for _, p := range seg {
			switch p.ph {
			case "":
				b.WriteString(p.lit)
			case "ms":
				b.WriteString(strconv.FormatInt(f.Time.UnixMilli(), 10))
			case "year":
				fmt.Fprintf(&b, "%04d", local.Year())
			case "month":
				fmt.Fprintf(&b, "%02d", int(local.Month()))
			case "day":
				fmt.Fprintf(&b, "%02d", local.Day())
			case "name":
				if len(f.Name) <= room+len(nameExt) {
					b.WriteString(f.Name)
				} else {
					b.WriteString(cutBytes(nameStem, room) + nameExt)
				}
			case "stem":
				b.WriteString(cutBytes(f.Stem, room))
			case "ext":
				b.WriteString(strings.ToLower(f.Ext))
			case "sha256":
				b.WriteString(f.SHA256[:min(p.n, len(f.SHA256))])
			case "uuid":
				b.WriteString(f.UUID)
			}
		}
		segs = append(segs, b.String())
	}
	key := strings.Join(segs, "/")
	if attempt > 0 && !t.timed {
		key = withSuffix(key, "-"+strconv.Itoa(attempt+1))
	}
	return key
}

// withSuffix puts s before the extension of the key's last segment.
func withSuffix(key, s string) string {
	dir, base := path.Split(key)
	stem, ext := splitName(base)
	if stem == "" { // ".jpg": all extension
		stem, ext = ext, ""
	}
	return dir + stem + s + ext
}

// splitName splits a file name into its stem and extension (with its
// dot; "" when it has none, or one longer than maxExtBytes).
func splitName(name string) (stem, ext string) {
	ext = path.Ext(name)
	if len(ext) > maxExtBytes || ext == name {
		return name, ""
	}
	return strings.TrimSuffix(name, ext), ext
}

// cutBytes shortens s to at most n bytes, on a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r))
}

// storedName is the name a file is stored under when its bytes are of
// format f: its cleaned name (the NodeBird key of today), or, where the
// picture was converted (the bytes are no longer the file's format), the
// stem with f's usual extension (photo.heic made WebP is photo.webp).
// ext is the stored format's extension, lower case: the name's own where
// it is one of f's, else f's usual one (a misnamed or extensionless file).
func storedName(file string, f thumbnail.Format, converted bool) (name, stem, ext string) {
	name = CleanName(file)
	stem, e := splitName(name)
	if !isImageExt(strings.ToLower(e)) {
		stem = name // "photo.final": the dot is part of the stem
	}
	exts := f.Extensions()
	ext = exts[0]
	for _, x := range exts {
		if strings.ToLower(e) == x && x != "" {
			ext = x
		}
	}
	if converted {
		name = stem + ext
	}
	return name, stem, ext
}

// isImageExt: ext is the extension of a format thumbdrop reads.
func isImageExt(ext string) bool {
	for _, f := range thumbnail.Formats {
		for _, x := range f.Extensions() {
			if ext == x {
				return true
			}
		}
	}
	return false
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// ExampleKey is the key the template makes for a photo named name
// uploaded at t, under prefix (Settings shows it as the template is
// typed), or why the template is refused.
func ExampleKey(template, prefix, name string, t time.Time) (string, error) {
	kt, err := parseKeyTemplate(template)
	if err != nil {
		return "", err
	}
	n, stem, ext := storedName(name, thumbnail.JPEG, false)
	return prefix + kt.expand(keyFacts{Time: t, Name: n, Stem: stem, Ext: ext,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", UUID: "1b4e28ba-2fa1-4d3b-a3c5-4f3e3c0b9a7e"}, 0), nil
}

// keyMaker makes the keys an upload tries, first to last.
type keyMaker struct {
	prefix string
	t      *keyTemplate
	facts  keyFacts
}

// newKeyMaker is the key maker of cfg's template for the upload of rec
// (its file, type and stored sha256) at t; converted says the bytes
// stored are not the file's format (a name takes their extension).
func newKeyMaker(cfg Config, rec Record, converted bool, t time.Time) (keyMaker, error) {
	kt, err := parseKeyTemplate(cfg.KeyTemplate)
	if err != nil {
		return keyMaker{}, settingErr("key_template", err)
	}
	f := thumbnail.Format(strings.TrimPrefix(rec.ContentType, "image/"))
	name, stem, ext := storedName(rec.File, f, converted)
	return keyMaker{prefix: cfg.OriginalPrefix, t: kt,
		facts: keyFacts{Time: t, Name: name, Stem: stem, Ext: ext, SHA256: rec.SHA256, UUID: newUUID()}}, nil
}

// key is the attempt-th key (0 the first).
func (m keyMaker) key(attempt int) string { return m.prefix + m.t.expand(m.facts, attempt) }

// leadingMS reads the milliseconds a key's rest begins with ({ms} first
// in its template: 13 digits and then no digit), a time after 2001.
func leadingMS(rest string) (int64, bool) {
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n != 13 || n == len(rest) {
		return 0, false
	}
	ms, err := strconv.ParseInt(rest[:n], 10, 64)
	return ms, err == nil && ms > 1e12
}

// keyMS is the upload time a key's rest names: the milliseconds its last
// part or its first folder begins with ({year}/{month}/{ms}_{name},
// {ms}/{name}).
func keyMS(rest string) (int64, bool) {
	if ms, ok := leadingMS(rest[strings.LastIndex(rest, "/")+1:]); ok {
		return ms, true
	}
	return leadingMS(rest)
}
