package testsrv

import (
	"fmt"
	"image"
	_ "image/gif" // decoders of what a set's objects may be
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/webp"
	"golang.org/x/net/html"
)

func init() { image.RegisterFormat("webp", "RIFF????WEBPVP8", webp.Decode, webp.DecodeConfig) }

// Candidate is one image a srcset or src offers.
type Candidate struct {
	URL   string
	Width int    // the w descriptor; 0 for a src
	WebP  bool   // offered by a <source type="image/webp">
	In    string // the element and attribute it came from, for messages
}

// Responsive is what an <img srcset> or <picture> link offers.
type Responsive struct {
	Candidates          []Candidate
	Sizes               []string // every sizes attribute
	ImgWidth, ImgHeight int      // the <img>'s width and height attributes
	Pictures            int
}

// ParseResponsive parses markup as HTML, as a browser would, and lists the
// images its <img> and <source> elements offer.
func ParseResponsive(t testing.TB, markup string) Responsive {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(markup))
	if err != nil {
		t.Fatalf("parse %q: %v", markup, err)
	}
	var r Responsive
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "picture":
				r.Pictures++
			case "img", "source":
				webp := n.Data == "source"
				if webp && attr["type"] != "image/webp" {
					t.Errorf("<source> of type %q in %q", attr["type"], markup)
				}
				if s, ok := attr["src"]; ok {
					r.Candidates = append(r.Candidates, Candidate{URL: s, In: n.Data + " src"})
				}
				if ss, ok := attr["srcset"]; ok {
					for _, c := range strings.Split(ss, ",") {
						f := strings.Fields(c)
						w, err := strconv.Atoi(strings.TrimSuffix(f[len(f)-1], "w"))
						if len(f) != 2 || !strings.HasSuffix(f[1], "w") || err != nil {
							t.Errorf("srcset candidate %q of %q", c, markup)
							continue
						}
						r.Candidates = append(r.Candidates, Candidate{URL: f[0], Width: w, WebP: webp, In: n.Data + " srcset"})
					}
					r.Sizes = append(r.Sizes, attr["sizes"])
				}
				if n.Data == "img" {
					r.ImgWidth, _ = strconv.Atoi(attr["width"])
					r.ImgHeight, _ = strconv.Atoi(attr["height"])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return r
}

// FetchCandidates GETs every candidate with client and checks that it is
// an image of the width its descriptor says, WebP exactly where a WebP
// source offers it. It returns each URL's decoded size.
func FetchCandidates(t testing.TB, client *http.Client, r Responsive) map[string]image.Point {
	t.Helper()
	sizes := map[string]image.Point{}
	for _, c := range r.Candidates {
		p, ct, err := fetchImage(client, c.URL)
		if err != nil {
			t.Errorf("%s %s: %v", c.In, c.URL, err)
			continue
		}
		sizes[c.URL] = p
		if (ct == "image/webp") != c.WebP {
			t.Errorf("%s %s: Content-Type %s", c.In, c.URL, ct)
		}
		if c.Width != 0 && p.X != c.Width {
			t.Errorf("%s %s: %d px wide, its descriptor says %dw", c.In, c.URL, p.X, c.Width)
		}
	}
	return sizes
}

func fetchImage(client *http.Client, url string) (image.Point, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return image.Point{}, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return image.Point{}, "", fmt.Errorf("status %s", resp.Status)
	}
	cfg, format, err := image.DecodeConfig(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return image.Point{}, "", fmt.Errorf("not an image: %w", err)
	}
	ct := resp.Header.Get("Content-Type")
	if want := "image/" + format; ct != want {
		return image.Point{}, "", fmt.Errorf("Content-Type %q for a %s", ct, format)
	}
	return image.Pt(cfg.Width, cfg.Height), ct, nil
}
