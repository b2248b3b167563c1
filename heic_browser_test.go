package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// heicPage shows what a post gets from an iPhone photo: the Markdown
// link thumbdrop copies (the thumbnail, linking to the picture), and the
// picture as Typora inserts it (![](url)), drawn at a known place; beside
// it the HEIC original itself, which Chromium does not display. A script
// says what loaded.
const heicPage = `<!doctype html><html><head><style>
body { margin: 0; background: #fff; }
#full { position: absolute; left: 0; top: 0; width: 600px; height: 400px; }
#md { position: absolute; left: 620px; top: 0; }
#heic { position: absolute; left: 620px; top: 300px; width: 300px; height: 200px; }
#out { position: absolute; left: 0; top: 520px; font: 14px monospace; }
</style></head><body>
<img id="full" src="%s">
<div id="md">%s</div>
<img id="heic" src="%s">
<pre id="out"></pre>
<script>
window.addEventListener("load", () => {
  const out = document.getElementById("out");
  for (const img of document.images) {
    out.textContent += (img.id || "thumb") + " " + img.naturalWidth + "x" + img.naturalHeight + "\n";
  }
  out.textContent += "done\n";
});
</script></body></html>`

var markdownImage = regexp.MustCompile(`^\[!\[([^\]]*)\]\(([^)]+)\)\]\(([^)]+)\)$`)

// TestHEICLinkShowsInChromium: an iPhone-like HEIC uploaded as it is;
// the url link and Markdown that thumbdrop prints point at its JPEG web
// copy, which headless Chromium displays (the screenshot's picture is the
// photo), where the HEIC original shows nothing.
func TestHEICLinkShowsInChromium(t *testing.T) {
	testkit.Need(t, "chromium", "heif-enc")
	chromium, _ := exec.LookPath("chromium")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	dir := t.TempDir()
	src := filepath.Join(dir, "src.png")
	photo := imaging.Resize(mustOpen(t, testkit.Photo(t, "Storm.jpg")), 1200, 800, imaging.Lanczos)
	if err := imaging.Save(photo, src); err != nil {
		t.Fatal(err)
	}
	heic := filepath.Join(dir, "IMG_0042.HEIC")
	if out, err := exec.Command("heif-enc", "-q", "85", src, "-o", heic).CombinedOutput(); err != nil {
		t.Fatalf("heif-enc: %v %s", err, out)
	}
	code, md, errs := thumbdrop(t, dirs, "", "upload", "--format", "markdown", heic)
	if code != 0 {
		t.Fatal(errs)
	}
	md = strings.TrimSpace(md)
	m := markdownImage.FindStringSubmatch(md)
	if m == nil || !strings.Contains(m[3], "/thumb/web/") || !strings.HasSuffix(m[3], ".HEIC.jpg") {
		t.Fatalf("markdown %q does not link the web copy", md)
	}
	_, url, _ := thumbdrop(t, dirs, "", "upload", "--format", "url", heic) // the same photo: its links again
	url = strings.TrimSpace(url)
	if url != m[3] {
		t.Fatalf("url link %q, markdown's %q", url, m[3])
	}
	recs := history(t, dirs)
	if len(recs) != 1 || recs[0].ContentType != "image/heic" {
		t.Fatalf("history %+v", recs)
	}
	original := recs[0].URL

	html := fmt.Sprintf(`<a href="%s"><img src="%s" alt="%s"></a>`, m[3], m[2], m[1])
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, heicPage, url, html, original)
	}))
	defer page.Close()

	dump := runChromium(t, chromium, page.URL+"/")
	out := between(dump, `<pre id="out">`, "</pre>")
	t.Logf("what Chromium loaded:\n%s", out)
	if !strings.Contains(out, "done") || !strings.Contains(out, "full 1200x800") || !strings.Contains(out, "thumb 200x133") {
		t.Errorf("the web copy or the thumbnail did not display:\n%s", out)
	}
	if !strings.Contains(out, "heic 0x0") {
		t.Errorf("Chromium displayed the HEIC itself (the test shows nothing then):\n%s", out)
	}

	// The screenshot (kept with go test -artifacts): where the url
	// link's picture is drawn, the photo.
	shot := filepath.Join(t.ArtifactDir(), "heic-link.png")
	runChromium(t, chromium, page.URL+"/", "--screenshot="+shot, "--window-size=1000,600", "--force-device-scale-factor=1", "--hide-scrollbars")
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	drawn := imaging.Crop(img, image.Rect(0, 0, 600, 400))
	want := imaging.Resize(photo, 600, 400, imaging.Lanczos)
	if db := psnr(drawn, want); db < 25 {
		t.Errorf("the screenshot's picture is not the photo: %.1f dB (%s)", db, shot)
	} else {
		t.Logf("screenshot %s: the url link's picture is the photo (%.1f dB)", shot, db)
	}
}

func mustOpen(t *testing.T, p string) image.Image {
	t.Helper()
	m, err := imaging.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// psnr compares two pictures of one size, channel by channel.
func psnr(a, b image.Image) float64 {
	na, nb := imaging.Clone(a), imaging.Clone(b)
	var se float64
	for i := 0; i < len(na.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			d := float64(na.Pix[i+c]) - float64(nb.Pix[i+c])
			se += d * d
		}
	}
	return 10 * math.Log10(255*255/(se/float64(3*len(na.Pix)/4)))
}
