package app

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/thumbdrop/thumbdrop/app/internal/history"
)

// CleanName is the name part of a key: the file's base name in NFC (macOS
// hands Hangul names over decomposed), without path separators or control
// characters. Everything else, spaces, '+', '%', '#', '?' and parentheses
// included, is kept.
func CleanName(path string) string {
	base := filepath.Base(strings.ReplaceAll(path, `\`, "/"))
	base = norm.NFC.String(base)
	base = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, base)
	base = strings.TrimSpace(base)
	if base == "" || base == "." || base == ".." {
		return "image"
	}
	// Keep keys well under S3's 1024-byte limit, and the key's last
	// segment (with the timestamp, and the ".refused" or ".webp" of the
	// thumbnail's companions) under the 255 bytes of a file name: shorten
	// the stem, keep the extension.
	if len(base) > maxNameBytes {
		ext := filepath.Ext(base)
		if len(ext) > 16 {
			ext = ""
		}
		stem := []rune(strings.TrimSuffix(base, ext))
		for len(string(stem))+len(ext) > maxNameBytes {
			stem = stem[:len(stem)-1]
		}
		base = strings.TrimSpace(string(stem)) + ext
	}
	return base
}

// maxNameBytes bounds the name part of a key.
const maxNameBytes = 200

// OriginalKey is original/<unix-milliseconds>_<name>, the NodeBird
// convention.
func OriginalKey(prefix string, t time.Time, name string) string {
	return prefix + strconv.FormatInt(t.UnixMilli(), 10) + "_" + name
}

// ThumbKey swaps the prefix; ok is false for keys outside the original
// prefix.
func ThumbKey(c Config, key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, c.OriginalPrefix)
	if !ok || rest == "" {
		return "", false
	}
	return c.ThumbPrefix + rest, true
}

// DisplayName is the name shown for a key: what follows the timestamp.
func DisplayName(key string) string { return history.DisplayName(key) }
