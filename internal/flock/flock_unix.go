//go:build unix

package flock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

func lockFile(f *os.File, wait bool) error {
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EWOULDBLOCK) {
			return ErrHeld
		}
		return err
	}
}

// release deletes the file first: a process that opens the path after
// that makes a new file, and one that opened it before finds (TryLockLive)
// that its file is no longer the one named.
func release(l *Lock) error {
	os.Remove(l.path)
	return l.Unlock()
}
