package resize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// manifestKey encodes a key as a Batch Operations CSV manifest holds it
// (and as the task hands it to the function): URL-encoded, a space as %20
// and a '+' as %2B (which every decoder reads alike), '/' kept.
func manifestKey(k string) string {
	return strings.NewReplacer("+", "%20", "%2F", "/").Replace(url.QueryEscape(k))
}

// batchJSON is an invocation of the given schema with one task per key,
// in AWS's shapes (aws-lambda-go's testdata).
func batchJSON(schema, bucketName string, keys ...string) []byte {
	var tasks []string
	for i, k := range keys {
		where := fmt.Sprintf(`"s3Bucket":%q`, bucketName)
		if schema == "1.0" {
			where = fmt.Sprintf(`"s3BucketArn":"arn:aws:s3:::%s"`, bucketName)
		}
		tasks = append(tasks, fmt.Sprintf(`{"taskId":"task-%d","s3Key":%q,"s3VersionId":null,%s}`, i, k, where))
	}
	args := ""
	if schema == "2.0" {
		args = `,"userArguments":{"from":"thumbdrop backfill"}`
	}
	return []byte(fmt.Sprintf(`{"invocationSchemaVersion":%q,"invocationId":"YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo",
"job":{"id":"f3cc4f60-61f6-4a2b-8a21-d07600c373ce"%s},"tasks":[%s]}`, schema, args, strings.Join(tasks, ",")))
}

func TestParseInvocation(t *testing.T) {
	for _, schema := range []string{"1.0", "2.0"} {
		inv, err := ParseInvocation(batchJSON(schema, bucket, "original/1_a%20b.jpg"))
		if err != nil || inv.Batch == nil || inv.S3 != nil {
			t.Fatalf("%s: %+v %v", schema, inv, err)
		}
		j := inv.Batch
		if j.SchemaVersion != schema || j.JobID != "f3cc4f60-61f6-4a2b-8a21-d07600c373ce" || len(j.Tasks) != 1 ||
			j.Tasks[0] != (BatchTask{TaskID: "task-0", Bucket: bucket, Key: "original/1_a%20b.jpg"}) {
			t.Errorf("%s: %+v", schema, j)
		}
		if schema == "2.0" && j.UserArguments["from"] != "thumbdrop backfill" {
			t.Errorf("user arguments %v", j.UserArguments)
		}
	}
	inv, err := ParseInvocation(eventJSON(bucket, "original/1_a.jpg"))
	if err != nil || inv.S3 == nil || inv.Batch != nil || inv.S3.Records[0].S3.Object.Key != "original/1_a.jpg" {
		t.Errorf("S3 event: %+v %v", inv, err)
	}
	if _, err := ParseInvocation([]byte(`{"invocationSchemaVersion":"3.0","tasks":[]}`)); !errors.Is(err, ErrBadBatch) {
		t.Errorf("schema 3.0: %v", err)
	}
}

// TestHandleBatch: each task gets the result code its object deserves,
// whatever the schema: a photo (its key URL-encoded with Hangul, spaces,
// '+' and '%') Succeeded with its thumbnail written; a corrupt file and a
// text file PermanentFailure with the refusal's reason (and the note
// written); a missing key and a key outside original/ PermanentFailure;
// the answer echoes the schema and invocation and names every task.
func TestHandleBatch(t *testing.T) {
	c, sent := fakeS3(t)
	h := handler(c)
	jpg := testkit.ReadCorpus(t, "video-001.jpeg")
	keys := []string{
		"original/1732500000000_제주 사진 (1)+100%.jpg",
		"original/1732500000001_broken.jpg",
		"original/1732500000002_notes.jpg",
		"original/1732500000003_gone.jpg",
		"thumb/1732500000004_x.jpg",
	}
	put(t, c, keys[0], jpg)
	put(t, c, keys[1], jpg[:300])
	put(t, c, keys[2], []byte("not a photo"))
	want := []struct{ code, detail string }{
		{BatchSucceeded, "thumb/1732500000000_제주 사진 (1)+100%.jpg 150x"},
		{BatchPermanentFailure, "corrupt image"},
		{BatchPermanentFailure, "not an image"},
		{BatchPermanentFailure, "missing key: no object original/1732500000003_gone.jpg"},
		{BatchPermanentFailure, "not under original/"},
	}
	for _, schema := range []string{"1.0", "2.0"} {
		var encoded []string
		for _, k := range keys {
			encoded = append(encoded, manifestKey(k))
		}
		inv, err := ParseInvocation(batchJSON(schema, bucket, encoded...))
		if err != nil {
			t.Fatal(err)
		}
		resp := h.HandleBatch(context.Background(), *inv.Batch)
		if resp.InvocationSchemaVersion != schema || resp.InvocationID != inv.Batch.InvocationID || resp.TreatMissingKeysAs != BatchPermanentFailure {
			t.Errorf("%s: answer %+v", schema, resp)
		}
		if len(resp.Results) != len(keys) {
			t.Fatalf("%s: %d results for %d tasks", schema, len(resp.Results), len(keys))
		}
		for i, r := range resp.Results {
			if r.TaskID != fmt.Sprintf("task-%d", i) || r.ResultCode != want[i].code || !strings.Contains(r.ResultString, want[i].detail) {
				t.Errorf("%s: %s: %+v, want %s containing %q", schema, keys[i], r, want[i].code, want[i].detail)
			}
		}
		// What is answered is what Batch Operations reads.
		b, _ := json.Marshal(resp)
		var back events.S3BatchJobResponse
		if err := json.Unmarshal(b, &back); err != nil || !strings.Contains(string(b), `"resultCode":"Succeeded"`) {
			t.Errorf("%s: %s %v", schema, b, err)
		}
	}
	if !exists(c, "thumb/1732500000000_제주 사진 (1)+100%.jpg") {
		t.Error("no thumbnail of the Hangul key")
	}
	if cc, _ := sent.Load("thumb/1732500000000_제주 사진 (1)+100%.jpg"); cc != DefaultCacheControl {
		t.Errorf("thumbnail written with Cache-Control %q", cc)
	}
	for _, k := range []string{"thumb/1732500000001_broken.jpg.refused", "thumb/1732500000002_notes.jpg.refused"} {
		if !exists(c, k) {
			t.Errorf("no refusal note %s", k)
		}
	}
	if exists(c, "thumb/1732500000003_gone.jpg.refused") {
		t.Error("a note for a key that is gone")
	}
}

// TestBatchUnencodedManifestKey: a manifest written by a tool that did not
// encode its keys ('+' meaning '+') still finds the object.
func TestBatchUnencodedManifestKey(t *testing.T) {
	c, _ := fakeS3(t)
	h := handler(c)
	put(t, c, "original/1_a+b.jpg", testkit.ReadCorpus(t, "video-001.jpeg"))
	inv, _ := ParseInvocation(batchJSON("2.0", bucket, "original/1_a+b.jpg", "original/2_100%.jpg"))
	resp := h.HandleBatch(context.Background(), *inv.Batch)
	if r := resp.Results[0]; r.ResultCode != BatchSucceeded || !exists(c, "thumb/1_a+b.jpg") {
		t.Errorf("unencoded '+': %+v", r)
	}
	if r := resp.Results[1]; r.ResultCode != BatchPermanentFailure || !strings.Contains(r.ResultString, "missing key") {
		t.Errorf("unencoded '%%', missing: %+v", r)
	}
}

// TestBatchTransientAndDenied: throttling (503 SlowDown), a server that
// does not answer, and an invocation out of time are TemporaryFailure,
// which Batch Operations retries; access denied is a PermanentFailure
// (retrying cannot mend a policy).
func TestBatchTransientAndDenied(t *testing.T) {
	answer := func(status int, code string) *s3.Client {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, code)
		}))
		t.Cleanup(srv.Close)
		return oneTry(srv.URL)
	}
	down := httptest.NewServer(nil)
	downURL := down.URL
	down.Close()
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name   string
		client *s3.Client
		ctx    context.Context
		code   string
	}{
		{"throttled", answer(http.StatusServiceUnavailable, "SlowDown"), context.Background(), BatchTemporaryFailure},
		{"internal error", answer(http.StatusInternalServerError, "InternalError"), context.Background(), BatchTemporaryFailure},
		{"network", oneTry(downURL), context.Background(), BatchTemporaryFailure},
		{"out of time", answer(http.StatusOK, "x"), expired, BatchTemporaryFailure},
		{"denied", answer(http.StatusForbidden, "AccessDenied"), context.Background(), BatchPermanentFailure},
	} {
		h := handler(c.client)
		inv, _ := ParseInvocation(batchJSON("1.0", bucket, "original/1_a.jpg"))
		r := h.HandleBatch(c.ctx, *inv.Batch).Results[0]
		if r.ResultCode != c.code || r.ResultString == "" {
			t.Errorf("%s: %+v, want %s", c.name, r, c.code)
		}
	}
}

// oneTry is a client that does not retry: the result code is the
// function's, not the SDK's patience.
func oneTry(endpoint string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
}
