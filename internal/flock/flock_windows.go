//go:build windows

package flock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// Windows locks are mandatory for the bytes they cover: the lock is taken
// on one byte far past any content, so a lock file can still be read and
// written by anyone (LockFileEx allows ranges beyond the end of the file).
const lockOffsetHigh = 0x7fffffff

func lockFile(f *os.File, wait bool) error {
	flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK)
	if !wait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, &windows.Overlapped{OffsetHigh: lockOffsetHigh})
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return ErrHeld
	}
	return err
}

// release lets go first: Windows cannot delete a file another process has
// open (Go opens files without FILE_SHARE_DELETE), so the delete that
// follows succeeds only when no one else holds the file, and a process
// that had it open keeps a live lock file rather than a deleted one.
func release(l *Lock) error {
	err := l.Unlock()
	os.Remove(l.path)
	return err
}
