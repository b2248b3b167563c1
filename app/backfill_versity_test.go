package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

const (
	standInRole     = "arn:aws:iam::123456789012:role/thumbdrop-BatchRole-1ABC"
	standInFunction = "arn:aws:lambda:us-east-1:123456789012:function:thumbdrop-ResizeFunction-1ABC"
)

// awsStandIns is versitygw as the bucket, a CloudFront stand-in in front
// of it (public_base_url, and its API), S3 Batch Operations' stand-in
// invoking the resize function in this process, and a core configured
// for them.
type awsStandIns struct {
	v      *testsrv.Versity
	cdn    *testsrv.CDN
	ops    *testsrv.BatchOps
	client *s3.Client
	core   *app.Core
	// gate, while open, holds every invocation back.
	mu   sync.Mutex
	gate chan struct{}
}

func startAWSStandIns(t *testing.T) *awsStandIns {
	t.Helper()
	testkit.Heavy(t, "runs versitygw")
	a := &awsStandIns{v: testsrv.StartVersity(t, false, "photos")}
	a.cdn = testsrv.StartCDN(t, a.v.Endpoint, "photos", a.v.Access, a.v.Secret, 10*time.Second)
	a.client = s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(a.v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(a.v.Access, a.v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	fn := &resize.Handler{Store: resize.S3Store{Client: a.client}, Config: resize.DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a.ops = testsrv.StartBatchOps(t, "123456789012", a.v.Access, a.v.Secret, a.client, func(ctx context.Context, payload []byte) ([]byte, error) {
		a.mu.Lock()
		gate := a.gate
		a.mu.Unlock()
		if gate != nil {
			<-gate
		}
		inv, err := resize.ParseInvocation(payload)
		if err != nil || inv.Batch == nil {
			return nil, errors.New("not a Batch Operations invocation")
		}
		return json.Marshal(fn.HandleBatch(ctx, *inv.Batch))
	})
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": a.v.Access, "AWS_SECRET_ACCESS_KEY": a.v.Secret, "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_ENDPOINT_URL_S3_CONTROL": a.ops.URL, "AWS_ENDPOINT_URL_CLOUDFRONT": a.cdn.API} {
		t.Setenv(k, v)
	}
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = app.TargetS3, "photos", a.v.Endpoint, true, app.CredsAWS
	c.PublicBaseURL = a.cdn.URL
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(bg, app.Options{Dirs: d, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)
	a.core = core
	return a
}

func (a *awsStandIns) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if _, err := a.client.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
}

// cdnGet fetches a key through the CDN: status, width, X-Cache.
func (a *awsStandIns) cdnGet(t *testing.T, key string) (int, int, string) {
	t.Helper()
	resp, err := http.Get(a.cdn.URL + "/" + storage.EscapeKey(key))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	w := 0
	if cfg, _, err := image.DecodeConfig(resp.Body); err == nil {
		w = cfg.Width
	}
	return resp.StatusCode, w, resp.Header.Get("X-Cache")
}

// TestBackfillOnAWSStandIns: on AWS (stand-ins that check what the SDK
// sends), backfill finds the originals another tool put in the bucket
// and a thumbnail made at another size, writes the manifest, creates the
// S3 Batch Operations job, follows it to its completion report, says
// which key it rewrote, and invalidates it at the CloudFront distribution
// serving public_base_url, whose cached old thumbnail is then replaced. A
// run stopped while following the job follows the same job when run
// again; a run with nothing to do creates no job.
func TestBackfillOnAWSStandIns(t *testing.T) {
	a := startAWSStandIns(t)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	photo := testkit.ReadPhoto(t, "Elephants_12MP.jpg")
	originals := []string{"original/1732500000000_제주 사진 (1)+100%.jpg", "original/1732500000001_plain.jpg", "original/1732500000002_elephants.jpg"}
	a.put(t, originals[0], jpg)
	a.put(t, originals[1], jpg)
	a.put(t, originals[2], photo)
	a.put(t, "original/1732500000003_broken.jpg", jpg[:300])
	// An old thumbnail of the 12 MP photo, 100 px, made before the size
	// changed, and cached at the CDN.
	old := &resize.Handler{Store: resize.S3Store{Client: a.client}, Config: resize.DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	old.Config.Thumbnail.MaxSize = 100
	if _, err := old.Resize(bg, "photos", originals[2]); err != nil {
		t.Fatal(err)
	}
	staleThumb := "thumb/1732500000002_elephants.jpg"
	if status, w, _ := a.cdnGet(t, staleThumb); status != 200 || w != 100 {
		t.Fatalf("the old thumbnail through the CDN: %d, %d px", status, w)
	}

	rep, err := a.core.Backfill(bg, app.BackfillOptions{DryRun: true})
	if err != nil || rep.Plan.Originals != 4 || len(rep.Plan.Missing) != 3 || len(rep.Plan.Stale) != 1 || len(a.ops.Created()) != 0 {
		t.Fatalf("dry run: %+v %v (%d jobs)", rep.Plan, err, len(a.ops.Created()))
	}

	// Stopped while following the job: it goes on at AWS.
	a.mu.Lock()
	a.gate = make(chan struct{})
	a.mu.Unlock()
	ctx, cancel := context.WithCancel(bg)
	opt := app.BackfillOptions{Role: standInRole, Function: standInFunction, PollInterval: 20 * time.Millisecond,
		Progress: func(p app.BackfillProgress) {
			if p.Phase == app.PhaseJob {
				cancel()
			}
		}}
	rep, err = a.core.Backfill(ctx, opt)
	if !errors.Is(err, &app.Error{Kind: app.KindBackfillStopped}) || !errors.Is(err, context.Canceled) || rep.JobID == "" || !strings.Contains(err.Error(), "run the same backfill again") {
		t.Fatalf("stopped: %+v %v", rep, err)
	}
	job := rep.JobID
	a.mu.Lock()
	close(a.gate)
	a.gate = nil
	a.mu.Unlock()

	var states []string
	opt.Progress = func(p app.BackfillProgress) {
		if p.Phase == app.PhaseJob {
			states = append(states, p.JobStatus)
		}
	}
	rep, err = a.core.Backfill(bg, opt)
	if err != nil {
		t.Fatalf("%v; the stand-in refused: %v", err, a.ops.Problems())
	}
	if !rep.Resumed || rep.JobID != job || len(a.ops.Created()) != 1 {
		t.Errorf("the second run: job %s (resumed %t), first %s, %d jobs created", rep.JobID, rep.Resumed, job, len(a.ops.Created()))
	}
	if states[len(states)-1] != "Complete" {
		t.Errorf("job states %v", states)
	}
	if rep.Made != 3 || len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Reason, "corrupt image") || rep.Failed[0].Key != "original/1732500000003_broken.jpg" {
		t.Errorf("made %d, failed %+v", rep.Made, rep.Failed)
	}
	if len(rep.Rewritten) != 1 || rep.Rewritten[0].Thumb != staleThumb || rep.Rewritten[0].Why != "thumbnail size 100 → 200 px" {
		t.Errorf("rewritten %+v", rep.Rewritten)
	}
	if rep.Distribution != a.cdn.ID || rep.Invalidation == "" || rep.InvalidationErr != nil || !slices.Equal(a.cdn.Invalidated(), []string{"/" + staleThumb}) {
		t.Errorf("invalidation %s at %s (%v): paths %v", rep.Invalidation, rep.Distribution, rep.InvalidationErr, a.cdn.Invalidated())
	}
	if status, w, cache := a.cdnGet(t, staleThumb); status != 200 || w != 200 || cache != "Miss from cloudfront" {
		t.Errorf("the rewritten thumbnail through the CDN: %d, %d px, %s", status, w, cache)
	}
	if status, w, _ := a.cdnGet(t, "thumb/1732500000000_제주 사진 (1)+100%.jpg"); status != 200 || w != 150 {
		t.Errorf("the Hangul key's thumbnail through the CDN: %d, %d px", status, w)
	}
	if p := a.ops.Problems(); len(p) > 0 || len(a.cdn.APIProblems()) > 0 {
		t.Errorf("refused: %v %v", p, a.cdn.APIProblems())
	}

	// Nothing left: no job.
	rep, err = a.core.Backfill(bg, opt)
	if err != nil || len(rep.Plan.Todo()) != 0 || rep.JobID != "" || len(a.ops.Created()) != 1 || rep.Plan.Refused != 1 {
		t.Errorf("a run with nothing to do: %+v %v, %d jobs", rep.Plan, err, len(a.ops.Created()))
	}

	// thumbdrop's size differs from the deployed function's: said.
	if err := a.core.Set("thumb_max_size", "300"); err != nil {
		t.Fatal(err)
	}
	rep, err = a.core.Backfill(bg, opt)
	if err != nil || rep.Mismatch == nil || !strings.Contains(rep.Mismatch.Error(), "redeploy with 'sam deploy --parameter-overrides ThumbMaxSize=300") {
		t.Errorf("mismatch %q (%v)", rep.Mismatch, err)
	}
}

// TestBackfillHereOnS3Compatible: --here on an S3-compatible store makes
// the missing thumbnails with the resize code on this machine, and with
// --distribution invalidates what it rewrote; without --here it says
// Batch Operations is AWS's.
func TestBackfillHereOnS3Compatible(t *testing.T) {
	a := startAWSStandIns(t)
	t.Setenv("AWS_ENDPOINT_URL_S3_CONTROL", "")
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	for _, k := range []string{"original/1732500000000_a b+c.jpg", "original/1732500000001_d.jpg"} {
		a.put(t, k, jpg)
	}
	_, err := a.core.Backfill(bg, app.BackfillOptions{Role: standInRole, Function: standInFunction})
	if !errors.Is(err, &app.Error{Kind: app.KindBackfillNoBatch}) || !strings.Contains(err.Error(), "--here") {
		t.Errorf("Batch Operations on an S3-compatible store: %v", err)
	}
	rep, err := a.core.Backfill(bg, app.BackfillOptions{Here: true})
	if err != nil || rep.Made != 2 || len(rep.Failed) != 0 {
		t.Fatalf("here: %+v %v", rep, err)
	}
	head, err := a.client.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String("thumb/1732500000000_a b+c.jpg")})
	if err != nil || aws.ToString(head.CacheControl) != resize.DefaultCacheControl || head.Metadata[resize.MetaMaxSize] != "200" {
		t.Errorf("thumbnail: %v %+v", err, head)
	}
	if err := a.core.Set("thumb_max_size", "120"); err != nil {
		t.Fatal(err)
	}
	rep, err = a.core.Backfill(bg, app.BackfillOptions{Here: true, Distribution: a.cdn.ID})
	if err != nil || len(rep.Rewritten) != 2 || len(a.cdn.Invalidated()) != 2 {
		t.Errorf("rewrite: %+v %v; invalidated %v", rep.Rewritten, err, a.cdn.Invalidated())
	}
	if rep, _ := a.core.Backfill(bg, app.BackfillOptions{Here: true}); len(rep.Plan.Todo()) != 0 || rep.Plan.UpToDate != 2 {
		t.Errorf("again: %+v", rep.Plan)
	}
}
