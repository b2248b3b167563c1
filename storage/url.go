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

// KeyFromURL recovers the object key from one of a bucket's links: a
// public URL (virtual-hosted or path-style), a base-URL (CDN) link, or a
// presigned one. bases are where the bucket's links begin (its
// LinkBases); a URL on any other host or path is not the bucket's, so
// "http://evil.example/<bucket>/original/..." names nothing of ours. A
// plain key (no scheme) is returned as it is.
func KeyFromURL(s string, bases []string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s, !strings.Contains(s, "://")
	}
	p, err := url.PathUnescape(u.EscapedPath())
	if err != nil {
		return "", false
	}
	for _, base := range bases {
		b, err := url.Parse(base)
		if err != nil || !sameOrigin(u, b) {
			continue
		}
		bp, err := url.PathUnescape(b.EscapedPath())
		if err != nil {
			continue
		}
		bp = strings.TrimSuffix(bp, "/") + "/"
		if rest, ok := strings.CutPrefix(p, bp); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

// sameOrigin compares scheme, host and port, with default ports filled in.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// LoopbackBases are base on each name of this computer's loopback (a link
// copied as http://localhost:8586/... is the same as 127.0.0.1's).
func LoopbackBases(base string) []string {
	u, err := url.Parse(base)
	if err != nil {
		return []string{base}
	}
	out := []string{base}
	switch h := u.Hostname(); h {
	case "127.0.0.1", "localhost", "::1":
		for _, alt := range []string{"127.0.0.1", "localhost", "[::1]"} {
			v := *u
			v.Host = alt
			if p := u.Port(); p != "" {
				v.Host += ":" + p
			}
			out = append(out, v.String())
		}
	}
	return out
}

// DirectURL is key's link on the bucket's own S3 address, whatever
// public base URL (a CDN) links use: what an anonymous reader would try
// to go around the CDN.
func (b *S3) DirectURL(key string) string { return b.directURL(key) }
