// Command photoset writes N distinct camera-like JPEGs (~3 MB each: crops
// of a real 18 MP photo at quality 95) and optionally one large file, for
// the upload benchmark.
//
// usage: go run ./bench/photoset -src PHOTO -n 100 -o DIR [-big 1024]
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
)

func main() {
	src := flag.String("src", "", "a large camera photo to crop from")
	n := flag.Int("n", 100, "photos to write")
	out := flag.String("o", "", "output folder")
	bigMB := flag.Int("big", 0, "also write big.jpg of this many MiB (a JPEG header and random bytes)")
	flag.Parse()
	if err := run(*src, *n, *out, *bigMB); err != nil {
		fmt.Fprintln(os.Stderr, "photoset:", err)
		os.Exit(1)
	}
}

func run(src string, n int, out string, bigMB int) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	m, err := jpeg.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	sub, ok := m.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return fmt.Errorf("%s: cannot crop", src)
	}
	b := m.Bounds()
	w, h := 2600, 1950
	for i := 0; i < n; i++ {
		x := (i * 37) % (b.Dx() - w)
		y := (i * 11) % (b.Dy() - h)
		p := filepath.Join(out, fmt.Sprintf("photo %03d.jpg", i))
		g, err := os.Create(p)
		if err != nil {
			return err
		}
		err = jpeg.Encode(g, sub.SubImage(image.Rect(x, y, x+w, y+h)), &jpeg.Options{Quality: 97})
		if cerr := g.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if bigMB > 0 {
		g, err := os.Create(filepath.Join(filepath.Dir(out), "big.jpg"))
		if err != nil {
			return err
		}
		g.Write([]byte{0xFF, 0xD8, 0xFF, 0xE0})
		buf := make([]byte, 1<<20)
		for i := 0; i < bigMB; i++ {
			rand.Read(buf)
			if _, err := g.Write(buf); err != nil {
				return err
			}
		}
		return g.Close()
	}
	return nil
}
