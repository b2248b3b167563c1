package app

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/atomicfile"
)

// Dirs are where thumbdrop keeps its files.
type Dirs struct {
	Config string // config.json
	Data   string // history, local-mode bucket, preview cache
}

// ResolveDirs applies THUMBDROP_CONFIG_DIR and THUMBDROP_DATA_DIR, else the
// platform's usual places.
func ResolveDirs(getenv func(string) string) (Dirs, error) {
	var d Dirs
	if d.Config = getenv("THUMBDROP_CONFIG_DIR"); d.Config == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return d, &Error{Kind: KindDirs, Value: "config", Key: "THUMBDROP_CONFIG_DIR", Err: err}
		}
		d.Config = filepath.Join(base, "thumbdrop")
	}
	if d.Data = getenv("THUMBDROP_DATA_DIR"); d.Data == "" {
		base, err := userDataDir(getenv)
		if err != nil {
			return d, &Error{Kind: KindDirs, Value: "data", Key: "THUMBDROP_DATA_DIR", Err: err}
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
	return "", errors.New("no home folder")
}

// DecoderCache is where the WebAssembly image decoders are kept compiled
// between runs (thumbnail.Options.DecoderCache).
func (d Dirs) DecoderCache() string { return filepath.Join(d.Data, "cache") }

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
		return c, &Error{Kind: KindConfigRead, File: d.ConfigFile(), Err: osCause(err)}
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

func (e *ConfigError) Error() string { return e.typed().Error() }

func (e *ConfigError) Unwrap() error { return e.typed() }

func (e *ConfigError) typed() *Error {
	return &Error{Kind: KindConfigDamaged, File: e.Path, Err: e.Err}
}

// ResetConfig sets a damaged config aside (config.json.damaged-<time>,
// kept for the user to look at) and writes the defaults in its place. It
// returns where the old file went.
func ResetConfig(d Dirs) (string, error) {
	aside := d.ConfigFile() + ".damaged-" + time.Now().Format("20060102-150405")
	if err := os.Rename(d.ConfigFile(), aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", &Error{Kind: KindConfigSave, File: d.ConfigFile(), Err: osCause(err)}
	}
	return aside, SaveConfig(d, DefaultConfig())
}

// SaveConfig writes the config atomically.
func SaveConfig(d Dirs, c Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(d.ConfigFile(), append(b, '\n'), 0o600); err != nil {
		return &Error{Kind: KindConfigSave, File: d.ConfigFile(), Err: osCause(err)}
	}
	return nil
}
