package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/thumbdrop/thumbdrop/storage"
)

// Keys are an access key pair. They live only in the OS keyring, and in
// memory while they are used.
type Keys struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Validate checks the shape of a key pair before it is stored or tried.
func (k Keys) Validate() error {
	switch {
	case strings.TrimSpace(k.AccessKeyID) == "":
		return &Error{Kind: KindKeysInvalid, Fix: FixKeyEmptyID}
	case strings.TrimSpace(k.SecretAccessKey) == "":
		return &Error{Kind: KindKeysInvalid, Fix: FixKeyEmptySec}
	case strings.ContainsAny(k.AccessKeyID+k.SecretAccessKey, " \t\r\n"):
		return &Error{Kind: KindKeysInvalid, Fix: FixKeySpaces}
	}
	return nil
}

// String never shows the secret.
func (k Keys) String() string { return fmt.Sprintf("Keys{%s, secret: ****}", k.AccessKeyID) }

// Keyring keeps the keys. The composition root (main) hands the core the
// OS keyring (OSKeyring); tests hand it their own.
type Keyring interface {
	// Load returns the stored keys (an *Error of KindNoKeys if none).
	Load() (Keys, error)
	// Save stores keys, replacing any stored before.
	Save(Keys) error
	// Delete removes them; having none is not an error.
	Delete() error
	// Name says where keys are kept, for messages ("the OS keyring").
	Name() string
	// LoadSecret returns the secret stored under name beside the keys
	// (an *Error of KindNoSecret if none): the editors' API secret.
	LoadSecret(name string) (string, error)
	// SaveSecret stores a secret under name, replacing any stored before.
	SaveSecret(name, value string) error
	// DeleteSecret removes it; having none is not an error.
	DeleteSecret(name string) error
}

// NoAutolaunchBus, where there is no D-Bus session bus (ssh -X, a bare X
// session), points DBUS_SESSION_BUS_ADDRESS nowhere through setenv, so
// that no D-Bus client of the process (the window's notifications and
// tray, the keyring) autolaunches a dbus-daemon that outlives it. It
// reports whether it did. Call it before anything asks the bus.
func NoAutolaunchBus(getenv func(string) string, setenv func(key, value string) error) bool {
	if !storage.NoSessionBus(getenv) || getenv("DBUS_SESSION_BUS_ADDRESS") == storage.NoBusAddress {
		return false
	}
	return setenv("DBUS_SESSION_BUS_ADDRESS", storage.NoBusAddress) == nil
}

// OSKeyring is the OS keyring (Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows) under service ("" for "thumbdrop").
func OSKeyring(service string, getenv func(string) string) Keyring {
	return osKeyring{storage.Keyring{Service: service, Getenv: getenv}}
}

type osKeyring struct{ kr storage.Keyring }

func (o osKeyring) Name() string {
	s := o.kr.Service
	if s == "" {
		s = storage.KeyringService
	}
	return fmt.Sprintf("the OS keyring (service %q)", s)
}

func (o osKeyring) Load() (Keys, error) {
	k, err := o.kr.Load()
	if err != nil {
		return Keys{}, keyringErr("read the keys", err)
	}
	return Keys{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, nil
}

func (o osKeyring) Save(k Keys) error {
	if err := k.Validate(); err != nil {
		return err
	}
	return keyringErr("save the keys", o.kr.Save(storage.Keys{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}))
}

func (o osKeyring) Delete() error { return keyringErr("remove the keys", o.kr.Delete()) }

func (o osKeyring) LoadSecret(name string) (string, error) {
	v, err := o.kr.LoadSecret(name)
	if errors.Is(err, storage.ErrNoSecret) {
		return "", &Error{Kind: KindNoSecret, Key: name}
	}
	return v, secretErr("read the "+name, err)
}

func (o osKeyring) SaveSecret(name, value string) error {
	return secretErr("save the "+name, o.kr.SaveSecret(name, value))
}

func (o osKeyring) DeleteSecret(name string) error {
	return secretErr("remove the "+name, o.kr.DeleteSecret(name))
}

// keyringErr is what the keyring said, as the core's kind.
func keyringErr(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrKeysDamaged):
		return &Error{Kind: KindKeysDamaged}
	case errors.Is(err, storage.ErrNoCredentials):
		return &Error{Kind: KindNoKeys}
	case errors.Is(err, storage.ErrNoSessionBus):
		return &Error{Kind: KindNoKeyring, Value: what, Fix: FixNoSessionBus}
	case errors.Is(err, storage.ErrKeyringLocked):
		return &Error{Kind: KindNoKeyring, Value: what, Fix: FixKeyringLocked}
	case errors.Is(err, storage.ErrNoKeyring):
		return &Error{Kind: KindNoKeyring, Value: what, Fix: FixNoKeyring}
	}
	return &Error{Kind: KindKeyring, Value: what, Err: err}
}

// secretErr is keyringErr for a secret, which the AWS CLI's credentials
// cannot stand in for.
func secretErr(what string, err error) error {
	e, ok := keyringErr(what, err).(*Error)
	if ok && e.Kind == KindNoKeyring {
		e.Kind = KindSecretKeyring
	}
	if !ok {
		return nil
	}
	return e
}

// provider is the SDK's credentials from a Keyring, read on demand.
func provider(kr Keyring) func(context.Context) (storage.Keys, error) {
	return func(context.Context) (storage.Keys, error) {
		k, err := kr.Load()
		if err != nil {
			return storage.Keys{}, err
		}
		return storage.Keys{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, nil
	}
}

// staticKeys are keys typed in a form and not stored (Test connection
// tries them before Save).
type staticKeys struct {
	Keys
	under Keyring
}

func (s staticKeys) Load() (Keys, error) { return s.Keys, nil }
func (s staticKeys) Save(Keys) error     { return nil }
func (s staticKeys) Delete() error       { return nil }

// Secrets are the keyring's own (only the keys are typed in a form).
func (s staticKeys) LoadSecret(name string) (string, error) { return s.keyring().LoadSecret(name) }
func (s staticKeys) SaveSecret(name, v string) error        { return s.keyring().SaveSecret(name, v) }
func (s staticKeys) DeleteSecret(name string) error         { return s.keyring().DeleteSecret(name) }

func (s staticKeys) keyring() Keyring {
	if s.under != nil {
		return s.under
	}
	return noKeyring{}
}

func (s staticKeys) Name() string {
	if s.under != nil {
		return s.under.Name()
	}
	return "memory"
}

// noKeyring is the Keyring of a core opened without one: it has no keys.
type noKeyring struct{}

func (noKeyring) Load() (Keys, error) { return Keys{}, &Error{Kind: KindNoKeys} }
func (noKeyring) Save(Keys) error {
	return &Error{Kind: KindNoKeyring, Value: "save the keys", Fix: FixNoKeyring}
}
func (noKeyring) Delete() error { return nil }
func (noKeyring) Name() string  { return "no keyring" }
func (noKeyring) LoadSecret(name string) (string, error) {
	return "", &Error{Kind: KindNoSecret, Key: name}
}
func (noKeyring) SaveSecret(name, _ string) error {
	return &Error{Kind: KindSecretKeyring, Value: "save the " + name, Fix: FixNoKeyring}
}
func (noKeyring) DeleteSecret(string) error { return nil }

// SaveKeys stores keys in the keyring only.
func (c *Core) SaveKeys(k Keys) error { return c.opt.Keyring.Save(k) }

// ForgetKeys removes them.
func (c *Core) ForgetKeys() error { return c.opt.Keyring.Delete() }

// HasKeys reports whether keys are stored (it never returns them). It
// talks to the OS keyring: call it only where the target needs keys.
func (c *Core) HasKeys() bool {
	_, err := c.opt.Keyring.Load()
	return err == nil
}

// KeyringName says where keys are kept ("the OS keyring (service …)").
func (c *Core) KeyringName() string { return c.opt.Keyring.Name() }
