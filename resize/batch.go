package resize

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Result codes of an S3 Batch Operations task.
const (
	BatchSucceeded        = "Succeeded"
	BatchTemporaryFailure = "TemporaryFailure" // Batch Operations tries the task again
	BatchPermanentFailure = "PermanentFailure" // in the completion report, never retried
)

// BatchJob is one S3 Batch Operations invocation (schema 1.0 or 2.0),
// read into one shape.
type BatchJob struct {
	SchemaVersion string // "1.0" or "2.0", echoed in the answer
	InvocationID  string
	JobID         string
	UserArguments map[string]string // schema 2.0 only
	Tasks         []BatchTask
}

// BatchTask is one object of the manifest.
type BatchTask struct {
	TaskID string
	Bucket string // the bucket's name (schema 1.0 sends its ARN)
	// Key is as the manifest has it: URL-encoded.
	Key       string
	VersionID string
}

// Invocation is what the function was invoked with: an S3 event
// notification or a Batch Operations job's tasks.
type Invocation struct {
	S3    *events.S3Event
	Batch *BatchJob
}

// ErrBadBatch: an S3 Batch Operations invocation that cannot be read (a
// schema this function does not know). Answered as a function error, so
// the job's report says why.
var ErrBadBatch = errors.New("unreadable S3 Batch Operations invocation")

// ParseInvocation tells an S3 Batch Operations invocation (it carries an
// invocationSchemaVersion and tasks) from an S3 event notification.
func ParseInvocation(raw []byte) (Invocation, error) {
	var probe struct {
		Version *string         `json:"invocationSchemaVersion"`
		Records json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Invocation{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if probe.Version == nil {
		ev, err := ParseS3Event(raw)
		if err != nil {
			return Invocation{}, err
		}
		return Invocation{S3: &ev}, nil
	}
	job := BatchJob{SchemaVersion: *probe.Version}
	switch job.SchemaVersion {
	case "1.0":
		var ev events.S3BatchJobEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Invocation{}, fmt.Errorf("%w: %w", ErrBadBatch, err)
		}
		job.InvocationID, job.JobID = ev.InvocationID, ev.Job.ID
		for _, t := range ev.Tasks {
			// arn:aws:s3:::bucket
			name := t.S3BucketARN[strings.LastIndex(t.S3BucketARN, ":")+1:]
			job.Tasks = append(job.Tasks, BatchTask{TaskID: t.TaskID, Bucket: name, Key: t.S3Key, VersionID: t.S3VersionID})
		}
	case "2.0":
		var ev events.S3BatchJobEventV2
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Invocation{}, fmt.Errorf("%w: %w", ErrBadBatch, err)
		}
		job.InvocationID, job.JobID, job.UserArguments = ev.InvocationID, ev.Job.ID, ev.Job.UserArguments
		for _, t := range ev.Tasks {
			job.Tasks = append(job.Tasks, BatchTask{TaskID: t.TaskID, Bucket: t.S3Bucket, Key: t.S3Key, VersionID: t.S3VersionID})
		}
	default:
		return Invocation{}, fmt.Errorf("%w: schema %q; this function reads 1.0 and 2.0", ErrBadBatch, job.SchemaVersion)
	}
	return Invocation{Batch: &job}, nil
}

// HandleBatch makes the thumbnails of a Batch Operations invocation's
// objects and answers each task: Succeeded (what was written),
// PermanentFailure with the reason (not an image, too large, corrupt, a
// missing key, a key outside the original prefix, access denied) or
// TemporaryFailure (throttling, the network, time running out), which
// Batch Operations tries again. Keys arrive URL-encoded.
func (h *Handler) HandleBatch(ctx context.Context, job BatchJob) events.S3BatchJobResponse {
	resp := events.S3BatchJobResponse{
		InvocationSchemaVersion: job.SchemaVersion,
		InvocationID:            job.InvocationID,
		// A task the answer somehow leaves out is not retried forever.
		TreatMissingKeysAs: BatchPermanentFailure,
	}
	for _, t := range job.Tasks {
		r := h.batchTask(ctx, t)
		h.log().Info("batch task", "job", job.JobID, "task", t.TaskID, "bucket", t.Bucket, "key", t.Key,
			"result", r.ResultCode, "detail", r.ResultString)
		resp.Results = append(resp.Results, r)
	}
	return resp
}

func (h *Handler) batchTask(ctx context.Context, t BatchTask) events.S3BatchJobResult {
	res := func(code, format string, args ...any) events.S3BatchJobResult {
		return events.S3BatchJobResult{TaskID: t.TaskID, ResultCode: code, ResultString: fmt.Sprintf(format, args...)}
	}
	if err := ctx.Err(); err != nil {
		return res(BatchTemporaryFailure, "not started: the invocation ran out of time (%v)", err)
	}
	out, err := h.resizeEncoded(ctx, t.Bucket, t.Key)
	switch {
	case err != nil && permanentS3(err):
		return res(BatchPermanentFailure, "%v", err)
	case err != nil:
		return res(BatchTemporaryFailure, "%v", err)
	case out.Skipped:
		return res(BatchPermanentFailure, "%s is not under %s: only originals get thumbnails", out.Key, h.Config.OriginalPrefix)
	case errors.Is(out.Failed, errGone):
		return res(BatchPermanentFailure, "missing key: no object %s (deleted since the manifest was written?)", out.Key)
	case out.Failed != nil:
		return res(BatchPermanentFailure, "%v", out.Failed)
	}
	r := out.Result
	return res(BatchSucceeded, "%s %dx%d %s%s", out.ThumbKey, r.Width, r.Height, r.Format, out.copies())
}

// copies describes the copies an outcome made besides the thumbnail.
func (o Outcome) copies() string {
	s := ""
	if len(o.Made) > 0 {
		s += "; copies " + strings.Join(o.Made, ",")
	}
	if o.WebP {
		s += "; webp twins"
	}
	return s
}

// resizeEncoded resizes an object whose key arrived URL-encoded ('+' for
// a space), as S3 writes keys into event notifications and Batch
// Operations manifests. Some S3-compatible servers send keys unencoded
// ('+' meaning '+', a bare '%'): if the decoded key names no object, the
// key is tried as it came.
func (h *Handler) resizeEncoded(ctx context.Context, bucket, raw string) (Outcome, error) {
	key, err := decodeEventKey(raw)
	if err != nil {
		key = raw // not URL-encoded at all: use it as it is
	}
	out, err := h.Resize(ctx, bucket, key)
	if err == nil && errors.Is(out.Failed, errGone) && key != raw {
		if o, err2 := h.Resize(ctx, bucket, raw); err2 != nil || !errors.Is(o.Failed, errGone) {
			return o, err2
		}
	}
	return out, err
}

// permanentS3 tells an S3 error that trying again will not mend (access
// denied, no such bucket: the deployment is wrong) from a transient one
// (throttling, a 5xx, the network).
func permanentS3(err error) bool {
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	switch apiCode(err) {
	case "SlowDown", "Throttling", "ThrottlingException", "TooManyRequests", "RequestTimeout", "RequestTimeTooSkewed":
		return false
	}
	s := re.HTTPStatusCode()
	return s >= 400 && s < 500 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}
