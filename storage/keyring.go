package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/zalando/go-keyring"
)

// KeyringService is the service name under which secrets are stored.
const KeyringService = "thumbdrop"

const keyringUser = "aws-access-key"

// Keys are an access key pair. They live only in the OS keyring.
type Keys struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// Validate checks the shape of a key pair before it is stored.
func (k Keys) Validate() error {
	switch {
	case strings.TrimSpace(k.AccessKeyID) == "":
		return errors.New("the access key id is empty")
	case strings.TrimSpace(k.SecretAccessKey) == "":
		return errors.New("the secret access key is empty")
	case strings.ContainsAny(k.AccessKeyID+k.SecretAccessKey, " \t\r\n"):
		return errors.New("keys must not contain spaces or line breaks")
	}
	return nil
}

// String never shows the secret.
func (k Keys) String() string { return fmt.Sprintf("Keys{%s, secret: ****}", k.AccessKeyID) }

// Keyring stores keys in the OS keyring (Secret Service on Linux, Keychain
// on macOS, Credential Manager on Windows). Service defaults to
// KeyringService; tests use their own.
type Keyring struct {
	Service string
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string
}

func (r Keyring) service() string {
	if r.Service == "" {
		return KeyringService
	}
	return r.Service
}

// noSessionBus reports (on Linux and BSDs) that there is no D-Bus
// session bus to find a Secret Service on. Asking anyway would make the
// D-Bus library autolaunch a private dbus-daemon (and with it a keyring
// daemon) that outlives the command, one more each time.
func (r Keyring) noSessionBus() bool {
	getenv := r.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return NoSessionBus(getenv)
}

// NoBusAddress is a session bus address that connects nowhere. Set as
// DBUS_SESSION_BUS_ADDRESS where NoSessionBus, it keeps every D-Bus
// client of the process (Fyne's notifications, its tray, the portal) from
// autolaunching a dbus-daemon that outlives the program.
const NoBusAddress = "disabled:"

// NoSessionBus reports (on Linux and BSDs) that there is no D-Bus session
// bus: no address in the environment (or NoBusAddress), and no socket at
// $XDG_RUNTIME_DIR/bus.
func NoSessionBus(getenv func(string) string) bool {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return false
	}
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a == NoBusAddress
	}
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "bus")); err == nil {
			return false
		}
	}
	return true
}

// Why no keyring could be used (with ErrNoKeyring), and keys that are
// stored but unreadable (with ErrNoCredentials).
var (
	ErrNoSessionBus  = errors.New("no D-Bus session bus")
	ErrKeyringLocked = errors.New("the OS keyring is locked")
	ErrKeysDamaged   = errors.New("the keys in the OS keyring are damaged")
)

// Save stores keys, replacing any stored before.
func (r Keyring) Save(k Keys) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if r.noSessionBus() {
		return keyringError("save the keys", ErrNoSessionBus)
	}
	b, _ := json.Marshal(k)
	if err := keyring.Set(r.service(), keyringUser, string(b)); err != nil {
		return keyringError("save the keys", err)
	}
	return nil
}

// Load reads the stored keys; ErrNoCredentials if there are none.
func (r Keyring) Load() (Keys, error) {
	if r.noSessionBus() {
		return Keys{}, keyringError("read the keys", ErrNoSessionBus)
	}
	s, err := keyring.Get(r.service(), keyringUser)
	if err != nil {
		return Keys{}, keyringError("read the keys", err)
	}
	var k Keys
	if err := json.Unmarshal([]byte(s), &k); err != nil || k.Validate() != nil {
		return Keys{}, explained(ErrNoCredentials, "the keys in the OS keyring are damaged; run 'thumbdrop login' again").because(ErrKeysDamaged)
	}
	return k, nil
}

// Delete removes the stored keys; having none is not an error.
func (r Keyring) Delete() error {
	if r.noSessionBus() {
		return keyringError("remove the keys", ErrNoSessionBus)
	}
	err := keyring.Delete(r.service(), keyringUser)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return keyringError("remove the keys", err)
	}
	return nil
}

// ErrNoSecret: no secret is stored under that name.
var ErrNoSecret = errors.New("no such secret in the OS keyring")

// secretUser is the keyring entry of the named secret (beside the keys'
// own, under the same service).
func secretUser(name string) string { return "secret:" + name }

// SaveSecret stores a named secret (the editors' API secret), replacing
// any stored before under that name.
func (r Keyring) SaveSecret(name, value string) error {
	what := "save the " + name
	if r.noSessionBus() {
		return keyringError(what, ErrNoSessionBus)
	}
	if err := keyring.Set(r.service(), secretUser(name), value); err != nil {
		return keyringError(what, err)
	}
	return nil
}

// LoadSecret reads a named secret; ErrNoSecret if there is none.
func (r Keyring) LoadSecret(name string) (string, error) {
	what := "read the " + name
	if r.noSessionBus() {
		return "", keyringError(what, ErrNoSessionBus)
	}
	v, err := keyring.Get(r.service(), secretUser(name))
	if errors.Is(err, keyring.ErrNotFound) {
		return "", fmt.Errorf("%s: %w", name, ErrNoSecret)
	}
	if err != nil {
		return "", keyringError(what, err)
	}
	return v, nil
}

// DeleteSecret removes a named secret; having none is not an error.
func (r Keyring) DeleteSecret(name string) error {
	what := "remove the " + name
	if r.noSessionBus() {
		return keyringError(what, ErrNoSessionBus)
	}
	err := keyring.Delete(r.service(), secretUser(name))
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return keyringError(what, err)
	}
	return nil
}

// StaticKeys are keys known beforehand (tests; keys typed and not saved).
func StaticKeys(id, secret string) func(context.Context) (Keys, error) {
	return func(context.Context) (Keys, error) { return Keys{AccessKeyID: id, SecretAccessKey: secret}, nil }
}

// keysProvider is an SDK credentials provider reading keys on demand.
func keysProvider(load func(context.Context) (Keys, error)) aws.CredentialsProvider {
	return aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		k, err := load(ctx)
		if err != nil {
			return aws.Credentials{}, err
		}
		return credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretAccessKey, "").Retrieve(ctx)
	}))
}

func keyringError(what string, err error) error {
	if errors.Is(err, keyring.ErrNotFound) {
		return explained(ErrNoCredentials, "no keys are stored; run 'thumbdrop login' or enter them in Settings")
	}
	msg := err.Error()
	var ne *net.OpError
	const aws = "or use the AWS CLI's credentials with 'thumbdrop config set credentials aws'"
	switch {
	case errors.Is(err, ErrNoSessionBus):
		return explained(ErrNoKeyring, "cannot %s: this session has no D-Bus session bus, so no OS keyring (Secret Service); "+
			"log in to a desktop session, %s", what, aws).because(ErrNoSessionBus)
	case strings.Contains(msg, "unlock correct collection") || strings.Contains(msg, "is locked"):
		return explained(ErrNoKeyring, "cannot %s: the OS keyring is locked and cannot ask for its password here; unlock it (log in to the desktop), %s", what, aws).because(ErrKeyringLocked)
	case errors.As(err, &ne) || strings.Contains(msg, "org.freedesktop.secrets") || strings.Contains(msg, "dbus") ||
		strings.Contains(msg, "DBus") || strings.Contains(msg, "Secret Service") || errors.Is(err, keyring.ErrUnsupportedPlatform):
		return explained(ErrNoKeyring, "cannot %s: no OS keyring is running (start gnome-keyring or KeePassXC's Secret Service), %s", what, aws)
	}
	return fmt.Errorf("cannot %s in the OS keyring: %w", what, err)
}
