package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// manifestKey encodes a key as thumbdrop backfill writes it into a Batch
// Operations manifest, and as the task hands it over: URL-encoded, a space
// %20, a '+' %2B, '/' kept.
func manifestKey(k string) string {
	return strings.NewReplacer("+", "%20", "%2F", "/").Replace(url.QueryEscape(k))
}

// batchEvent is an S3 Batch Operations invocation, one task per key, in
// the shape of the given schema.
func batchEvent(schema, bucket string, keys ...string) string {
	var tasks []string
	for i, k := range keys {
		where := fmt.Sprintf(`"s3Bucket":%q`, bucket)
		if schema == "1.0" {
			where = fmt.Sprintf(`"s3BucketArn":"arn:aws:s3:::%s"`, bucket)
		}
		tasks = append(tasks, fmt.Sprintf(`{"taskId":"dGFzay0%d","s3Key":%q,"s3VersionId":null,%s}`, i, manifestKey(k), where))
	}
	args := ""
	if schema == "2.0" {
		args = `,"userArguments":{}`
	}
	return fmt.Sprintf(`{"invocationSchemaVersion":%q,"invocationId":"aW52b2NhdGlvbi0%s","job":{"id":"5a1b2c3d-0000-4000-8000-00000000000%s"%s},"tasks":[%s]}`,
		schema, schema[:1], schema[:1], args, strings.Join(tasks, ","))
}

// TestBatchUnderLambdaEmulator: the function binary under AWS's Runtime
// Interface Emulator, reading and writing versitygw, answers S3 Batch
// Operations invocations of schema 1.0 and 2.0 (one task each, as Batch
// Operations sends them): a real photo and a Hangul name with spaces
// Succeeded with their thumbnails written (Cache-Control immutable), a
// corrupt file PermanentFailure with its reason, a missing key
// PermanentFailure; and with S3 down, TemporaryFailure, never an
// invocation error.
func TestBatchUnderLambdaEmulator(t *testing.T) {
	testkit.Heavy(t, "runs AWS's Lambda emulator and versitygw")
	bin := buildBootstrap(t)
	v := testsrv.StartVersity(t, false, "photos")
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(v.Endpoint), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(v.Access, v.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	ctx := context.Background()
	photo := testkit.ReadPhoto(t, "Elephants_12MP.jpg")
	const (
		camera  = "original/1732500000000_elephants.jpg"
		hangul  = "original/1732500000001_제주 여행 사진 (2)+1.jpg"
		corrupt = "original/1732500000002_broken.jpg"
		missing = "original/1732500000003_deleted since.jpg"
	)
	for k, data := range map[string][]byte{camera: photo, hangul: photo, corrupt: photo[:4096]} {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos"), Key: aws.String(k), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	emu := startEmulator(t, bin, append(os.Environ(),
		"AWS_ENDPOINT_URL_S3="+v.Endpoint, "S3_USE_PATH_STYLE=true", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID="+v.Access, "AWS_SECRET_ACCESS_KEY="+v.Secret,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_FUNCTION_TIMEOUT=30", "EXTRA_WIDTHS=640"))

	answer := func(ev string) events.S3BatchJobResponse {
		t.Helper()
		body, failed := emu.invoke(t, ev)
		if failed {
			t.Fatalf("the invocation failed (Batch Operations would retry it whole): %s\n%s", body, emu.logs.String())
		}
		var r events.S3BatchJobResponse
		if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Results) != 1 {
			t.Fatalf("answer %s: %v", body, err)
		}
		return r
	}
	cases := []struct {
		key, code, detail string
	}{
		{camera, "Succeeded", "thumb/1732500000000_elephants.jpg 200x150 jpeg; copies 640x481"},
		{hangul, "Succeeded", "thumb/1732500000001_제주 여행 사진 (2)+1.jpg 200x150"},
		{corrupt, "PermanentFailure", "corrupt image"},
		{missing, "PermanentFailure", "missing key: no object " + missing},
	}
	for _, schema := range []string{"1.0", "2.0"} {
		for _, c := range cases {
			r := answer(batchEvent(schema, "photos", c.key))
			res := r.Results[0]
			if r.InvocationSchemaVersion != schema || res.TaskID != "dGFzay00" || res.ResultCode != c.code || !strings.Contains(res.ResultString, c.detail) {
				t.Errorf("schema %s, %s: %+v (schema %s), want %s with %q", schema, c.key, res, r.InvocationSchemaVersion, c.code, c.detail)
			}
		}
	}
	for _, c := range []struct {
		key string
		w   int
	}{{"thumb/1732500000000_elephants.jpg", 200}, {"thumb/640w/1732500000000_elephants.jpg", 640}, {"thumb/1732500000001_제주 여행 사진 (2)+1.jpg", 200}} {
		f, err := os.Open(filepath.Join(v.Root, "photos", c.key))
		if err != nil {
			t.Errorf("%s: %v", c.key, err)
			continue
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != c.w {
			t.Errorf("%s: %d px wide (%v), want %d", c.key, cfg.Width, err, c.w)
		}
		head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos"), Key: aws.String(c.key)})
		if err != nil || aws.ToString(head.CacheControl) != "public, max-age=31536000, immutable" || aws.ToString(head.ContentType) != "image/jpeg" {
			t.Errorf("%s: Cache-Control %q, Content-Type %q (%v)", c.key, aws.ToString(head.CacheControl), aws.ToString(head.ContentType), err)
		}
	}
	if _, err := os.Stat(filepath.Join(v.Root, "photos", "thumb", "1732500000002_broken.jpg.refused")); err != nil {
		t.Errorf("no refusal note for the corrupt file: %v", err)
	}

	// S3 down: the task is a TemporaryFailure for Batch Operations to try
	// again, and the invocation itself succeeds.
	v.Stop()
	if r := answer(batchEvent("2.0", "photos", camera)).Results[0]; r.ResultCode != "TemporaryFailure" {
		t.Errorf("with S3 down: %+v", r)
	}
	v.Start()
	if !strings.Contains(emu.logs.String(), `"result":"PermanentFailure"`) {
		t.Errorf("the tasks' results are not in the function's log:\n%s", emu.logs.String())
	}
}
