package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

// The S3 target for real: versitygw (a production S3 gateway with SigV4
// checks), its webhook notifications driving the shared resize handler as
// S3 events drive the Lambda.

// versityCore starts versitygw, a core using it, and (withResize) the
// resize handler on its events; set adjusts the function's and the app's
// configurations.
func versityCore(t *testing.T, withResize bool, timeout time.Duration, set ...func(*resize.Config, *app.Config)) (*testsrv.Versity, *app.Core) {
	t.Helper()
	testkit.Heavy(t, "needs versitygw")
	v := testsrv.StartVersity(t, withResize, "photos")
	t.Setenv("AWS_ACCESS_KEY_ID", v.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", v.Secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = app.TargetS3, "photos", v.Endpoint, true, app.CredsAWS
	c.ThumbTimeout = app.Duration(timeout)
	rc := resize.DefaultConfig()
	for _, f := range set {
		f(&rc, &c)
	}
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(bg, app.Options{Dirs: d, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	if withResize {
		client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
			Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
		fn := &resize.Handler{Store: resize.S3Store{Client: client}, Config: rc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case rec := <-v.Events:
					fn.HandleS3Event(ctx, events.S3Event{Records: []events.S3EventRecord{rec}})
				}
			}
		}()
	}
	return v, core
}

func TestVersityWithResizeEvents(t *testing.T) {
	v, core := versityCore(t, true, 15*time.Second)
	p := testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "서울 야경 +1.jpg"))
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.Record.Status != app.StatusReady {
		t.Fatalf("%s %v", j.Record.Status, j.Err)
	}
	if !strings.HasPrefix(j.Record.URL, v.Endpoint+"/photos/original/") || !strings.Contains(j.Record.URL, "%20%2B1.jpg") {
		t.Errorf("url %s", j.Record.URL)
	}
	got, err := os.ReadFile(filepath.Join(v.Root, "photos", j.Record.ThumbKey))
	if err != nil || len(got) == 0 {
		t.Fatalf("thumbnail on the server: %v", err)
	}
	if _, err := core.Delete(bg, j.Record.URL); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{j.Record.Key, j.Record.ThumbKey} {
		if _, err := os.Stat(filepath.Join(v.Root, "photos", k)); !os.IsNotExist(err) {
			t.Errorf("%s still on the server after delete", k)
		}
	}
}

func TestVersityTimeoutWithoutResizeFunction(t *testing.T) {
	_, core := versityCore(t, false, 1500*time.Millisecond)
	id := core.Add(app.AddOptions{}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "a.jpg")))[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Done || j.Record.Status != app.StatusTimeout || j.Err == nil ||
		!strings.Contains(j.Err.Error(), "no resize function seems to be deployed") {
		t.Fatalf("%v %s %v", j.State, j.Record.Status, j.Err)
	}
	if j.Record.URL == "" {
		t.Errorf("a timed-out upload must keep its original link: %+v", j.Record)
	}
	if link, _ := core.Link(bg, app.FormatThumb, j.Record); link != j.Record.URL {
		t.Errorf("thumb link of a timed-out upload: %s", link)
	}
}

// TestVersityServerDiesMidUpload: the server is killed during a multipart
// upload; the job fails clearly; after a restart Retry succeeds and the
// object is byte-exact; the history stays whole.
func TestVersityServerDiesMidUpload(t *testing.T) {
	v, core := versityCore(t, false, time.Second)
	small := core.Add(app.AddOptions{NoWait: true}, testkit.CopyCorpus(t, "video-001.jpeg", filepath.Join(t.TempDir(), "before.jpg")))[0]
	core.Wait(bg, small)
	data := make([]byte, 200<<20)
	rand.Read(data)
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	big := filepath.Join(t.TempDir(), "big.jpg")
	os.WriteFile(big, data, 0o644)
	id := core.Add(app.AddOptions{NoWait: true}, big)[0]
	for {
		j, _ := core.Job(id)
		if j.State == app.Uploading && j.Sent > 20<<20 || j.State.Terminal() {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	v.Stop()
	core.Wait(bg, id)
	j, _ := core.Job(id)
	if j.State != app.Failed || !errors.Is(j.Err, storage.ErrUnreachable) && !strings.Contains(j.Err.Error(), "connect") {
		t.Fatalf("with the server dead: %v %v", j.State, j.Err)
	}
	if !strings.Contains(j.Err.Error(), "big.jpg") {
		t.Errorf("error %q does not name the file", j.Err)
	}
	if n, err := core.HistoryCount(bg, app.HistoryQuery{}); err != nil || n != 1 {
		t.Fatalf("history after the failure: %d records, %v", n, err)
	}
	v.Start()
	if !core.Retry(id) {
		t.Fatal("retry refused")
	}
	core.Wait(bg, id)
	if j, _ = core.Job(id); j.State != app.Done {
		t.Fatalf("retry after restart: %v %v", j.State, j.Err)
	}
	got, err := os.ReadFile(filepath.Join(v.Root, "photos", j.Record.Key))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored object differs (%v)", err)
	}
	if n, _ := core.HistoryCount(bg, app.HistoryQuery{}); n != 2 {
		t.Fatalf("history: %d records", n)
	}
}

// TestVersityVariants: a function configured with EXTRA_WIDTHS and WEBP
// writes every copy before the thumbnail; the core records them from the
// thumbnail's metadata; every URL of the srcset and picture links is a
// real object of the size it claims; Test connection says what the
// function makes and where the settings disagree; delete leaves nothing.
func TestVersityVariants(t *testing.T) {
	v, core := versityCore(t, true, 30*time.Second, func(rc *resize.Config, c *app.Config) {
		rc.Thumbnail.Widths, rc.Thumbnail.WebP = []int{640, 1280}, true
		c.ExtraWidths, c.WebP = "640,1280", true
	})
	p := testkit.Copy(t, testkit.Photo(t, "Storm.jpg"), filepath.Join(t.TempDir(), "storm.jpg")) // 1920x1280
	id := core.Add(app.AddOptions{}, p)[0]
	core.Wait(bg, id)
	j, _ := core.Job(id)
	r := j.Record
	if r.Status != app.StatusReady || r.ThumbWidth != 200 || r.ThumbHeight != 133 || len(r.Variants) != 5 {
		t.Fatalf("%s %v: thumbnail %dx%d, variants %+v", r.Status, j.Err, r.ThumbWidth, r.ThumbHeight, r.Variants)
	}
	d, err := core.PrivateLinks(bg, r, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{app.FormatSrcset, app.FormatPicture} {
		markup := app.Link(f, d, "")
		resp := testsrv.ParseResponsive(t, markup)
		widths := map[bool][]int{}
		for _, c := range resp.Candidates {
			if c.Width > 0 {
				widths[c.WebP] = append(widths[c.WebP], c.Width)
			}
		}
		if fmt.Sprint(widths[false]) != "[200 640 1280]" || resp.ImgWidth != 1280 || resp.ImgHeight != 853 {
			t.Errorf("%s: img widths %v, size %dx%d: %s", f, widths[false], resp.ImgWidth, resp.ImgHeight, markup)
		}
		if want := map[string]string{app.FormatSrcset: "[]", app.FormatPicture: "[200 640 1280]"}[f]; fmt.Sprint(widths[true]) != want {
			t.Errorf("%s: WebP widths %v, want %s", f, widths[true], want)
		}
		testsrv.FetchCandidates(t, http.DefaultClient, resp)
	}
	rep := core.TestConnection(bg, core.Config(), nil)
	if !rep.Resize.OK || !strings.Contains(rep.Resize.Detail, "copies 640, 1280 px wide") || !strings.Contains(rep.Resize.Detail, "WebP") {
		t.Errorf("Test connection: %+v", rep.Resize)
	}
	other := core.Config()
	other.WebP, other.ExtraWidths = false, "800"
	if rep := core.TestConnection(bg, other, nil); rep.Resize.OK || !strings.Contains(rep.Resize.Detail, "ExtraWidths=\"800\" WebP=false") {
		t.Errorf("Test connection with settings the function does not match: %+v", rep.Resize)
	}
	if _, err := core.Delete(bg, r.Variants[1].URL); err != nil { // a copy's link names the upload
		t.Fatal(err)
	}
	var left []string
	filepath.WalkDir(filepath.Join(v.Root, "photos"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("after delete the bucket still holds %v", left)
	}
}
