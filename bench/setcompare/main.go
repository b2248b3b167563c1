// Command setcompare times thumbdrop making a whole responsive set (the
// thumbnail, copies at each width, WebP twins of all) against its single
// thumbnail and against sharp (libvips) making the same set with clone(),
// one core each, same photos, same run, and prints medians and ratios.
//
// usage: go run -tags nodynamic ./bench/setcompare [-runs 7] [-widths 640,1280] FILE...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/thumbdrop/thumbdrop/bench/internal/side"
	"github.com/thumbdrop/thumbdrop/thumbnail"
)

func main() {
	runs := flag.Int("runs", 7, "timed runs per file and pipeline (median reported)")
	widthsFlag := flag.String("widths", "640,1280", "extra widths")
	script := flag.String("sharp", "bench/sharp-set.mjs", "sharp timing script (empty: skip sharp)")
	flag.Parse()
	runtime.GOMAXPROCS(1) // one core, as a Lambda below 1.8 GB has
	var widths []int
	for _, f := range strings.Split(*widthsFlag, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			fatal(err)
		}
		widths = append(widths, n)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tMP\tthumbnail ms\tset ms\tset, no WebP ms\tsharp set ms\tset/thumbnail\tset/sharp\tobjects\tset KB\tsharp KB\t")
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fatal(err)
		}
		info, err := thumbnail.Inspect(data, thumbnail.Options{})
		if err != nil {
			fatal(fmt.Errorf("%s: %w", file, err))
		}
		var pieces []thumbnail.Piece
		time := func(o thumbnail.Options) float64 {
			debug.FreeOSMemory()
			d, err := side.Median(*runs, func() error {
				var err error
				pieces, err = thumbnail.MakeSet(data, o)
				return err
			})
			if err != nil {
				fatal(fmt.Errorf("%s: %w", file, err))
			}
			return side.MS(d)
		}
		thumb := time(thumbnail.Options{})
		noWebP := time(thumbnail.Options{Widths: widths})
		set := time(thumbnail.Options{Widths: widths, WebP: true})
		bytes := 0
		for _, p := range pieces {
			bytes += len(p.Data)
		}
		sharpMS, sharpObjects, sharpBytes := sharp(*script, *runs, *widthsFlag, file)
		objects := fmt.Sprint(len(pieces))
		if sharpObjects > 0 && sharpObjects != len(pieces) {
			objects += fmt.Sprintf(" (sharp %d)", sharpObjects)
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.0f\t%.0f\t%.0f\t%s\t%.2fx\t%s\t%s\t%d\t%s\t\n", side.Name(file),
			float64(info.Width*info.Height)/1e6, thumb, set, noWebP, side.Opt(sharpMS, "%.0f"), set/thumb,
			side.Ratio(set, sharpMS), objects, bytes>>10, side.Opt(float64(sharpBytes>>10), "%.0f"))
	}
	tw.Flush()
	fmt.Printf("set: the thumbnail, copies %s px wide and a WebP twin of each (JPEG q80, WebP q80 method 4);\n", *widthsFlag)
	fmt.Printf("sharp: the same outputs, one clone() each, one after another, one libvips thread. Medians of %d runs, one core.\n", *runs)
}

func sharp(script string, runs int, widths, file string) (ms float64, objects, bytes int) {
	if script == "" {
		return 0, 0, 0
	}
	cmd := exec.Command("node", script, fmt.Sprint(runs), widths, file)
	cmd.Env = append(os.Environ(), "UV_THREADPOOL_SIZE=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sharp skipped: %v (run `npm ci --prefix bench`)\n", err)
		return 0, 0, 0
	}
	var r struct {
		MedianMS float64 `json:"median_ms"`
		Objects  int     `json:"objects"`
		Bytes    int     `json:"bytes"`
	}
	json.Unmarshal(out, &r)
	return r.MedianMS, r.Objects, r.Bytes
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "setcompare:", err)
	os.Exit(1)
}
