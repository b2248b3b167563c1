package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

type thumbJSON struct {
	File        string `json:"file"`
	Output      string `json:"output,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	SrcWidth    int    `json:"source_width,omitempty"`
	SrcHeight   int    `json:"source_height,omitempty"`
	Bytes       int    `json:"bytes,omitempty"`
	Error       string `json:"error"`
}

// thumbnailArgs are the thumbnail command's arguments, with the
// resize code's defaults.
var thumbnailArgs = fmt.Sprintf("[--max %d] [--quality %d] [--json] -o DIR FILE...", thumbnail.DefaultMaxSize, thumbnail.DefaultJPEGQuality)

// runThumbnail: thumbdrop thumbnail [--max N] -o DIR FILE...
// Each output keeps the input's base name with the extension of the format
// written (a WebP becomes name.jpg), and never replaces any file: a name
// that is taken gets -2, -3... Files are thumbnailed on every core at
// once.
func runThumbnail(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("thumbnail", thumbnailArgs)
	maxSize := fs.Int("max", thumbnail.DefaultMaxSize, "fit inside `N`xN pixels")
	quality := fs.Int("quality", thumbnail.DefaultJPEGQuality, "JPEG quality `1-100`")
	dir := fs.String("o", "", "write thumbnails into `DIR` (created if missing)")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	files, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	switch {
	case *dir == "":
		return usagef("thumbnail needs -o DIR, the folder to write thumbnails into")
	case len(files) == 0:
		return usagef("thumbnail needs at least one image file")
	case *maxSize < 1:
		return usagef("--max must be at least 1 (pixels), not %d", *maxSize)
	case *quality < 1 || *quality > 100:
		return usagef("--quality must be from 1 to 100, not %d", *quality)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", *dir, err)
	}
	opt := thumbnail.Options{MaxSize: *maxSize, JPEGQuality: *quality}
	if d, err := app.ResolveDirs(e.Getenv); err == nil {
		opt.DecoderCache = d.DecoderCache() // else each run compiles the decoders anew
	}
	w := thumbWriter{dir: *dir}
	failed := false
	enc := json.NewEncoder(e.Stdout)
	// One decoder per core; outputs are named, written and reported in
	// the order of the arguments.
	results := make([]chan made, len(files))
	for i := range results {
		results[i] = make(chan made, 1)
	}
	next := make(chan int)
	workers := min(runtime.GOMAXPROCS(0), len(files))
	// Each decoder may use up to the per-image budget; together they
	// stay within two budgets: ordinary photos all run at once, a few
	// huge ones take turns.
	w.gate = newMemGate(2 * thumbnail.DefaultMaxMemory)
	for range workers {
		go func() {
			for i := range next {
				res, err := w.thumbnail(files[i], opt)
				results[i] <- made{res, err}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i, f := range files {
		var m made
		select {
		case m = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		rec := thumbJSON{File: f}
		res, err := m.res, m.err
		var out, renamed string
		if err == nil {
			out, renamed, err = w.write(f, res)
		}
		if renamed != "" {
			note(e, "%s", renamed)
		}
		if err != nil {
			failed = true
			rec.Error = err.Error()
			fail(e, "%s", err)
		} else {
			rec.Output, rec.ContentType, rec.Bytes = out, res.ContentType, len(res.Data)
			rec.Width, rec.Height, rec.SrcWidth, rec.SrcHeight = res.Width, res.Height, res.SrcWidth, res.SrcHeight
		}
		if *asJSON {
			enc.Encode(rec)
		} else if err == nil {
			fmt.Fprintf(e.Stdout, "%s -> %s (%dx%d %s, %d bytes)\n", f, out, res.Width, res.Height, res.ContentType, len(res.Data))
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// thumbWriter names and writes thumbnails without ever replacing a file.
type thumbWriter struct {
	dir  string
	gate *memGate // nil: no limit
}

// memGate shares a memory budget between decoders running at once, in
// the order they ask: a large image is not passed over for ever by the
// small ones behind it.
type memGate struct {
	mu         sync.Mutex
	cond       *sync.Cond
	total      int64
	free       int64
	next, last uint64 // tickets: the one served next, the last handed out
}

func newMemGate(total int64) *memGate {
	g := &memGate{total: total, free: total}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// acquire waits until n bytes (at most the whole budget) are free, takes
// them and returns how much it took.
func (g *memGate) acquire(n int64) int64 {
	if g == nil {
		return 0
	}
	n = min(max(n, 0), g.total)
	g.mu.Lock()
	defer g.mu.Unlock()
	ticket := g.last
	g.last++
	for g.next != ticket || g.free < n {
		g.cond.Wait()
	}
	g.next++
	g.free -= n
	g.cond.Broadcast() // the next ticket may fit too
	return n
}

func (g *memGate) release(n int64) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.free += n
	g.mu.Unlock()
	g.cond.Broadcast()
}

// made is one file's thumbnail, or why there is none.
type made struct {
	res *thumbnail.Result
	err error
}

// thumbnail makes the thumbnail of the file at path (safe to run on
// several files at once).
func (w *thumbWriter) thumbnail(path string, opt thumbnail.Options) (*thumbnail.Result, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (a folder, a pipe or a device); nothing written", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot open it (%v)", path, unwrapPath(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		took := w.gate.acquire(thumbnail.MemoryNeed(f, st.Size(), opt))
		defer w.gate.release(took)
	}
	res, err := thumbnail.Read(f, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; nothing written", path, err)
	}
	return res, nil
}

// maxNames is how many names (name.jpg, name-2.jpg, ...) are tried for
// one thumbnail before giving up.
const maxNames = 1000

// write names and writes path's thumbnail (one at a time, in order),
// never replacing a file: where the name is taken (by an input, by a
// thumbnail written earlier in the run, by any file), the next free one
// (name-2.jpg, name-3.jpg...) is used, and note says so.
func (w *thumbWriter) write(path string, res *thumbnail.Result) (out, note string, err error) {
	want := filepath.Join(w.dir, withExt(filepath.Base(path), res.Format))
	ext := filepath.Ext(want)
	stem := strings.TrimSuffix(want, ext)
	for i := 1; i <= maxNames; i++ {
		out = want
		if i > 1 {
			out = fmt.Sprintf("%s-%d%s", stem, i, ext)
		}
		err := createNew(out, res.Data)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", "", fmt.Errorf("%s: cannot write %s: %v", path, out, unwrapPath(err))
		}
		if out != want {
			note = fmt.Sprintf("%s: %s exists and is kept; the thumbnail is %s", path, want, out)
		}
		return out, note, nil
	}
	return "", "", fmt.Errorf("%s: %s and %d other names for its thumbnail are taken; choose another -o folder", path, want, maxNames-1)
}

// createNew writes a new file at p, failing with fs.ErrExist if there is
// one (O_EXCL: a file made meanwhile by another program is not replaced
// either). A write that fails leaves nothing.
func createNew(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
	}
	return err
}

// withExt gives name the extension of format f, keeping one that already
// names it (photo.jpeg stays photo.jpeg).
func withExt(name string, f thumbnail.Format) string {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range f.Extensions() {
		if ext == e {
			return name
		}
	}
	return strings.TrimSuffix(name, filepath.Ext(name)) + f.Extensions()[0]
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
