package app

import (
	"errors"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/thumbdrop/thumbdrop/resize"
)

// Field is one settable key of the config, for 'config set' and the
// settings form alike. Set's errors are *Error (their Key is filled by
// Config.Set).
type Field struct {
	Key, Help string
	Get       func(*Config) string
	Set       func(*Config, string) error
}

// Check validates a value for the field alone, naming the field in the
// error (the settings form checks each entry as it is typed).
func (f Field) Check(v string) error {
	var scratch Config
	if err := f.Set(&scratch, v); err != nil {
		return settingErr(f.Key, err)
	}
	return nil
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return &Error{Kind: KindSettingChoice, Value: strconv.Quote(v), Fix: Fix(strings.Join(allowed, ", "))}
}

func str(p func(*Config) *string, check func(string) error) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return *p(c) }, func(c *Config, v string) error {
		v = strings.TrimSpace(v)
		if check != nil {
			if err := check(v); err != nil {
				return err
			}
		}
		*p(c) = v
		return nil
	}
}

func dur(p func(*Config) *Duration, lo, hi time.Duration) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return p(c).String() }, func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return &Error{Kind: KindSettingDur, Value: strconv.Quote(v)}
		}
		if d < lo || d > hi {
			return &Error{Kind: KindSettingRange, Value: Duration(lo).String() + " and " + Duration(hi).String()}
		}
		*p(c) = Duration(d)
		return nil
	}
}

func boolean(p func(*Config) *bool) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return strconv.FormatBool(*p(c)) }, func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return &Error{Kind: KindSettingBool, Value: strconv.Quote(v)}
		}
		*p(c) = b
		return nil
	}
}

func num(p func(*Config) *int, lo, hi int) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return strconv.Itoa(*p(c)) }, func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return &Error{Kind: KindSettingNumber, Value: strconv.Itoa(lo) + " to " + strconv.Itoa(hi)}
		}
		*p(c) = n
		return nil
	}
}

// checkURL accepts an http(s) URL that carries no secret: no user or
// password, no query (where presigned credentials would sit). The config
// is a plain file; keys belong in the OS keyring.
func checkURL(v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Kind: KindSettingURL, Value: strconv.Quote(redactURL(v))}
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return &Error{Kind: KindSettingSecret, Value: strconv.Quote(redactURL(v))}
	}
	return nil
}

// redactURL hides what could be a secret in a URL before it is echoed.
func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		return "(an unreadable URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		u.RawQuery = "REDACTED"
	}
	return u.String()
}

func checkPrefix(v string) error {
	bad := v == "" || !strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/") ||
		strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == '\\' })
	for _, seg := range strings.Split(strings.TrimSuffix(v, "/"), "/") {
		bad = bad || seg == "" || seg == "." || seg == ".."
	}
	if bad {
		return &Error{Kind: KindSettingPrefix, Value: strconv.Quote(v)}
	}
	return nil
}

func checkBucket(v string) error {
	if v == "" {
		return nil
	}
	if len(v) < 3 || len(v) > 63 || strings.ToLower(v) != v || strings.ContainsAny(v, " _/") {
		return &Error{Kind: KindSettingBucket, Value: strconv.Quote(v)}
	}
	return nil
}

// CheckLoopback accepts a loopback host:port (127.0.0.1:8586,
// localhost:8586, [::1]:8586): the agent is reachable from this computer
// only, whatever the config says.
func CheckLoopback(v string) error {
	host, port, err := net.SplitHostPort(v)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n < 1 || n > 65535 {
		return &Error{Kind: KindSettingAddr, Value: strconv.Quote(v)}
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return &Error{Kind: KindSettingLoop, Value: strconv.Quote(v), Fix: Fix(port)}
	}
	return nil
}

// Fields lists every settable key.
func Fields() []Field {
	f := func(key, help string, g func(*Config) string, s func(*Config, string) error) Field {
		return Field{Key: key, Help: help, Get: g, Set: s}
	}
	var fs []Field
	add := func(x Field) { fs = append(fs, x) }
	g, s := str(func(c *Config) *string { return &c.Target }, func(v string) error { return oneOf(v, TargetLocal, TargetS3) })
	add(f("target", "local (no account needed) or s3 (AWS or any S3-compatible service)", g, s))
	g, s = str(func(c *Config) *string { return &c.Bucket }, checkBucket)
	add(f("bucket", "bucket name (s3 target)", g, s))
	g, s = str(func(c *Config) *string { return &c.Region }, func(v string) error {
		if v == "" || strings.ContainsAny(v, " /") {
			return &Error{Kind: KindSettingRegion, Value: strconv.Quote(v)}
		}
		return nil
	})
	add(f("region", "bucket region, e.g. ap-northeast-2 (corrected automatically if wrong)", g, s))
	g, s = str(func(c *Config) *string { return &c.Endpoint }, checkURL)
	add(f("endpoint", "S3-compatible endpoint URL; empty for AWS", g, s))
	g, s = boolean(func(c *Config) *bool { return &c.PathStyle })
	add(f("path_style", "true to address the bucket as endpoint/bucket (most S3-compatible servers)", g, s))
	g, s = str(func(c *Config) *string { return &c.PublicBaseURL }, checkURL)
	add(f("public_base_url", "base of public links, e.g. https://cdn.example.com (CloudFront, CDN)", g, s))
	g, s = str(func(c *Config) *string { return &c.LinkMode }, func(v string) error { return oneOf(v, LinkPublic, LinkPresigned) })
	add(f("link_mode", "public (the bucket allows reads) or presigned (private bucket)", g, s))
	g, s = dur(func(c *Config) *Duration { return &c.PresignTTL }, time.Minute, 7*24*time.Hour)
	add(f("presign_ttl", "lifetime of presigned links (at most 168h, S3's limit)", g, s))
	g, s = str(func(c *Config) *string { return &c.OriginalPrefix }, checkPrefix)
	add(f("original_prefix", "where uploads go", g, s))
	g, s = str(func(c *Config) *string { return &c.ThumbPrefix }, checkPrefix)
	add(f("thumb_prefix", "where the resize function writes thumbnails", g, s))
	g, s = str(func(c *Config) *string { return &c.KeyTemplate }, CheckKeyTemplate)
	add(f("key_template", "an upload's key after original_prefix, '/' making folders: "+KeyPlaceholders+
		" (default "+DefaultKeyTemplate+"; it needs {ms}, {sha256:N} or {uuid})", g, s))
	g, s = dur(func(c *Config) *Duration { return &c.ThumbTimeout }, time.Second, time.Hour)
	add(f("thumb_timeout", "how long to wait for a thumbnail", g, s))
	g, s = str(func(c *Config) *string { return &c.Credentials }, func(v string) error { return oneOf(v, CredsKeyring, CredsAWS) })
	add(f("credentials", "keyring (thumbdrop login) or aws (the AWS CLI's chain: env, shared config, SSO)", g, s))
	g, s = str(func(c *Config) *string { return &c.LocalAddr }, CheckLoopback)
	add(f("local_addr", "where the local agent serves local links (loopback only)", g, s))
	g, s = str(func(c *Config) *string { return &c.PicGoServer }, func(v string) error {
		if v == "off" {
			return nil
		}
		return CheckLoopback(v)
	})
	add(f("picgo_server", "where the agent serves the editors' upload API (Typora, Obsidian, VS Code), or off", g, s))
	g, s = boolean(func(c *Config) *bool { return &c.StripLocation })
	add(f("strip_location", "true to remove GPS location from photos before they are uploaded (pixels untouched)", g, s))
	g, s = num(func(c *Config) *int { return &c.OriginalMax }, 0, 65535)
	add(f("original_max", "the longest side of uploaded originals in pixels, larger ones made smaller on this machine before upload (0: as they are)", g, s))
	g, s = str(func(c *Config) *string { return &c.OriginalFormat }, func(v string) error { return oneOf(v, OriginalKeep, OriginalJPEG, OriginalWebP) })
	add(f("original_format", "keep, jpeg or webp: the format originals are uploaded in (converted on this machine; GIFs stay GIFs)", g, s))
	g, s = num(func(c *Config) *int { return &c.OriginalQuality }, 1, 100)
	add(f("original_quality", "the quality of originals made JPEG or WebP", g, s))
	g, s = boolean(func(c *Config) *bool { return &c.WebCopy })
	add(f("web_copy", "true to give HEIC and TIFF originals a full-size JPEG that links point to (browsers show no HEIC or TIFF)", g, s))
	g, s = num(func(c *Config) *int { return &c.Concurrency }, 1, 16)
	add(f("concurrency", "files uploaded at once", g, s))
	g, s = str(func(c *Config) *string { return &c.CopyFormat }, func(v string) error { return oneOf(v, Formats()...) })
	add(f("copy_format", "the link format the app copies: "+strings.Join(Formats(), ", ")+" (upload prints url unless --format says otherwise)", g, s))
	g, s = str(func(c *Config) *string { return &c.CustomTemplate }, checkTemplate)
	add(f("custom_template", "custom link: "+TemplateVars(), g, s))
	g, s = num(func(c *Config) *int { return &c.ThumbMaxSize }, 16, 2000)
	add(f("thumb_max_size", "thumbnail box in local mode and for backfill --here, pixels (match the function's ThumbMaxSize)", g, s))
	add(f("extra_widths", "widths of srcset copies besides the thumbnail, like 640,1280 (empty: none); "+
		"a deployed function needs the same EXTRA_WIDTHS", func(c *Config) string { return c.ExtraWidths },
		func(c *Config, v string) error {
			w, err := resize.ParseWidths(v)
			if err != nil {
				return &Error{Kind: KindSettingWidths, Err: err}
			}
			c.ExtraWidths = joinInts(w)
			return nil
		}))
	g, s = boolean(func(c *Config) *bool { return &c.WebP })
	add(f("webp", "true to make a .webp twin of the thumbnail and of each copy (a deployed function needs WEBP=true)", g, s))
	g, s = str(func(c *Config) *string { return &c.Sizes }, func(v string) error {
		if v == "" || strings.ContainsAny(v, "\"<>") {
			return &Error{Kind: KindSettingSizes, Value: strconv.Quote(v)}
		}
		return nil
	})
	add(f("sizes", "the sizes attribute of srcset and picture links", g, s))
	g, s = dur(func(c *Config) *Duration { return &c.StallTimeout }, time.Second, 10*time.Minute)
	add(f("stall_timeout", "give up and retry a transfer once its bytes stop moving for this long (s3 target)", g, s))
	return fs
}

// Lookup finds a field by key.
func Lookup(key string) (Field, bool) {
	for _, f := range Fields() {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

func unknownSetting(key string) error {
	keys := make([]string, 0)
	for _, f := range Fields() {
		keys = append(keys, f.Key)
	}
	sort.Strings(keys)
	return &Error{Kind: KindSettingUnknown, Key: strconv.Quote(key), Value: strings.Join(keys, ", ")}
}

// settingErr names the setting an error of its value is about.
func settingErr(key string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Key == "" {
		named := *e
		named.Key = key
		return &named
	}
	return &Error{Kind: KindSetting, Key: key, Err: err}
}

// Set changes one key, validating the value.
func (c *Config) Set(key, value string) error {
	f, ok := Lookup(key)
	if !ok {
		return unknownSetting(key)
	}
	next := *c
	if err := f.Set(&next, value); err != nil {
		return settingErr(key, err)
	}
	if err := next.checkTogether(); err != nil {
		return err
	}
	*c = next
	return nil
}

// checkTogether refuses settings that are each fine but clash: prefixes
// that overlap (the resize function would read its own output, endless
// recursion, or overwrite originals), and the agent's two servers on one
// port (the second could never listen, and local links would be dead).
func (c *Config) checkTogether() error {
	if strings.HasPrefix(c.ThumbPrefix, c.OriginalPrefix) || strings.HasPrefix(c.OriginalPrefix, c.ThumbPrefix) {
		return &Error{Kind: KindSettingOverlap, Key: strconv.Quote(c.OriginalPrefix), Value: strconv.Quote(c.ThumbPrefix)}
	}
	if c.PicGoServer != "off" {
		_, lp, _ := net.SplitHostPort(c.LocalAddr)
		_, pp, _ := net.SplitHostPort(c.PicGoServer)
		if lp != "" && lp == pp {
			return &Error{Kind: KindSettingPorts, Key: c.LocalAddr, Value: c.PicGoServer}
		}
	}
	return nil
}

// Validate checks the config as a whole.
func (c *Config) Validate() error {
	for _, f := range Fields() {
		if err := f.Set(&Config{}, f.Get(c)); err != nil {
			return settingErr(f.Key, err)
		}
	}
	if err := c.checkTogether(); err != nil {
		return err
	}
	if c.Target == TargetS3 && c.Bucket == "" {
		return &Error{Kind: KindNeedsBucket}
	}
	return nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
