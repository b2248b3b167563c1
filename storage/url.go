package storage

import (
	"net/url"
	"strings"
)

// EscapeKey percent-encodes each segment of a key for a URL path: every
// byte but unreserved characters (A-Z a-z 0-9 - . _ ~) is escaped, so a
// space is %20 and '+' is %2B, which every S3 server and CDN reads back
// as the same key.
func EscapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	return strings.Join(segs, "/")
}

func escapeSegment(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// KeyFromURL recovers the object key from one of our links: a public URL
// (virtual-hosted or path-style), a base-URL link, or a presigned one.
// bucket is the bucket name for path-style links. A plain key is returned as
// it is.
func KeyFromURL(s, bucket string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s, !strings.Contains(s, "://")
	}
	p := u.EscapedPath()
	p, err = url.PathUnescape(p)
	if err != nil {
		return "", false
	}
	p = strings.TrimPrefix(p, "/")
	if rest, ok := strings.CutPrefix(p, bucket+"/"); ok && !strings.HasPrefix(u.Host, bucket+".") {
		p = rest
	}
	return p, p != ""
}
