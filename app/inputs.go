package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/thumbnail"
)

// Input is a file to upload, or a named path refused with the reason.
type Input struct {
	Path string
	Err  error // why it is not uploaded (not an image, a folder without images, ...)
}

// ExpandPaths turns what a user dropped or named into image files, in
// order, as every front end does it: folders contribute the images inside
// them (recursively, sorted; other files in folders, hidden ones and what
// is not a regular file are skipped silently; symlinks are followed, never
// into a loop); files that are not images are refused by name.
func ExpandPaths(paths []string) []Input {
	var out []Input
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			out = append(out, Input{p, errorf(KindCannotOpen, filepath.Base(p), osCause(err))})
			continue
		}
		if !st.IsDir() {
			out = append(out, Input{p, Sniff(p)})
			continue
		}
		inDir := walkImages(p)
		if len(inDir) == 0 {
			out = append(out, Input{p, errorf(KindEmptyFolder, filepath.Base(p), nil)})
		}
		for _, q := range inDir {
			out = append(out, Input{Path: q})
		}
	}
	return out
}

// Split separates the files to upload from the refusals.
func Split(in []Input) (files []string, refused []error) {
	for _, i := range in {
		if i.Err != nil {
			refused = append(refused, i.Err)
		} else {
			files = append(files, i.Path)
		}
	}
	return files, refused
}

// walkImages lists the images under dir, following symlinked files and
// folders but visiting each real folder once.
func walkImages(dir string) []string {
	var out []string
	visited := map[string]bool{}
	var walk func(d string)
	walk = func(d string) {
		// The folder's real, absolute path: "." and a symlink back to
		// /home/me/Pictures are the same folder, visited once.
		real, err := filepath.EvalSymlinks(d)
		if err == nil {
			real, err = filepath.Abs(real)
		}
		if err != nil || visited[real] {
			return
		}
		visited[real] = true
		entries, err := os.ReadDir(d)
		if err != nil {
			return
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			p := filepath.Join(d, e.Name())
			mode := e.Type()
			if mode&fs.ModeSymlink != 0 {
				st, err := os.Stat(p)
				if err != nil {
					continue
				}
				mode = st.Mode().Type()
			}
			switch {
			case mode.IsDir():
				walk(p)
			case mode.IsRegular() && Sniff(p) == nil:
				out = append(out, p)
			}
		}
	}
	walk(dir)
	sort.Strings(out)
	return out
}

// Sniff reports whether a file is an image thumbdrop uploads, reading its
// first bytes; the error says why not, naming the file. A FIFO or device
// is refused without being opened (opening a FIFO waits for a writer).
func Sniff(path string) error {
	name := filepath.Base(path)
	st, err := os.Stat(path)
	if err != nil {
		return errorf(KindCannotOpen, name, osCause(err))
	}
	if st.IsDir() {
		return errorf(KindFolder, name, nil)
	}
	if !st.Mode().IsRegular() {
		return errorf(KindNotRegular, name, nil)
	}
	f, err := os.Open(path)
	if err != nil {
		return errorf(KindCannotOpen, name, osCause(err))
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := f.Read(head)
	if n == 0 {
		return errorf(KindEmpty, name, nil)
	}
	if thumbnail.Sniff(head[:n]) == "" {
		return &Error{Kind: KindNotImage, File: name, Value: thumbnail.FormatList}
	}
	return nil
}

// AddBytes queues an image held in memory (a clipboard screenshot, a file
// sent to the editors' API) under name, as Add queues files: the bytes go
// to a temporary file of the core's, removed when it closes. An empty
// name gets clipboard-YYYYMMDD-HHMMSS with the extension of the format.
func (c *Core) AddBytes(data []byte, name string, opt AddOptions) (int, error) {
	f := thumbnail.Sniff(data)
	if f == "" {
		return 0, &Error{Kind: KindClipboard, Value: thumbnail.FormatList}
	}
	if name == "" {
		name = "clipboard-" + time.Now().Format("20060102-150405") + f.Extensions()[0]
	}
	dir, err := c.tempDir()
	if err != nil {
		return 0, errorf(KindKeepBytes, name, osCause(err))
	}
	p, err := os.CreateTemp(dir, "in-*"+f.Extensions()[0])
	if err != nil {
		return 0, errorf(KindKeepBytes, name, osCause(err))
	}
	_, werr := p.Write(data)
	if err := errors.Join(werr, p.Close()); err != nil {
		os.Remove(p.Name())
		return 0, errorf(KindKeepBytes, name, osCause(err))
	}
	opt.Name = name
	return c.Add(opt, p.Name())[0], nil
}

// tempDir is the core's folder for images held in memory, made on first
// use and removed by Close.
func (c *Core) tempDir() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tmp == "" {
		d, err := os.MkdirTemp("", "thumbdrop-*")
		if err != nil {
			return "", err
		}
		c.tmp = d
	}
	return c.tmp, nil
}

// ImageExtensions are the file name extensions of the formats thumbdrop
// takes (for a file dialog's filter: the bytes decide, not the name).
func ImageExtensions() []string {
	var exts []string
	for _, f := range thumbnail.Formats {
		exts = append(exts, f.Extensions()...)
	}
	return exts
}
