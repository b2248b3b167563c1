package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"unicode"
)

// The editors' API secret (picgo_secret: PicGo 2's server secret,
// PicList's key). It lives in the OS keyring beside the keys, never in
// config.json; the config says only that one is set (PicGoSecretSet), so
// the agent asks the keyring only when a secret is wanted, and refuses
// every request when the keyring cannot say what it is.

// PicGoSecretName is the secret's name in the keyring.
const PicGoSecretName = "picgo_secret"

// Bounds of a secret.
const (
	minSecret = 8
	maxSecret = 256
)

// CheckPicGoSecret validates a secret before it is stored: 8 to 256
// visible characters, no spaces (it travels in a header and a URL).
func CheckPicGoSecret(s string) error {
	if len(s) < minSecret || len(s) > maxSecret || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII
	}) {
		return &Error{Kind: KindSecretShape, Key: PicGoSecretName}
	}
	return nil
}

// NewPicGoSecret is a random secret (192 bits, URL-safe), as Settings'
// Generate button makes one.
func NewPicGoSecret() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// SetPicGoSecret stores the editors' API secret in the keyring and
// records in the config that the API needs it; "" removes it (the API
// takes requests without one again). The agent follows at its next
// request.
func (c *Core) SetPicGoSecret(ctx context.Context, secret string) error {
	secret = strings.TrimSpace(secret)
	if secret != "" {
		if err := CheckPicGoSecret(secret); err != nil {
			return err
		}
		if err := c.opt.Keyring.SaveSecret(PicGoSecretName, secret); err != nil {
			return err
		}
	}
	if _, err := c.Reload(ctx); err != nil {
		return err
	}
	cfg := c.Config()
	cfg.PicGoSecretSet = secret != ""
	if err := c.saveConfig(cfg); err != nil {
		return err
	}
	if secret == "" {
		// The config says "none" first: a keyring that fails now leaves
		// an unused entry, never an API that wants a secret no one has.
		return c.opt.Keyring.DeleteSecret(PicGoSecretName)
	}
	return nil
}

// PicGoSecret is the secret the editors' API wants: on is false when
// none is set (the config says so; the keyring is not asked). An error
// (the keyring locked, the entry gone) means the API cannot know it: the
// agent then refuses every request rather than take them all.
func (c *Core) PicGoSecret() (secret string, on bool, err error) {
	if !c.Config().PicGoSecretSet {
		return "", false, nil
	}
	s, err := c.opt.Keyring.LoadSecret(PicGoSecretName)
	if err != nil {
		if isKind(err, KindNoSecret) {
			return "", true, &Error{Kind: KindSecretGone, Key: PicGoSecretName}
		}
		return "", true, err
	}
	return s, true, nil
}

// saveConfig saves cfg as the configuration in effect, keeping the open
// target (what changed does not concern it).
func (c *Core) saveConfig(cfg Config) error {
	if err := SaveConfig(c.opt.Dirs, cfg); err != nil {
		return err
	}
	c.mu.Lock()
	c.cfg = cfg
	c.cfgSeen = stampOf(c.opt.Dirs.ConfigFile())
	c.mu.Unlock()
	c.emit(Event{Config: true})
	return nil
}
