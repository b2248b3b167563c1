// Command originalcompare times thumbdrop making web-ready originals (the
// upload rules: original_max, original_format, original_quality) against
// sharp (libvips) doing the same, one core each, same photos, same run,
// and prints medians and ratios: the photo decoded (JPEG at a reduced
// scale where it can), turned upright, fitted inside -max with Lanczos-3,
// encoded as WebP (vp8enc; sharp: libwebp effort 4) and as JPEG
// (image/jpeg; sharp: libjpeg-turbo via libvips) with EXIF and the ICC
// profile kept, into memory.
//
// usage: go run -tags nodynamic ./bench/originalcompare [-runs 7] [-max 2048] [-quality 85] FILE...
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"text/tabwriter"

	"github.com/thumbdrop/thumbdrop/bench/internal/side"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

func main() {
	runs := flag.Int("runs", 7, "timed runs per file and format (median reported)")
	maxSide := flag.Int("max", 2048, "original_max: the longest side")
	quality := flag.Int("quality", thumbnail.DefaultPrepareQuality, "original_quality")
	script := flag.String("sharp", "bench/sharp-original.mjs", "sharp timing script (empty: skip sharp)")
	flag.Parse()
	runtime.GOMAXPROCS(1) // one core each
	formats := []thumbnail.Format{thumbnail.WebP, thumbnail.JPEG}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tMP\tformat\tout\tthumbdrop ms\tsharp ms\tthumbdrop/sharp\tthumbdrop KB\tsharp KB\t")
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fatal(err)
		}
		info, err := thumbnail.Inspect(data, thumbnail.Options{})
		if err != nil {
			fatal(fmt.Errorf("%s: %w", file, err))
		}
		peer := sharp(*script, *runs, *maxSide, *quality, file)
		for _, f := range formats {
			opt := thumbnail.PrepareOptions{MaxSide: *maxSide, Format: f, Quality: *quality, MaxMemory: 1 << 30}
			plan := thumbnail.Plan(info, opt)
			var out bytes.Buffer
			var p *thumbnail.Prepared
			debug.FreeOSMemory()
			d, err := side.Median(*runs, func() error {
				out.Reset()
				var err error
				p, _, err = thumbnail.Prepare(data, opt, plan, &out, nil)
				return err
			})
			if err != nil {
				fatal(fmt.Errorf("%s: %w", file, err))
			}
			ms, sharpKB := peer[string(f)].MedianMS, float64(peer[string(f)].Bytes>>10)
			fmt.Fprintf(tw, "%s\t%.1f\t%s\t%dx%d\t%.0f\t%s\t%s\t%d\t%s\t\n", side.Name(file), float64(info.Width*info.Height)/1e6, f,
				p.Width, p.Height, side.MS(d), side.Opt(ms, "%.0f"), side.Ratio(side.MS(d), ms), out.Len()>>10, side.Opt(sharpKB, "%.0f"))
		}
	}
	tw.Flush()
	fmt.Printf("A web-ready original inside %d px at quality %d (WebP method/effort 4), EXIF and ICC kept, into memory;\n", *maxSide, *quality)
	fmt.Printf("medians of %d runs, one core each (GOMAXPROCS=1; one libvips thread, UV_THREADPOOL_SIZE=1).\n", *runs)
}

type result struct {
	MedianMS float64 `json:"median_ms"`
	Bytes    int     `json:"bytes"`
}

// sharp runs the peer on file and returns its medians by format.
func sharp(script string, runs, maxSide, quality int, file string) map[string]result {
	out := map[string]result{}
	if script == "" {
		return out
	}
	cmd := exec.Command("node", script, fmt.Sprint(runs), fmt.Sprint(maxSide), fmt.Sprint(quality), "webp,jpeg", file)
	cmd.Env = append(os.Environ(), "UV_THREADPOOL_SIZE=1")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sharp skipped: %v (run `npm ci --prefix bench`)\n", err)
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var r struct {
			result
			Format string `json:"format"`
		}
		if dec.Decode(&r) != nil {
			break
		}
		out[r.Format] = r.result
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "originalcompare:", err)
	os.Exit(1)
}
