package testsrv

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// BatchOps stands in for S3 Batch Operations' control API (CreateJob,
// DescribeJob), as strict as AWS about what the SDK sends: SigV4 for the
// service "s3" checked, x-amz-account-id, the XML body's shape, a manifest
// that exists with the ETag given and holds URL-encoded "bucket,key"
// lines, a LambdaInvoke operation of schema 2.0, an enabled CSV report.
// It then plays the job as AWS would: each manifest line handed to Invoke
// as a one-task invocation, progress counted, and the completion report
// (manifest.json and a CSV per outcome) written under the report prefix.
// A request it refuses is answered 400 and listed in Problems.
type BatchOps struct {
	URL     string
	Account string
	// Invoke plays the Lambda function: a Batch Operations invocation in,
	// its answer out.
	Invoke func(ctx context.Context, payload []byte) ([]byte, error)

	access, secret string
	s3             *s3.Client
	mu             sync.Mutex
	jobs           map[string]*batchJob
	tokens         map[string]string
	requests       []string
	problems       []string
	created        []CreateJobRequest
}

type batchJob struct {
	req                      CreateJobRequest
	status                   string
	total, succeeded, failed int64
}

// CreateJobRequest is CreateJob's body, as the SDK serialises it.
type CreateJobRequest struct {
	XMLName              xml.Name `xml:"http://awss3control.amazonaws.com/doc/2018-08-20/ CreateJobRequest"`
	ClientRequestToken   string
	ConfirmationRequired string
	Description          string
	Priority             string
	RoleArn              string
	Manifest             struct {
		Spec struct {
			Format string
			Fields []string `xml:"Fields>member"`
		}
		Location struct{ ObjectArn, ETag string }
	}
	Operation struct {
		LambdaInvoke *struct {
			FunctionArn, InvocationSchemaVersion string
			UserArguments                        []struct {
				Key   string `xml:"key"`
				Value string `xml:"value"`
			} `xml:"UserArguments>entry"`
		}
	}
	Report struct{ Bucket, Enabled, Format, Prefix, ReportScope string }
}

// StartBatchOps serves the API for account, accepting requests signed
// with access/secret, reading manifests and writing reports through s3c.
func StartBatchOps(t testing.TB, account, access, secret string, s3c *s3.Client, invoke func(ctx context.Context, payload []byte) ([]byte, error)) *BatchOps {
	t.Helper()
	b := &BatchOps{Account: account, Invoke: invoke, access: access, secret: secret, s3: s3c,
		jobs: map[string]*batchJob{}, tokens: map[string]string{}}
	srv := httptest.NewServer(b)
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

// Requests lists what was asked, as "METHOD path".
func (b *BatchOps) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Problems lists the requests refused and why.
func (b *BatchOps) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Created lists the jobs' CreateJob bodies.
func (b *BatchOps) Created() []CreateJobRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]CreateJobRequest(nil), b.created...)
}

func (b *BatchOps) refuse(w http.ResponseWriter, status int, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	b.mu.Lock()
	b.problems = append(b.problems, msg)
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>%s</Code><Message>%s</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>`, code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(s))
	return buf.String()
}

func (b *BatchOps) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.requests = append(b.requests, r.Method+" "+r.URL.Path)
	b.mu.Unlock()
	if err := checkSigV4(r, body, b.access, b.secret, "s3"); err != nil {
		b.refuse(w, http.StatusForbidden, "SignatureDoesNotMatch", "%s %s: %v", r.Method, r.URL.Path, err)
		return
	}
	if got := r.Header.Get("X-Amz-Account-Id"); got != b.Account {
		b.refuse(w, http.StatusForbidden, "AccessDenied", "%s %s: x-amz-account-id %q, want %q", r.Method, r.URL.Path, got, b.Account)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v20180820/jobs":
		b.createJob(w, r, body)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v20180820/jobs/"):
		b.describeJob(w, strings.TrimPrefix(r.URL.Path, "/v20180820/jobs/"))
	default:
		b.refuse(w, http.StatusNotFound, "NotImplemented", "%s %s: not an operation this stand-in serves", r.Method, r.URL.Path)
	}
}

func (b *BatchOps) createJob(w http.ResponseWriter, r *http.Request, body []byte) {
	if ct := r.Header.Get("Content-Type"); ct != "application/xml" {
		b.refuse(w, http.StatusBadRequest, "InvalidRequest", "CreateJob: Content-Type %q", ct)
		return
	}
	var req CreateJobRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		b.refuse(w, http.StatusBadRequest, "MalformedXML", "CreateJob: %v: %s", err, body)
		return
	}
	var bad []string
	need := func(ok bool, what string, args ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(what, args...))
		}
	}
	need(req.ClientRequestToken != "" && len(req.ClientRequestToken) <= 64, "ClientRequestToken %q", req.ClientRequestToken)
	need(strings.HasPrefix(req.RoleArn, "arn:aws:iam::"+b.Account+":role/"), "RoleArn %q is not a role of account %s", req.RoleArn, b.Account)
	need(req.Priority != "", "no Priority")
	need(req.Manifest.Spec.Format == "S3BatchOperations_CSV_20180820", "manifest format %q", req.Manifest.Spec.Format)
	need(strings.Join(req.Manifest.Spec.Fields, ",") == "Bucket,Key", "manifest fields %v", req.Manifest.Spec.Fields)
	need(req.Manifest.Location.ETag != "", "no manifest ETag")
	li := req.Operation.LambdaInvoke
	need(li != nil && strings.HasPrefix(li.FunctionArn, "arn:aws:lambda:") && li.InvocationSchemaVersion == "2.0", "operation %+v: want LambdaInvoke of a function ARN, schema 2.0", li)
	need(strings.HasPrefix(req.Report.Bucket, "arn:aws:s3:::") && req.Report.Enabled == "true" && req.Report.Format == "Report_CSV_20180820" &&
		req.Report.ReportScope == "AllTasks" && req.Report.Prefix != "", "report %+v", req.Report)
	bucket, key, ok := strings.Cut(strings.TrimPrefix(req.Manifest.Location.ObjectArn, "arn:aws:s3:::"), "/")
	need(ok && strings.HasPrefix(req.Manifest.Location.ObjectArn, "arn:aws:s3:::"), "manifest ObjectArn %q", req.Manifest.Location.ObjectArn)
	var lines [][]string
	if ok {
		head, err := b.s3.HeadObject(r.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			bad = append(bad, fmt.Sprintf("manifest %s: %v", req.Manifest.Location.ObjectArn, err))
		} else if aws.ToString(head.ETag) != req.Manifest.Location.ETag {
			bad = append(bad, fmt.Sprintf("manifest ETag %s, the object's is %s", req.Manifest.Location.ETag, aws.ToString(head.ETag)))
		} else if lines, err = b.readManifest(r.Context(), bucket, key); err != nil {
			bad = append(bad, err.Error())
		}
	}
	if len(bad) > 0 {
		b.refuse(w, http.StatusBadRequest, "InvalidRequest", "CreateJob: %s", strings.Join(bad, "; "))
		return
	}
	b.mu.Lock()
	id, seen := b.tokens[req.ClientRequestToken]
	if !seen {
		sum := sha1.Sum([]byte(req.ClientRequestToken))
		h := hex.EncodeToString(sum[:])
		id = h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
		b.tokens[req.ClientRequestToken] = id
		j := &batchJob{req: req, status: "New", total: int64(len(lines))}
		b.jobs[id] = j
		b.created = append(b.created, req)
		go b.run(id, j, lines)
	}
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><CreateJobResult xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><JobId>%s</JobId></CreateJobResult>`, id)
}

// readManifest reads a CSV manifest, refusing keys that are not
// URL-encoded (a space or a '+' as such).
func (b *BatchOps) readManifest(ctx context.Context, bucket, key string) ([][]string, error) {
	out, err := b.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	lines, err := csv.NewReader(out.Body).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %v", key, err)
	}
	for i, l := range lines {
		if len(l) != 2 || l[0] == "" || l[1] == "" {
			return nil, fmt.Errorf("manifest line %d: %q: want bucket,key", i+1, l)
		}
		if strings.ContainsAny(l[1], " +") || !isASCII(l[1]) {
			return nil, fmt.Errorf("manifest line %d: key %q is not URL-encoded", i+1, l[1])
		}
	}
	return lines, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// run plays the job: one invocation per manifest line, one at a time,
// then the completion report.
func (b *BatchOps) run(id string, j *batchJob, lines [][]string) {
	set := func(status string) { b.mu.Lock(); j.status = status; b.mu.Unlock() }
	set("Preparing")
	set("Active")
	ctx := context.Background()
	var done, failed bytes.Buffer
	dw, fw := csv.NewWriter(&done), csv.NewWriter(&failed)
	for i, l := range lines {
		inv := map[string]any{
			"invocationSchemaVersion": "2.0", "invocationId": fmt.Sprintf("inv-%s-%d", id, i),
			"job":   map[string]any{"id": id, "userArguments": map[string]string{}},
			"tasks": []map[string]any{{"taskId": fmt.Sprintf("task-%d", i), "s3Key": l[1], "s3VersionId": nil, "s3Bucket": l[0]}},
		}
		payload, _ := json.Marshal(inv)
		code, msg := "PermanentFailure", ""
		out, err := b.Invoke(ctx, payload)
		if err != nil {
			msg = "Lambda returned function error: " + err.Error()
		} else {
			var resp struct {
				InvocationSchemaVersion string `json:"invocationSchemaVersion"`
				Results                 []struct {
					TaskID       string `json:"taskId"`
					ResultCode   string `json:"resultCode"`
					ResultString string `json:"resultString"`
				} `json:"results"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || len(resp.Results) != 1 || resp.Results[0].TaskID != fmt.Sprintf("task-%d", i) {
				msg = fmt.Sprintf("the function's answer is not a Batch Operations response: %s", out)
			} else {
				code, msg = resp.Results[0].ResultCode, resp.Results[0].ResultString
			}
		}
		b.mu.Lock()
		if code == "Succeeded" {
			j.succeeded++
			dw.Write([]string{l[0], l[1], "", "succeeded", "200", "", msg})
		} else {
			j.failed++
			fw.Write([]string{l[0], l[1], "", "failed", "200", code, msg})
		}
		b.mu.Unlock()
	}
	set("Completing")
	dw.Flush()
	fw.Flush()
	bucket := strings.TrimPrefix(j.req.Report.Bucket, "arn:aws:s3:::")
	base := strings.TrimSuffix(j.req.Report.Prefix, "/") + "/job-" + id
	type result struct{ TaskExecutionStatus, Bucket, MD5Checksum, Key string }
	var results []result
	for _, r := range []struct {
		status string
		data   []byte
	}{{"succeeded", done.Bytes()}, {"failed", failed.Bytes()}} {
		if len(r.data) == 0 {
			continue
		}
		sum := sha1.Sum(r.data)
		key := base + "/results/" + hex.EncodeToString(sum[:]) + ".csv"
		b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(r.data)})
		results = append(results, result{r.status, bucket, "", key})
	}
	top, _ := json.Marshal(map[string]any{"Format": "Report_CSV_20180820", "ReportCreationDate": time.Now().UTC().Format(time.RFC3339),
		"Results": results, "ReportSchema": "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"})
	b.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(base + "/manifest.json"), Body: bytes.NewReader(top)})
	set("Complete")
}

func (b *BatchOps) describeJob(w http.ResponseWriter, id string) {
	b.mu.Lock()
	j, ok := b.jobs[id]
	var resp string
	if ok {
		r := j.req.Report
		resp = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><DescribeJobResult xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><Job>`+
			`<JobId>%s</JobId><ConfirmationRequired>false</ConfirmationRequired><Description>%s</Description><Priority>%s</Priority><RoleArn>%s</RoleArn>`+
			`<Status>%s</Status><ProgressSummary><TotalNumberOfTasks>%d</TotalNumberOfTasks><NumberOfTasksSucceeded>%d</NumberOfTasksSucceeded><NumberOfTasksFailed>%d</NumberOfTasksFailed></ProgressSummary>`+
			`<Report><Bucket>%s</Bucket><Enabled>%s</Enabled><Format>%s</Format><Prefix>%s</Prefix><ReportScope>%s</ReportScope></Report></Job></DescribeJobResult>`,
			id, xmlEscape(j.req.Description), j.req.Priority, j.req.RoleArn, j.status, j.total, j.succeeded, j.failed,
			r.Bucket, r.Enabled, r.Format, xmlEscape(r.Prefix), r.ReportScope)
	}
	b.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>NotFoundException</Code><Message>no job %s</Message></Error></ErrorResponse>`, xmlEscape(id))
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	io.WriteString(w, resp)
}
