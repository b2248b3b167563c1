package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/app/apptest"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// TestFromThumb: the record learns the thumbnail's size and every copy
// and twin from the thumbnail's metadata.
func TestFromThumb(t *testing.T) {
	b := apptest.New("b", false)
	r := Record{Key: "original/1_a.jpg", ThumbKey: "thumb/1_a.jpg"}
	fromThumb(&r, b, DefaultConfig(), storage.ObjectInfo{ContentType: "image/jpeg", Metadata: map[string]string{
		resize.MetaSourceWidth: "1920", resize.MetaSourceHeight: "1280", resize.MetaWidth: "200", resize.MetaHeight: "133",
		resize.MetaVariants: "640x427,1280x853", resize.MetaWebP: "true"}})
	if r.Width != 1920 || r.Height != 1280 || r.ThumbWidth != 200 || r.ThumbHeight != 133 {
		t.Fatalf("%+v", r)
	}
	var got []string
	for _, v := range r.Variants {
		got = append(got, fmt.Sprintf("%s %dx%d %s", v.Key, v.Width, v.Height, v.ContentType))
		if v.URL != b.URL(v.Key) {
			t.Errorf("%s: URL %s", v.Key, v.URL)
		}
	}
	want := []string{
		"thumb/640w/1_a.jpg 640x427 image/jpeg", "thumb/1280w/1_a.jpg 1280x853 image/jpeg",
		"thumb/1_a.jpg.webp 200x133 image/webp", "thumb/640w/1_a.jpg.webp 640x427 image/webp",
		"thumb/1280w/1_a.jpg.webp 1280x853 image/webp",
	}
	if !slices.Equal(got, want) {
		t.Errorf("variants\n got %q\nwant %q", got, want)
	}
	// A copy too tall for a WebP frame has no twin, and no link to one.
	tall := Record{Key: "original/1_a.jpg", ThumbKey: "thumb/1_a.jpg"}
	fromThumb(&tall, b, DefaultConfig(), storage.ObjectInfo{ContentType: "image/jpeg", Metadata: map[string]string{
		resize.MetaWidth: "6", resize.MetaHeight: "200", resize.MetaVariants: "640x20000", resize.MetaWebP: "true", resize.MetaNoTwin: "640"}})
	got = nil
	for _, v := range tall.Variants {
		got = append(got, v.Key)
	}
	if want := []string{"thumb/640w/1_a.jpg", "thumb/1_a.jpg.webp"}; !slices.Equal(got, want) {
		t.Errorf("tall: %q, want %q", got, want)
	}
	// An older function writes none of it: no variants, nothing invented.
	old := Record{Key: "original/1_a.jpg", ThumbKey: "thumb/1_a.jpg"}
	fromThumb(&old, b, DefaultConfig(), storage.ObjectInfo{Metadata: map[string]string{}})
	if len(old.Variants) != 0 || old.ThumbWidth != 0 {
		t.Errorf("older function: %+v", old)
	}
}

// TestVariantLinksNameTheUpload: the link of a copy or twin resolves to
// the original it was made from.
func TestVariantLinksNameTheUpload(t *testing.T) {
	for rest, want := range map[string]string{
		"1_a.jpg":            "1_a.jpg",
		"640w/1_a.jpg":       "1_a.jpg",
		"1280w/1_a.jpg.webp": "1_a.jpg",
		"1_a.jpg.webp":       "1_a.jpg",
		"1_a.webp":           "1_a.webp", // a WebP original's thumbnail keeps its name
		"1_a.webp.webp":      "1_a.webp",
		"640w/1_b.webp":      "1_b.webp",
		"1_my.photo.webp":    "1_my.photo", // or my.photo.webp's thumbnail: the history decides
	} {
		if got := thumbRests(rest); got[0] != want {
			t.Errorf("thumbRests(%q) = %q, want %q first", rest, got, want)
		}
	}
	if got := thumbRests("1_my.photo.webp"); len(got) != 2 || got[1] != "1_my.photo.webp" {
		t.Errorf("thumbRests(1_my.photo.webp) = %q: the WebP original is not a candidate", got)
	}
}

// TestDeleteKeysCoverTheSet: delete names every object the configured
// function would make, and every variant the record knows (made under
// other settings).
func TestDeleteKeysCoverTheSet(t *testing.T) {
	c := DefaultConfig()
	c.ExtraWidths, c.WebP = "640", true
	r := Record{Key: "original/1_a.jpg", ThumbKey: "thumb/1_a.jpg", Variants: []Variant{{Key: "thumb/2000w/1_a.jpg"}}}
	got := deleteKeys(c, r)
	want := []string{"original/1_a.jpg", "thumb/1_a.jpg", "thumb/1_a.jpg.refused", "thumb/640w/1_a.jpg",
		"thumb/1_a.jpg.webp", "thumb/640w/1_a.jpg.webp", "thumb/2000w/1_a.jpg"}
	if !slices.Equal(got, want) {
		t.Errorf("deleteKeys\n got %q\nwant %q", got, want)
	}
}

func TestResponsiveLinks(t *testing.T) {
	base := "https://b.example/"
	d := LinkData{URL: base + "original/1_a.jpg", ThumbURL: base + "thumb/1_a.jpg", Name: `a "b".jpg`,
		Width: 4000, Height: 3000, ThumbWidth: 200, ThumbHeight: 150,
		Variants: []Variant{
			{URL: base + "thumb/1280w/1_a.jpg", Width: 1280, Height: 960, ContentType: "image/jpeg"},
			{URL: base + "thumb/640w/1_a,b.jpg", Width: 640, Height: 480, ContentType: "image/jpeg"},
			{URL: base + "thumb/1_a.jpg.webp", Width: 200, Height: 150, ContentType: "image/webp"},
			{URL: base + "thumb/640w/1_a.jpg.webp", Width: 640, Height: 480, ContentType: "image/webp"},
		}}
	img := `<img src="https://b.example/thumb/1280w/1_a.jpg" srcset="https://b.example/thumb/1_a.jpg 200w, ` +
		`https://b.example/thumb/640w/1_a%2Cb.jpg 640w, https://b.example/thumb/1280w/1_a.jpg 1280w" ` +
		`sizes="(max-width: 768px) 100vw, 768px" width="1280" height="960" alt="a &#34;b&#34;.jpg">`
	if got := Link(FormatSrcset, d, ""); got != img {
		t.Errorf("srcset:\n got %s\nwant %s", got, img)
	}
	pic := `<picture><source type="image/webp" srcset="https://b.example/thumb/1_a.jpg.webp 200w, ` +
		`https://b.example/thumb/640w/1_a.jpg.webp 640w" sizes="(max-width: 768px) 100vw, 768px">` + img + `</picture>`
	if got := Link(FormatPicture, d, ""); got != pic {
		t.Errorf("picture:\n got %s\nwant %s", got, pic)
	}
	// Thumbnail only: the original fills in above it.
	d.Variants = nil
	want := `<img src="https://b.example/original/1_a.jpg" srcset="https://b.example/thumb/1_a.jpg 200w, ` +
		`https://b.example/original/1_a.jpg 4000w" sizes="(max-width: 768px) 100vw, 768px" width="4000" height="3000" alt="a &#34;b&#34;.jpg">`
	if got := Link(FormatSrcset, d, ""); got != want {
		t.Errorf("thumbnail only:\n got %s\nwant %s", got, want)
	}
	if got := Link(FormatPicture, d, ""); got != "<picture>"+want+"</picture>" {
		t.Errorf("picture without twins: %s", got)
	}
	// A HEIC original is never offered: browsers other than Safari do
	// not show it.
	heic := d
	heic.URL, heic.ContentType = base+"original/1_a.heic", "image/heic"
	if got := Link(FormatSrcset, heic, ""); strings.Contains(got, ".heic") || !strings.Contains(got, `src="https://b.example/thumb/1_a.jpg"`) {
		t.Errorf("HEIC original offered in a srcset: %s", got)
	}
	// A picture no wider than its thumbnail: offered once.
	small := LinkData{URL: base + "o.jpg", ThumbURL: base + "t.jpg", Name: "s.jpg", Width: 150, Height: 100, ThumbWidth: 150, ThumbHeight: 100}
	if got := Link(FormatSrcset, small, ""); got != `<img src="https://b.example/t.jpg" srcset="https://b.example/t.jpg 150w" sizes="(max-width: 768px) 100vw, 768px" width="150" height="100" alt="s.jpg">` {
		t.Errorf("small: %s", got)
	}
	// No thumbnail yet, size unknown: the original alone.
	if got := Link(FormatSrcset, LinkData{URL: base + "o.jpg", Name: "x.jpg"}, ""); got != `<img src="https://b.example/o.jpg" alt="x.jpg">` {
		t.Errorf("no thumbnail: %s", got)
	}
}

// TestUploaderPolicyCoversEveryCopy: the least-privilege policy of
// deploy/uploader-policy.json lets the app delete every object an upload
// has (thumbnail, note, copies, twins), and upload only under original/.
func TestUploaderPolicyCoversEveryCopy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "deploy", "uploader-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Statement []struct {
			Effect   string
			Action   any
			Resource any
		}
	}
	if err := json.Unmarshal(b, &policy); err != nil {
		t.Fatal(err)
	}
	list := func(v any) []string {
		switch v := v.(type) {
		case string:
			return []string{v}
		case []any:
			var s []string
			for _, x := range v {
				s = append(s, x.(string))
			}
			return s
		}
		return nil
	}
	allowed := func(action, key string) bool {
		arn := "arn:aws:s3:::YOUR-BUCKET/" + key
		for _, st := range policy.Statement {
			if st.Effect != "Allow" || !slices.Contains(list(st.Action), action) {
				continue
			}
			for _, r := range list(st.Resource) {
				if ok, _ := path.Match(r, arn); ok || strings.HasSuffix(r, "*") && strings.HasPrefix(arn, strings.TrimSuffix(r, "*")) {
					return true
				}
			}
		}
		return false
	}
	c := DefaultConfig()
	c.ExtraWidths, c.WebP = "640,1280", true
	for _, k := range deleteKeys(c, Record{Key: "original/1_a b.jpg", ThumbKey: "thumb/1_a b.jpg"}) {
		if !allowed("s3:DeleteObject", k) {
			t.Errorf("the uploader policy does not allow deleting %s", k)
		}
	}
	if !allowed("s3:PutObject", "original/1_a.jpg") || allowed("s3:PutObject", "thumb/1_a.jpg") {
		t.Error("the uploader may put under original/ only")
	}
}

// TestFunctionReportWidthsAsNumbers: the same widths written another way
// ("1280,640" in config.json, "640,1280" from the function) match.
func TestFunctionReportWidthsAsNumbers(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ExtraWidths = "1280, 640"
	md := map[string]string{resize.MetaMaxSize: "200", resize.MetaWidths: "640,1280"}
	if r := functionReport(cfg, md); !r.OK {
		t.Errorf("same widths reported as a mismatch: %s", r.Detail)
	}
	cfg.ExtraWidths = "640"
	if r := functionReport(cfg, md); r.OK {
		t.Errorf("different widths not reported: %s", r.Detail)
	}
}
