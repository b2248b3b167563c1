package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// S3 Batch Operations, through the S3 Control API (aws-sdk-go-v2's
// service/s3control, the same SDK, credentials and HTTP transport as the
// bucket's): a CSV manifest written to the bucket, a job that invokes the
// resize function once per key, its progress, its completion report.

// Operations of Batch Operations and CloudFront, as OpError.Op names them.
const (
	OpManifest    = "write the backfill manifest"
	OpCreateJob   = "create the S3 Batch Operations job"
	OpDescribeJob = "describe the S3 Batch Operations job"
	OpReport      = "read the S3 Batch Operations report"
	OpListCDN     = "list CloudFront distributions"
	OpInvalidate  = "invalidate at CloudFront"
)

// BatchSpec is what a backfill job is made of.
type BatchSpec struct {
	// RoleARN is the role Batch Operations takes (the stack's
	// BatchRoleArn); its account is the job's.
	RoleARN string
	// FunctionARN is the resize function (the stack's FunctionArn).
	FunctionARN string
	// Keys are the objects to resize, as they are (not encoded).
	Keys []string
	// Prefix is where the manifest (Prefix+"manifests/") and the report
	// (Prefix+"reports") go.
	Prefix      string
	Description string
}

// BatchJob is a Batch Operations job as DescribeJob tells it.
type BatchJob struct {
	ID, Account string
	// Status: New, Preparing, Ready, Active, Pausing, Paused, Complete,
	// Cancelling, Cancelled, Failing, Failed, Suspended.
	Status                   string
	Total, Succeeded, Failed int64
	// Reason is why the job failed or was suspended, if it says.
	Reason string
	// Report is the key of the completion report's manifest.json.
	Report string
}

// Done reports whether the job will change no more.
func (j BatchJob) Done() bool {
	return j.Status == string(types.JobStatusComplete) || j.Status == string(types.JobStatusFailed) || j.Status == string(types.JobStatusCancelled)
}

// BatchTaskResult is one line of a completion report.
type BatchTaskResult struct {
	Key       string // decoded
	Succeeded bool
	// Code is the task's result code (Succeeded, PermanentFailure,
	// TemporaryFailure); Message the function's resultString or why the
	// invocation failed.
	Code, Message string
}

// ErrNoBatch: the endpoint has no S3 Batch Operations (an S3-compatible
// server): resize on this machine instead.
var ErrNoBatch = errors.New("S3 Batch Operations exists on AWS only")

// roleAccount reads the partition and account of an IAM role ARN
// (arn:aws:iam::123456789012:role/name).
func roleAccount(arn string) (partition, account string, err error) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "iam" || len(p[4]) != 12 || !strings.HasPrefix(p[5], "role/") {
		return "", "", fmt.Errorf("%q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME): use the stack's BatchRoleArn output", arn)
	}
	return p[1], p[4], nil
}

// control is the S3 Control client for the bucket's account. With
// AWS_ENDPOINT_URL_S3_CONTROL set (a stand-in, a proxy), requests go to
// that endpoint as given: the SDK would put the account in front of its
// host name, as AWS's endpoints have it.
func (b *S3) control() (*s3control.Client, error) {
	ep := os.Getenv("AWS_ENDPOINT_URL_S3_CONTROL")
	if b.cfg.Endpoint != "" && ep == "" {
		return nil, fmt.Errorf("%w (the bucket is on %s): run 'thumbdrop backfill --here' to resize on this machine", ErrNoBatch, b.cfg.Endpoint)
	}
	return s3control.NewFromConfig(b.awsCfg, func(o *s3control.Options) {
		o.Region = b.Region()
		if ep != "" {
			u, err := url.Parse(ep)
			if err == nil {
				o.EndpointResolverV2 = fixedEndpoint{*u}
			}
		}
	}), nil
}

type fixedEndpoint struct{ u url.URL }

func (f fixedEndpoint) ResolveEndpoint(ctx context.Context, _ s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	return smithyendpoints.Endpoint{URI: f.u}, nil
}

// Manifest is a Batch Operations CSV manifest of keys of this bucket:
// one "bucket,key" line each, the key URL-encoded (a space is %20, '+'
// %2B, '/' kept), and its name from its content, so the same set of keys
// makes the same manifest.
func (b *S3) Manifest(keys []string) (body []byte, token string) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, k := range keys {
		w.Write([]string{b.cfg.Bucket, EscapeKey(k)})
	}
	w.Flush()
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:16])
}

// StartBatch writes the manifest of spec.Keys to the bucket and creates
// the job (confirmed, so it starts at once), which invokes
// spec.FunctionARN with schema 2.0 for each key and writes a report of
// every task. The job's client token is the manifest's name: the same
// keys again (a backfill started twice) give the same job, not a second.
func (b *S3) StartBatch(ctx context.Context, spec BatchSpec) (BatchJob, error) {
	partition, account, err := roleAccount(spec.RoleARN)
	if err != nil {
		return BatchJob{}, err
	}
	ctl, err := b.control()
	if err != nil {
		return BatchJob{}, err
	}
	body, token := b.Manifest(spec.Keys)
	key := spec.Prefix + "manifests/" + token + ".csv"
	var put *s3.PutObjectOutput
	err = b.inRegion(func() (err error) {
		c, _ := b.clients()
		put, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.cfg.Bucket, Key: &key, Body: bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String("text/csv")})
		return err
	})
	if err != nil {
		return BatchJob{}, b.classify(OpManifest, key, err)
	}
	bucketARN := "arn:" + partition + ":s3:::" + b.cfg.Bucket
	out, err := ctl.CreateJob(ctx, &s3control.CreateJobInput{
		AccountId:            aws.String(account),
		ClientRequestToken:   aws.String(token),
		ConfirmationRequired: aws.Bool(false),
		Description:          aws.String(spec.Description),
		Priority:             aws.Int32(10),
		RoleArn:              aws.String(spec.RoleARN),
		Operation: &types.JobOperation{LambdaInvoke: &types.LambdaInvokeOperation{
			FunctionArn: aws.String(spec.FunctionARN), InvocationSchemaVersion: aws.String("2.0"),
			UserArguments: map[string]string{"from": "thumbdrop backfill"},
		}},
		Manifest: &types.JobManifest{
			Spec: &types.JobManifestSpec{Format: types.JobManifestFormatS3BatchOperationsCsv20180820,
				Fields: []types.JobManifestFieldName{types.JobManifestFieldNameBucket, types.JobManifestFieldNameKey}},
			Location: &types.JobManifestLocation{ObjectArn: aws.String(bucketARN + "/" + key), ETag: put.ETag},
		},
		Report: &types.JobReport{Bucket: aws.String(bucketARN), Enabled: true, Format: types.JobReportFormatReportCsv20180820,
			Prefix: aws.String(strings.TrimSuffix(spec.Prefix, "/") + "/reports"), ReportScope: types.JobReportScopeAllTasks},
	})
	if err != nil {
		return BatchJob{}, b.classify(OpCreateJob, "", err)
	}
	return BatchJob{ID: aws.ToString(out.JobId), Account: account, Status: string(types.JobStatusNew), Total: int64(len(spec.Keys))}, nil
}

// DescribeBatch tells where a job is.
func (b *S3) DescribeBatch(ctx context.Context, account, id string) (BatchJob, error) {
	ctl, err := b.control()
	if err != nil {
		return BatchJob{}, err
	}
	out, err := ctl.DescribeJob(ctx, &s3control.DescribeJobInput{AccountId: aws.String(account), JobId: aws.String(id)})
	if err != nil {
		return BatchJob{}, b.classify(OpDescribeJob, id, err)
	}
	d := out.Job
	j := BatchJob{ID: id, Account: account, Status: string(d.Status), Reason: aws.ToString(d.StatusUpdateReason)}
	if p := d.ProgressSummary; p != nil {
		j.Total, j.Succeeded, j.Failed = aws.ToInt64(p.TotalNumberOfTasks), aws.ToInt64(p.NumberOfTasksSucceeded), aws.ToInt64(p.NumberOfTasksFailed)
	}
	var reasons []string
	for _, f := range d.FailureReasons {
		reasons = append(reasons, strings.TrimSpace(aws.ToString(f.FailureCode)+" "+aws.ToString(f.FailureReason)))
	}
	if len(reasons) > 0 {
		j.Reason = strings.Join(reasons, "; ")
	}
	if r := d.Report; r != nil && r.Enabled {
		j.Report = strings.TrimSuffix(aws.ToString(r.Prefix), "/") + "/job-" + id + "/manifest.json"
	}
	return j, nil
}

// BatchReport reads a finished job's completion report: every task's key
// and result.
func (b *S3) BatchReport(ctx context.Context, j BatchJob) ([]BatchTaskResult, error) {
	if j.Report == "" {
		return nil, fmt.Errorf("job %s wrote no report", j.ID)
	}
	var top struct {
		Results []struct {
			TaskExecutionStatus, Bucket, Key string
		}
	}
	if err := b.readJSON(ctx, j.Report, &top); err != nil {
		return nil, err
	}
	var out []BatchTaskResult
	for _, r := range top.Results {
		body, _, err := b.Get(ctx, r.Key)
		if err != nil {
			return out, err
		}
		rows, err := csv.NewReader(body).ReadAll()
		body.Close()
		if err != nil {
			return out, fmt.Errorf("read the report %s: %w", r.Key, err)
		}
		// Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage
		for _, row := range rows {
			if len(row) < 7 {
				continue
			}
			k, err := url.QueryUnescape(row[1])
			if err != nil {
				k = row[1]
			}
			res := BatchTaskResult{Key: k, Succeeded: row[3] == "succeeded", Message: row[6]}
			for _, c := range []string{row[4], row[5]} {
				if strings.HasSuffix(c, "Succeeded") || strings.HasSuffix(c, "Failure") {
					res.Code = c
				}
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func (b *S3) readJSON(ctx context.Context, key string, v any) error {
	body, _, err := b.Get(ctx, key)
	if err != nil {
		return err
	}
	defer body.Close()
	if err := json.NewDecoder(io.LimitReader(body, 16<<20)).Decode(v); err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	return nil
}
