// Package flock holds advisory locks on files, released by the kernel when
// the process ends however it ends (kill -9 included): the one-per-user
// agent and app, and one-time migrations, rely on that.
package flock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrHeld: another process holds the lock.
var ErrHeld = errors.New("lock is held by another process")

// Lock is a held lock.
type Lock struct {
	f    *os.File
	path string
}

// TryLock takes the lock on path without waiting, or returns ErrHeld.
func TryLock(path string) (*Lock, error) { return lock(path, false) }

// Wait takes the lock on path, waiting for its holder to let go.
func Wait(path string) (*Lock, error) { return lock(path, true) }

func lock(path string, wait bool) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f, wait); err != nil {
		f.Close()
		if errors.Is(err, ErrHeld) {
			return nil, ErrHeld
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f, path: path}, nil
}

// TryLockLive is TryLock for lock files their holders delete when done
// (Release): the lock is taken only on the file the path names now, never
// on one a former holder removed while this process was opening it.
func TryLockLive(path string) (*Lock, error) {
	for {
		l, err := TryLock(path)
		if err != nil {
			return nil, err
		}
		held, err1 := l.f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return l, nil
		}
		l.Unlock() // removed (and perhaps made again) meanwhile: try again
	}
}

// Release deletes the lock's file and lets go of the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	return release(l)
}

// Unlock lets go of the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the lock
	l.f = nil
	return err
}

// Held reports whether some process holds the lock on path now. It
// creates nothing: where the file (or its folder) is gone, no one holds it.
func Held(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(lockFile(f, false), ErrHeld)
}

// Gone reports whether the lock's file is no longer the one its path
// names (deleted, with its folder perhaps, or replaced): no other process
// can find the lock any more, so its holder is an orphan.
func (l *Lock) Gone() bool {
	if l == nil || l.f == nil {
		return true
	}
	held, err1 := l.f.Stat()
	named, err2 := os.Stat(l.path)
	return err1 != nil || err2 != nil || !os.SameFile(held, named)
}
