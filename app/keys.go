package app

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
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
	// Keep keys well under S3's 1024-byte limit.
	for len(base) > 200 {
		r := []rune(base)
		base = string(r[:len(r)-1])
	}
	return base
}

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
func DisplayName(key string) string {
	base := key[strings.LastIndex(key, "/")+1:]
	if i := strings.IndexByte(base, '_'); i > 0 {
		if _, err := strconv.ParseInt(base[:i], 10, 64); err == nil {
			return base[i+1:]
		}
	}
	return base
}
