// Command thumbcompare times thumbdrop's thumbnail pipeline against the naive
// imaging pipeline (in this process), sharp/libvips (node, same script run)
// and libjpeg-turbo's scaled decode followed by a resize (djpeg -scale 1/N
// piped into this process, then Lanczos to 200 px and a JPEG encode), one
// core each, on the same photos, and prints medians and ratios.
// Each pipeline's peak memory is measured in a child process per file
// (max RSS from rusage).
//
// usage: go run ./bench/thumbcompare [-runs 7] [-sharp bench/sharp-thumb.mjs] FILE...
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/disintegration/imaging"

	"github.com/thumbdrop/thumbdrop/bench/internal/side"
	"github.com/thumbdrop/thumbdrop/thumbnail"
	"github.com/thumbdrop/thumbdrop/thumbnail/jpegdec"
)

type pipeline func([]byte) error

var pipelines = map[string]pipeline{
	"thumbdrop": func(b []byte) error { _, err := thumbnail.Make(b, thumbnail.Options{}); return err },
	"naive": func(b []byte) error {
		m, err := imaging.Decode(bytes.NewReader(b), imaging.AutoOrientation(true))
		if err != nil {
			return err
		}
		var out bytes.Buffer
		return jpeg.Encode(&out, imaging.Fit(m, 200, 200, imaging.Lanczos), &jpeg.Options{Quality: 80})
	},
	"stdlib-decode": func(b []byte) error { _, err := jpeg.Decode(bytes.NewReader(b)); return err },
	"jpegdec-1/8":   func(b []byte) error { _, err := jpegdec.DecodeSubsampled(b, 8); return err },
}

func main() {
	runs := flag.Int("runs", 7, "timed runs per file and pipeline (median reported)")
	sharpScript := flag.String("sharp", "bench/sharp-thumb.mjs", "sharp timing script (empty: skip sharp)")
	many := flag.Int("many", 10, "copies of the first photo for the all-cores comparison (0: skip)")
	manyScript := flag.String("sharp-many", "bench/sharp-many.mjs", "sharp script for the all-cores comparison")
	child := flag.String("child", "", "internal: run one pipeline once on one file and exit")
	flag.Parse()
	runtime.GOMAXPROCS(1) // Lambda below 1.8 GB has less than one vCPU
	if *child != "" {
		data, err := os.ReadFile(flag.Arg(0))
		if err == nil {
			err = pipelines[*child](data)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(vmHWM())
		return
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tMP\tthumbdrop ms\tnaive ms\tsharp ms\tdjpeg+resize ms\tthumbdrop/naive\tthumbdrop/sharp\tthumbdrop/djpeg+resize\tthumbdrop RSS MB\tnaive RSS MB\tsharp RSS MB\t")
	dw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(dw, "file\tjpegdec 1/8 ms\timage/jpeg full ms\tdjpeg -scale 1/8 ms\tjpegdec/djpeg\timage/jpeg/jpegdec\t")
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fatal(err)
		}
		info, err := thumbnail.Inspect(data, thumbnail.Options{})
		if err != nil {
			fatal(fmt.Errorf("%s: %w", file, err))
		}
		ms := map[string]float64{}
		for _, name := range []string{"thumbdrop", "naive", "stdlib-decode", "jpegdec-1/8"} {
			debug.FreeOSMemory()
			d, err := side.Median(*runs, func() error { return pipelines[name](data) })
			if err != nil {
				fatal(fmt.Errorf("%s on %s: %w", name, file, err))
			}
			ms[name] = side.MS(d)
		}
		sharpMS, sharpRSS := sharp(*sharpScript, *runs, file)
		djr := djpegResize(*runs, file, info.Width, info.Height)
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%s\t%s\t%.2fx\t%s\t%s\t%.0f\t%.0f\t%s\t\n",
			side.Name(file), float64(info.Width*info.Height)/1e6, ms["thumbdrop"], ms["naive"], side.Opt(sharpMS, "%.1f"), side.Opt(djr, "%.1f"),
			ms["naive"]/ms["thumbdrop"], side.Ratio(ms["thumbdrop"], sharpMS), side.Ratio(ms["thumbdrop"], djr),
			childRSS("thumbdrop", file), childRSS("naive", file), side.Opt(sharpRSS, "%.0f"))
		dj := djpeg(*runs, file)
		fmt.Fprintf(dw, "%s\t%.1f\t%.1f\t%s\t%s\t%.1fx\t\n", side.Name(file), ms["jpegdec-1/8"], ms["stdlib-decode"],
			side.Opt(dj, "%.1f"), side.Ratio(ms["jpegdec-1/8"], dj), ms["stdlib-decode"]/ms["jpegdec-1/8"])
	}
	fmt.Println("Whole thumbnail (decode, resize to 200 px, encode):")
	tw.Flush()
	fmt.Println("\nDecode alone:")
	dw.Flush()
	fmt.Println("thumbdrop/naive: how many times faster than imaging.Decode+Fit(Lanczos); thumbdrop/sharp and thumbdrop/djpeg+resize: our time over theirs (lower is better).")
	fmt.Println("djpeg+resize: `djpeg -scale 1/N` (the smallest scale still at least 200 px, as ours) piped here as PPM, then imaging.Fit(Lanczos) and image/jpeg q80. One core each; medians of", *runs, "runs.")
	if *many > 0 && flag.NArg() > 0 {
		allCores(*runs, *many, flag.Arg(0), *manyScript)
	}
}

// allCores times many copies of one photo thumbnailed on every core, as
// 'thumbdrop thumbnail' does (one decoder per core), beside sharp with
// the same concurrency.
func allCores(runs, copies int, file, script string) {
	cores := runtime.NumCPU()
	runtime.GOMAXPROCS(cores)
	defer runtime.GOMAXPROCS(1)
	data, err := os.ReadFile(file)
	if err != nil {
		fatal(err)
	}
	d, err := side.Median(runs, func() error {
		next := make(chan int)
		errs := make(chan error, copies)
		for range cores {
			go func() {
				for range next {
					_, err := thumbnail.Make(data, thumbnail.Options{})
					errs <- err
				}
			}()
		}
		for i := 0; i < copies; i++ {
			next <- i
		}
		close(next)
		for i := 0; i < copies; i++ {
			if err := <-errs; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		fatal(err)
	}
	ours := side.MS(d)
	files := make([]string, copies)
	for i := range files {
		files[i] = file
	}
	cmd := exec.Command("node", append([]string{script, fmt.Sprint(runs), fmt.Sprint(cores)}, files...)...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("UV_THREADPOOL_SIZE=%d", cores))
	cmd.Stderr = os.Stderr
	theirs := 0.0
	if out, err := cmd.Output(); err == nil {
		var r struct {
			MedianMS float64 `json:"median_ms"`
		}
		json.Unmarshal(out, &r)
		theirs = r.MedianMS
	}
	fmt.Printf("\nAll %d cores, %d copies of %s: thumbdrop %.0f ms (%.1f photos/s), sharp %s ms, thumbdrop/sharp %s (medians of %d)\n",
		cores, copies, side.Name(file), ours, float64(copies)/ours*1000, side.Opt(theirs, "%.0f"), side.Ratio(ours, theirs), runs)
}

// childRSS runs one pipeline once in a fresh process and returns its peak
// resident memory in MB. The child reads its own VmHWM: rusage's maxrss of a
// child counts the parent's memory at fork on Linux.
func childRSS(name, file string) float64 {
	self, _ := os.Executable()
	cmd := exec.Command(self, "-child", name, file)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fatal(err)
	}
	var kb float64
	fmt.Sscan(string(out), &kb)
	return kb / 1024
}

// vmHWM is this process's peak resident set in kB.
func vmHWM() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscan(v, &kb)
			return kb
		}
	}
	return 0
}

func sharp(script string, runs int, file string) (ms, rssMB float64) {
	if script == "" {
		return 0, 0
	}
	cmd := exec.Command("node", script, fmt.Sprint(runs), file)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sharp skipped: %v (run `npm ci --prefix bench`)\n", err)
		return 0, 0
	}
	var r struct {
		MedianMS float64 `json:"median_ms"`
		HWMKB    float64 `json:"vmhwm_kb"`
	}
	json.Unmarshal(out, &r)
	// Node's own baseline (~45 MB) is included, as it is for any sharp user.
	return r.MedianMS, r.HWMKB / 1024
}

// djpeg times libjpeg-turbo's scaled decode (process start included, about
// a millisecond), median of runs.
func djpeg(runs int, file string) float64 {
	if _, err := exec.LookPath("djpeg"); err != nil {
		return 0
	}
	d, err := side.Median(runs, func() error {
		return exec.Command("djpeg", "-scale", "1/8", "-outfile", os.DevNull, file).Run()
	})
	if err != nil {
		return 0
	}
	return side.MS(d)
}

// djpegResize times libjpeg-turbo's scaled decode followed by the resize
// and encode any program built on it must still do: djpeg writes PPM to a
// pipe, this process reads it, fits it into 200x200 with Lanczos and encodes
// a JPEG at quality 80. The scale is the smallest 1/N whose output still
// covers the 200 px box, as thumbdrop chooses it. Median of runs, in ms.
func djpegResize(runs int, file string, w, h int) float64 {
	if _, err := exec.LookPath("djpeg"); err != nil {
		return 0
	}
	tw, th := 200, 200
	if w > h {
		th = max(1, h*200/w)
	} else {
		tw = max(1, w*200/h)
	}
	n := 8
	for n > 1 && ((w+n-1)/n < tw || (h+n-1)/n < th) {
		n /= 2
	}
	d, err := side.Median(runs, func() error {
		out, err := exec.Command("djpeg", "-scale", fmt.Sprintf("1/%d", n), "-pnm", file).Output()
		if err != nil {
			return err
		}
		m, err := decodePNM(out)
		if err != nil {
			return err
		}
		var enc bytes.Buffer
		return jpeg.Encode(&enc, imaging.Fit(m, 200, 200, imaging.Lanczos), &jpeg.Options{Quality: 80})
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "djpeg+resize skipped:", err)
		return 0
	}
	return side.MS(d)
}

// decodePNM reads the binary PPM (P6) or PGM (P5), maxval 255, that djpeg
// writes.
func decodePNM(b []byte) (image.Image, error) {
	var magic string
	var w, h, maxval int
	r := bytes.NewReader(b)
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxval); err != nil {
		return nil, fmt.Errorf("djpeg output: %w", err)
	}
	if _, err := r.ReadByte(); err != nil || maxval != 255 {
		return nil, fmt.Errorf("djpeg output: unexpected header %s %dx%d max %d", magic, w, h, maxval)
	}
	pix := b[len(b)-r.Len():]
	switch magic {
	case "P5":
		if len(pix) < w*h {
			return nil, fmt.Errorf("djpeg output: short PGM")
		}
		return &image.Gray{Pix: pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
	case "P6":
		if len(pix) < 3*w*h {
			return nil, fmt.Errorf("djpeg output: short PPM")
		}
		m := image.NewNRGBA(image.Rect(0, 0, w, h))
		for i, j := 0, 0; i < w*h; i, j = i+1, j+3 {
			copy(m.Pix[4*i:4*i+3], pix[j:j+3])
			m.Pix[4*i+3] = 255
		}
		return m, nil
	}
	return nil, fmt.Errorf("djpeg output: not a PPM/PGM (%q)", magic)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "thumbcompare:", err)
	os.Exit(1)
}
