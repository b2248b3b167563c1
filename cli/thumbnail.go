package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

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

// runThumbnail: thumbdrop thumbnail [--max 200] -o DIR FILE...
// Each output keeps the input's base name, as the resize function does with
// keys, so what lands in DIR is exactly what the function would write.
func runThumbnail(ctx context.Context, e Env, args []string) int {
	fs := newFlagSet("thumbnail", "[--max 200] [--quality 80] [--json] -o DIR FILE...")
	maxSize := fs.Int("max", thumbnail.DefaultMaxSize, "fit inside `N`xN pixels")
	quality := fs.Int("quality", thumbnail.DefaultJPEGQuality, "JPEG quality `1-100`")
	dir := fs.String("o", "", "write thumbnails into `DIR` (created if missing)")
	asJSON := fs.Bool("json", false, "print one JSON object per file")
	files, ok := parseFlags(fs, e, args)
	if !ok {
		return ExitUsage
	}
	switch {
	case *dir == "":
		fail(e, "thumbnail needs -o DIR, the folder to write thumbnails into")
		return ExitUsage
	case len(files) == 0:
		fail(e, "thumbnail needs at least one image file")
		return ExitUsage
	case *maxSize < 1 || *quality < 1 || *quality > 100:
		fail(e, "--max must be at least 1 and --quality from 1 to 100")
		return ExitUsage
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fail(e, "cannot create %s: %v", *dir, err)
		return ExitFailed
	}
	opt := thumbnail.Options{MaxSize: *maxSize, JPEGQuality: *quality}
	status := ExitOK
	enc := json.NewEncoder(e.Stdout)
	for _, f := range files {
		if ctx.Err() != nil {
			return ExitFailed
		}
		rec := thumbJSON{File: f}
		out, res, err := thumbnailFile(f, *dir, opt)
		if err != nil {
			status = ExitFailed
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
	return status
}

func thumbnailFile(path, dir string, opt thumbnail.Options) (string, *thumbnail.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("%s: cannot open it (%v)", path, unwrapPath(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", nil, fmt.Errorf("%s is a folder; name the image files inside it", path)
	}
	res, err := thumbnail.Read(f, opt)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w; nothing written", path, err)
	}
	out := filepath.Join(dir, filepath.Base(path))
	if err := app.WriteFileAtomic(out, res.Data, 0o644); err != nil {
		return "", nil, fmt.Errorf("%s: cannot write %s: %v", path, out, err)
	}
	return out, res, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
