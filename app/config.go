// Package app is thumbdrop's core, free of Fyne: configuration, the upload
// queue and its workers, thumbnail waiting, history and link formats. The
// desktop app and the command line both sit on it.
package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
)

// Targets and other enumerations of the config.
const (
	TargetLocal = "local"
	TargetS3    = "s3"

	LinkPublic    = "public"
	LinkPresigned = "presigned"

	CredsKeyring = "keyring"
	CredsAWS     = "aws"
)

// DefaultPicGoServer is PicGo-Server's address, which Typora, Obsidian's
// Image Auto Upload and VS Code's PicGo extensions call.
const DefaultPicGoServer = "127.0.0.1:36677"

// Config is everything a user can set. It never holds a secret.
type Config struct {
	Target         string   `json:"target"`
	Bucket         string   `json:"bucket"`
	Region         string   `json:"region"`
	Endpoint       string   `json:"endpoint"`
	PathStyle      bool     `json:"path_style"`
	PublicBaseURL  string   `json:"public_base_url"`
	LinkMode       string   `json:"link_mode"`
	PresignTTL     Duration `json:"presign_ttl"`
	OriginalPrefix string   `json:"original_prefix"`
	ThumbPrefix    string   `json:"thumb_prefix"`
	ThumbTimeout   Duration `json:"thumb_timeout"`
	Credentials    string   `json:"credentials"`
	LocalAddr      string   `json:"local_addr"`
	Concurrency    int      `json:"concurrency"`
	CopyFormat     string   `json:"copy_format"`
	CustomTemplate string   `json:"custom_template"`
	ThumbMaxSize   int      `json:"thumb_max_size"`
	// PicGoServer is where the agent serves the editors' upload API
	// ("off": not at all).
	PicGoServer string `json:"picgo_server"`
	// StripLocation removes GPS tags from originals before upload.
	StripLocation bool `json:"strip_location"`
	// ExtraWidths are the widths of the srcset copies the resize function
	// makes (local mode makes them; a deployed function is told with
	// EXTRA_WIDTHS), and WebP whether it adds .webp twins.
	ExtraWidths string `json:"extra_widths"` // "640,1280"
	WebP        bool   `json:"webp"`
	// Sizes is the sizes attribute of srcset and picture links.
	Sizes string `json:"sizes"`
	// StallTimeout gives up (and retries) a transfer whose bytes stop
	// moving for this long.
	StallTimeout Duration `json:"stall_timeout"`
}

// DefaultSizes: a picture as wide as a phone's screen, or as a post's
// column (768 px) on anything wider.
const DefaultSizes = "(max-width: 768px) 100vw, 768px"

// Duration is a time.Duration written as "60s" in JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// String writes the duration as people do and time.ParseDuration reads
// it: 60s, 10m, 168h, 1h30m (not Go's 1m0s or 168h0m0s).
func (d Duration) String() string {
	t := time.Duration(d)
	if t <= 0 || t%time.Second != 0 {
		return t.String()
	}
	h, m, s := t/time.Hour, t%time.Hour/time.Minute, t%time.Minute/time.Second
	var out string
	if h > 0 {
		out += fmt.Sprintf("%dh", h)
	}
	if m > 0 {
		out += fmt.Sprintf("%dm", m)
	}
	if s > 0 || out == "" {
		if h == 0 && m > 0 && m < 2 { // 90s reads better than 1m30s
			return fmt.Sprintf("%ds", t/time.Second)
		}
		out += fmt.Sprintf("%ds", s)
	}
	if h == 0 && m == 1 && s == 0 {
		return "60s"
	}
	return out
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// D is the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// DefaultConfig: local mode, the spec's defaults.
func DefaultConfig() Config {
	return Config{
		Target:         TargetLocal,
		Region:         "us-east-1",
		LinkMode:       LinkPublic,
		PresignTTL:     Duration(7 * 24 * time.Hour),
		OriginalPrefix: "original/",
		ThumbPrefix:    "thumb/",
		ThumbTimeout:   Duration(60 * time.Second),
		Credentials:    CredsKeyring,
		LocalAddr:      "127.0.0.1:8586",
		Concurrency:    3,
		CopyFormat:     FormatMarkdown,
		CustomTemplate: "![{name}]({thumb_url})",
		ThumbMaxSize:   200,
		PicGoServer:    DefaultPicGoServer,
		StripLocation:  true,
		Sizes:          DefaultSizes,
		StallTimeout:   Duration(30 * time.Second),
	}
}

// Field is one settable key of the config, for 'config set' and the
// settings form alike.
type Field struct {
	Key, Help string
	Get       func(*Config) string
	Set       func(*Config, string) error
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
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
			return fmt.Errorf("%q is not a duration like 90s, 10m or 168h", v)
		}
		if d < lo || d > hi {
			return fmt.Errorf("must be between %s and %s", Duration(lo), Duration(hi))
		}
		*p(c) = Duration(d)
		return nil
	}
}

func boolean(p func(*Config) *bool) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return strconv.FormatBool(*p(c)) }, func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p(c) = b
		return nil
	}
}

func num(p func(*Config) *int, lo, hi int) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return strconv.Itoa(*p(c)) }, func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
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
		return fmt.Errorf("%q is not an http:// or https:// URL", redactURL(v))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q carries a user, password or query: secrets never go in the config; "+
			"give the bare URL and store keys with 'thumbdrop login'", redactURL(v))
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
	if v == "" || !strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/") {
		return fmt.Errorf("a prefix must end with / and not start with one, like original/")
	}
	return nil
}

func checkBucket(v string) error {
	if v == "" {
		return nil
	}
	if len(v) < 3 || len(v) > 63 || strings.ToLower(v) != v || strings.ContainsAny(v, " _/") {
		return fmt.Errorf("%q is not a valid bucket name (3-63 lower-case letters, digits, dots and hyphens)", v)
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
		return fmt.Errorf("%q is not a host:port like 127.0.0.1:8586", v)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not a loopback address: the agent listens on this computer only, e.g. 127.0.0.1:%d", v, n)
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
			return fmt.Errorf("%q is not a region like us-east-1", v)
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
	g, s = num(func(c *Config) *int { return &c.Concurrency }, 1, 16)
	add(f("concurrency", "files uploaded at once", g, s))
	g, s = str(func(c *Config) *string { return &c.CopyFormat }, func(v string) error { return oneOf(v, Formats()...) })
	add(f("copy_format", "the link format the app copies: "+strings.Join(Formats(), ", ")+" (upload prints url unless --format says otherwise)", g, s))
	g, s = str(func(c *Config) *string { return &c.CustomTemplate }, checkTemplate)
	add(f("custom_template", "custom link: {url} {thumb_url} {name} {key} {width} {height}", g, s))
	g, s = num(func(c *Config) *int { return &c.ThumbMaxSize }, 16, 2000)
	add(f("thumb_max_size", "thumbnail box in local mode, pixels", g, s))
	add(f("extra_widths", "widths of srcset copies besides the thumbnail, like 640,1280 (empty: none); "+
		"a deployed function needs the same EXTRA_WIDTHS", func(c *Config) string { return c.ExtraWidths },
		func(c *Config, v string) error {
			w, err := resize.ParseWidths(v)
			if err != nil {
				return err
			}
			c.ExtraWidths = joinInts(w)
			return nil
		}))
	g, s = boolean(func(c *Config) *bool { return &c.WebP })
	add(f("webp", "true to make a .webp twin of the thumbnail and of each copy (a deployed function needs WEBP=true)", g, s))
	g, s = str(func(c *Config) *string { return &c.Sizes }, func(v string) error {
		if v == "" || strings.ContainsAny(v, "\"<>") {
			return fmt.Errorf("%q is not a sizes attribute like %s", v, DefaultSizes)
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

// Set changes one key, validating the value.
func (c *Config) Set(key, value string) error {
	f, ok := Lookup(key)
	if !ok {
		keys := make([]string, 0)
		for _, f := range Fields() {
			keys = append(keys, f.Key)
		}
		sort.Strings(keys)
		return fmt.Errorf("unknown setting %q; settings are %s", key, strings.Join(keys, ", "))
	}
	next := *c
	if err := f.Set(&next, value); err != nil {
		return fmt.Errorf("%s: %w", key, err)
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
		return fmt.Errorf("original_prefix %q and thumb_prefix %q must not overlap: thumbnails would be taken for uploads",
			c.OriginalPrefix, c.ThumbPrefix)
	}
	if c.PicGoServer != "off" {
		_, lp, _ := net.SplitHostPort(c.LocalAddr)
		_, pp, _ := net.SplitHostPort(c.PicGoServer)
		if lp != "" && lp == pp {
			return fmt.Errorf("local_addr %s and picgo_server %s use the same port; give them different ones", c.LocalAddr, c.PicGoServer)
		}
	}
	return nil
}

// Validate checks the config as a whole.
func (c *Config) Validate() error {
	for _, f := range Fields() {
		if err := f.Set(&Config{}, f.Get(c)); err != nil {
			return fmt.Errorf("%s: %w", f.Key, err)
		}
	}
	if err := c.checkTogether(); err != nil {
		return err
	}
	if c.Target == TargetS3 && c.Bucket == "" {
		return errors.New("the s3 target needs a bucket; set it with 'thumbdrop config set bucket NAME'")
	}
	return nil
}

// Widths are the extra widths as numbers (none where the setting does
// not read).
func (c Config) Widths() []int {
	w, _ := resize.ParseWidths(c.ExtraWidths)
	return w
}

// Dirs are where thumbdrop keeps its files.
type Dirs struct {
	Config string // config.json
	Data   string // history, local-mode bucket, preview cache
}

// DecoderCache is where the WebAssembly image decoders are kept compiled
// between runs (thumbnail.Options.DecoderCache).
func (d Dirs) DecoderCache() string { return filepath.Join(d.Data, "cache") }

// ResolveDirs applies THUMBDROP_CONFIG_DIR and THUMBDROP_DATA_DIR, else the
// platform's usual places.
func ResolveDirs(getenv func(string) string) (Dirs, error) {
	var d Dirs
	if d.Config = getenv("THUMBDROP_CONFIG_DIR"); d.Config == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return d, fmt.Errorf("find the config folder: %w (set THUMBDROP_CONFIG_DIR)", err)
		}
		d.Config = filepath.Join(base, "thumbdrop")
	}
	if d.Data = getenv("THUMBDROP_DATA_DIR"); d.Data == "" {
		base, err := userDataDir(getenv)
		if err != nil {
			return d, err
		}
		d.Data = filepath.Join(base, "thumbdrop")
	}
	return d, nil
}

func userDataDir(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "windows":
		if v := getenv("LocalAppData"); v != "" {
			return v, nil
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support"), nil
		}
	default:
		if v := getenv("XDG_DATA_HOME"); v != "" {
			return v, nil
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "share"), nil
		}
	}
	return "", errors.New("find the data folder: set THUMBDROP_DATA_DIR")
}

// ConfigFile is the path of config.json.
func (d Dirs) ConfigFile() string { return filepath.Join(d.Config, "config.json") }

// LoadConfig reads the config; a missing file gives the defaults.
func LoadConfig(d Dirs) (Config, error) {
	c := DefaultConfig()
	b, err := os.ReadFile(d.ConfigFile())
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read config %s: %w", d.ConfigFile(), err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return DefaultConfig(), &ConfigError{Path: d.ConfigFile(), Err: err}
	}
	return c, nil
}

// ConfigError: config.json cannot be read as a configuration (edited by
// hand, cut short). The app offers to reset it; the CLI says where it is.
type ConfigError struct {
	Path string
	Err  error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config %s is damaged (%v); fix it, or reset it with 'thumbdrop config reset'", e.Path, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ResetConfig sets a damaged config aside (config.json.damaged-<time>,
// kept for the user to look at) and writes the defaults in its place. It
// returns where the old file went.
func ResetConfig(d Dirs) (string, error) {
	aside := d.ConfigFile() + ".damaged-" + time.Now().Format("20060102-150405")
	if err := os.Rename(d.ConfigFile(), aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("set the damaged config aside: %w", err)
	}
	return aside, SaveConfig(d, DefaultConfig())
}

// SaveConfig writes the config atomically.
func SaveConfig(d Dirs, c Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(d.ConfigFile(), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	return nil
}

// WriteFileAtomic writes a file through a synced temporary file and a
// rename: after a crash the old or the new content is there, never a mix.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
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
