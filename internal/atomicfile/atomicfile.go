// Package atomicfile writes files so that a crash leaves the old content
// or the new one, never a mix and never half a file in sight: bytes go to
// a temporary file in a folder on the same file system, are synced, and
// the file is then renamed into place (or linked, never replacing one).
// The config, the agent's state and the local bucket all write this way.
package atomicfile

import (
	"os"
	"path/filepath"
)

// File is a temporary file on its way to its place.
type File struct {
	*os.File
	closed bool
}

// Create makes a temporary file in dir (on the destination's file
// system, so the rename is atomic), named after pattern as os.CreateTemp
// does.
func Create(dir, pattern string) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &File{File: f}, nil
}

// Finish syncs and closes the file: its bytes are on disk, under its
// temporary name (Name).
func (f *File) Finish() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if err := f.Sync(); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}

// Commit finishes the file and renames it to path, replacing what was
// there, then syncs path's folder so the new name survives a crash.
func (f *File) Commit(path string) error {
	if err := f.Finish(); err != nil {
		f.Abort()
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		f.Abort()
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		f.Abort()
		return err
	}
	SyncDir(filepath.Dir(path))
	return nil
}

// Abort closes the file if need be and removes it.
func (f *File) Abort() {
	if !f.closed {
		f.closed = true
		f.File.Close()
	}
	os.Remove(f.Name())
}

// WriteFile writes data to path atomically with the permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Abort()
		return err
	}
	return f.Commit(path)
}

// SyncDir syncs a folder, so a name just given in it survives a crash
// (where the system allows; errors are of no use to the caller).
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
