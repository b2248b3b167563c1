// Package app is thumbdrop's core, free of Fyne: configuration, the upload
// queue and its workers, thumbnail waiting, history and link formats. The
// desktop app, the command line and the editors' upload API all sit on it.
package app

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/thumbnail"
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

// DefaultLocalAddr is where the agent serves local links.
const DefaultLocalAddr = "127.0.0.1:8586"

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
	// KeyTemplate makes an original's key after the original prefix
	// (keytemplate.go).
	KeyTemplate string `json:"key_template"`
	// OriginalMax, OriginalFormat and OriginalQuality make originals
	// web-ready before upload (prepare.go): the longest side (0: as it
	// is), the format (keep, jpeg, webp) and the quality of JPEG and WebP.
	OriginalMax     int    `json:"original_max"`
	OriginalFormat  string `json:"original_format"`
	OriginalQuality int    `json:"original_quality"`
	// WebCopy gives HEIC/HEIF and TIFF originals, kept as they are, a
	// full-size JPEG that links use (thumb/web/<key>.jpg).
	WebCopy bool `json:"web_copy"`
	// PicGoSecretSet says the editors' API wants a secret (picgo_secret),
	// which is in the OS keyring: never here.
	PicGoSecretSet bool `json:"picgo_secret_set,omitempty"`
}

// Formats of original_format.
const (
	OriginalKeep = "keep"
	OriginalJPEG = "jpeg"
	OriginalWebP = "webp"
)

// DefaultSizes: a picture as wide as a phone's screen, or as a post's
// column (768 px) on anything wider.
const DefaultSizes = "(max-width: 768px) 100vw, 768px"

// DefaultConfig: local mode, the spec's defaults. The resize function's
// own defaults (prefixes, thumbnail size) come from package resize, where
// the Lambda takes them too; the region and the stall timeout from
// package storage, which applies them.
func DefaultConfig() Config {
	rc := resize.DefaultConfig()
	return Config{
		Target:          TargetLocal,
		Region:          storage.DefaultRegion,
		LinkMode:        LinkPublic,
		PresignTTL:      Duration(7 * 24 * time.Hour),
		OriginalPrefix:  rc.OriginalPrefix,
		ThumbPrefix:     rc.ThumbPrefix,
		ThumbTimeout:    Duration(60 * time.Second),
		Credentials:     CredsKeyring,
		LocalAddr:       DefaultLocalAddr,
		Concurrency:     3,
		CopyFormat:      FormatMarkdown,
		CustomTemplate:  "![{name}]({thumb_url})",
		ThumbMaxSize:    rc.Thumbnail.MaxSize,
		PicGoServer:     DefaultPicGoServer,
		StripLocation:   true,
		Sizes:           DefaultSizes,
		StallTimeout:    Duration(storage.DefaultStallTimeout),
		KeyTemplate:     DefaultKeyTemplate,
		OriginalFormat:  OriginalKeep,
		OriginalQuality: thumbnail.DefaultPrepareQuality,
		WebCopy:         true,
	}
}

// Widths are the extra widths as numbers (none where the setting does
// not read).
func (c Config) Widths() []int {
	w, _ := resize.ParseWidths(c.ExtraWidths)
	return w
}

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
