package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
)

const (
	testAccount  = "123456789012"
	testRole     = "arn:aws:iam::123456789012:role/thumbdrop-BatchRole-1ABC"
	testFunction = "arn:aws:lambda:us-east-1:123456789012:function:thumbdrop-ResizeFunction-1ABC"
)

// batchFixture is versitygw with a few originals, the resize function
// (in this process) and the Batch Operations stand-in that invokes it.
func batchFixture(t *testing.T) (*testsrv.Versity, *testsrv.BatchOps, *storage.S3) {
	t.Helper()
	v := testsrv.StartVersity(t, false, "photos")
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	fn := &resize.Handler{Store: resize.S3Store{Client: client}, Config: resize.DefaultConfig(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ops := testsrv.StartBatchOps(t, testAccount, v.Access, v.Secret, client, func(ctx context.Context, payload []byte) ([]byte, error) {
		inv, err := resize.ParseInvocation(payload)
		if err != nil || inv.Batch == nil {
			return nil, errors.New("not a Batch Operations invocation")
		}
		return json.Marshal(fn.HandleBatch(ctx, *inv.Batch))
	})
	t.Setenv("AWS_ENDPOINT_URL_S3_CONTROL", ops.URL)
	return v, ops, versityBucket(t, v, "photos", v.Secret)
}

// TestBatchJobAgainstStandIn: StartBatch writes the CSV manifest (keys
// URL-encoded) and creates a LambdaInvoke job whose request passes a
// stand-in that checks what AWS checks (SigV4, the account header, the
// body's shape, the manifest and its ETag); DescribeBatch follows it to
// Complete; BatchReport reads every task's result from the completion
// report. Starting the same keys again gives the same job.
func TestBatchJobAgainstStandIn(t *testing.T) {
	v, ops, b := batchFixture(t)
	ctx := context.Background()
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	keys := []string{"original/1732500000000_제주 사진 (1)+100%.jpg", "original/1732500000001_plain.jpg", "original/1732500000002_broken.jpg"}
	for i, k := range keys {
		data := jpg
		if i == 2 {
			data = jpg[:200]
		}
		if err := b.Upload(ctx, k, bytes.NewReader(data), int64(len(data)), storage.PutOptions{ContentType: "image/jpeg"}); err != nil {
			t.Fatal(err)
		}
	}
	spec := storage.BatchSpec{RoleARN: testRole, FunctionARN: testFunction, Keys: keys, Prefix: "thumbdrop-backfill/", Description: "thumbdrop backfill: 3 originals"}
	job, err := b.StartBatch(ctx, spec)
	if err != nil {
		t.Fatalf("%v\nthe stand-in refused: %v", err, ops.Problems())
	}
	if job.Account != testAccount || job.ID == "" {
		t.Fatalf("%+v", job)
	}
	for deadline := time.Now().Add(30 * time.Second); !job.Done(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", job.Status)
		}
		if job, err = b.DescribeBatch(ctx, job.Account, job.ID); err != nil {
			t.Fatal(err)
		}
	}
	if job.Status != "Complete" || job.Total != 3 || job.Succeeded != 2 || job.Failed != 1 {
		t.Errorf("job %+v", job)
	}
	res, err := b.BatchReport(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]storage.BatchTaskResult{}
	for _, r := range res {
		got[r.Key] = r
	}
	if r := got[keys[0]]; !r.Succeeded || r.Code != "" && r.Code != "Succeeded" || !strings.Contains(r.Message, "thumb/1732500000000_제주 사진 (1)+100%.jpg") {
		t.Errorf("Hangul key: %+v", r)
	}
	if r := got[keys[2]]; r.Succeeded || r.Code != "PermanentFailure" || !strings.Contains(r.Message, "corrupt image") {
		t.Errorf("corrupt: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(v.Root, "photos", "thumb", "1732500000000_제주 사진 (1)+100%.jpg")); err != nil {
		t.Errorf("no thumbnail: %v", err)
	}
	// What the SDK sent, as the stand-in read it.
	c := ops.Created()
	if len(c) != 1 {
		t.Fatalf("%d jobs created", len(c))
	}
	req := c[0]
	if req.Operation.LambdaInvoke.FunctionArn != testFunction || req.RoleArn != testRole || req.ConfirmationRequired != "false" ||
		req.Report.Prefix != "thumbdrop-backfill/reports" || !strings.HasPrefix(req.Manifest.Location.ObjectArn, "arn:aws:s3:::photos/thumbdrop-backfill/manifests/") {
		t.Errorf("CreateJob %+v", req)
	}
	manifest, err := os.ReadFile(filepath.Join(v.Root, "photos", strings.TrimPrefix(req.Manifest.Location.ObjectArn, "arn:aws:s3:::photos/")))
	if err != nil || !strings.Contains(string(manifest), "photos,original/1732500000000_%EC%A0%9C%EC%A3%BC%20%EC%82%AC%EC%A7%84%20%281%29%2B100%25.jpg\n") {
		t.Errorf("manifest %q (%v)", manifest, err)
	}

	again, err := b.StartBatch(ctx, spec)
	if err != nil || again.ID != job.ID || len(ops.Created()) != 1 {
		t.Errorf("the same keys again: job %s (first %s), %d created, %v", again.ID, job.ID, len(ops.Created()), err)
	}
	if p := ops.Problems(); len(p) > 0 {
		t.Errorf("the stand-in refused: %v", p)
	}
	for _, want := range []string{"POST /v20180820/jobs", "GET /v20180820/jobs/" + job.ID} {
		if !slices.Contains(ops.Requests(), want) {
			t.Errorf("no %s among %v", want, ops.Requests())
		}
	}
}

// TestBatchRefusals: a role that is not an IAM role ARN, and a bucket on
// an S3-compatible server (no Batch Operations there), are said plainly
// before anything is written.
func TestBatchRefusals(t *testing.T) {
	b := openBucket(t, "http://127.0.0.1:1", "photos")
	t.Setenv("AWS_ENDPOINT_URL_S3_CONTROL", "")
	_, err := b.StartBatch(context.Background(), storage.BatchSpec{RoleARN: "thumbdrop-BatchRole", FunctionARN: testFunction, Keys: []string{"original/a"}})
	if err == nil || !strings.Contains(err.Error(), "BatchRoleArn") {
		t.Errorf("a name for a role: %v", err)
	}
	_, err = b.StartBatch(context.Background(), storage.BatchSpec{RoleARN: testRole, FunctionARN: testFunction, Keys: []string{"original/a"}})
	if !errors.Is(err, storage.ErrNoBatch) || !strings.Contains(err.Error(), "--here") {
		t.Errorf("an S3-compatible server: %v", err)
	}
}

// TestInvalidateAgainstStandIn: the distribution serving public links is
// found by its alias, and an invalidation of URL-encoded paths reaches
// the CDN (signed for CloudFront), which then fetches them again.
func TestInvalidateAgainstStandIn(t *testing.T) {
	v := testsrv.StartVersity(t, false, "photos")
	cdn := testsrv.StartCDN(t, v.Endpoint, "photos", v.Access, v.Secret, 10*time.Second)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDFRONT", cdn.API)
	b := versityBucket(t, v, "photos", v.Secret, func(c *storage.S3Config) { c.PublicBaseURL = cdn.URL })
	ctx := context.Background()
	key := "thumb/1732500000000_제주 사진 (1)+1.jpg"
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	if err := b.Upload(ctx, key, bytes.NewReader(jpg), int64(len(jpg)), storage.PutOptions{ContentType: "image/jpeg"}); err != nil {
		t.Fatal(err)
	}
	get := func() string {
		resp, err := http.Get(b.URL(key))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Cache")
	}
	get()
	if got := get(); got != "Hit from cloudfront" {
		t.Fatalf("second GET: %s", got)
	}
	id, err := b.FindDistribution(ctx, cdn.URL)
	if err != nil || id != cdn.ID {
		t.Fatalf("distribution %q (%v), want %s; refused: %v", id, err, cdn.ID, cdn.APIProblems())
	}
	inv, err := b.Invalidate(ctx, id, []string{storage.InvalidationPath(key)})
	if err != nil || inv == "" {
		t.Fatalf("invalidation %q: %v; refused: %v", inv, err, cdn.APIProblems())
	}
	if got := cdn.Invalidated(); len(got) != 1 || got[0] != "/thumb/1732500000000_%EC%A0%9C%EC%A3%BC%20%EC%82%AC%EC%A7%84%20%281%29%2B1.jpg" {
		t.Errorf("paths %v", got)
	}
	if got := get(); got != "Miss from cloudfront" {
		t.Errorf("after the invalidation: %s", got)
	}
	// Keys CloudFront refuses: said as the bucket's errors are.
	wrong := versityBucket(t, v, "photos", "not-the-secret", func(c *storage.S3Config) { c.PublicBaseURL = cdn.URL })
	if _, err := wrong.Invalidate(ctx, id, []string{"/thumb/x.jpg"}); !errors.Is(err, storage.ErrBadCredentials) {
		t.Errorf("a wrong secret: %v", err)
	}
}
