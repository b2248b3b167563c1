package storage

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Error kinds a user can act on.
var (
	ErrNotFound       = errors.New("no such object")
	ErrExists         = errors.New("an object with that key already exists")
	ErrNoSuchBucket   = errors.New("no such bucket")
	ErrBadCredentials = errors.New("the access key or secret is wrong")
	ErrAccessDenied   = errors.New("access denied")
	ErrUnreachable    = errors.New("the storage server cannot be reached")
	ErrNoCredentials  = errors.New("no credentials")
	ErrNoKeyring      = errors.New("no OS keyring is available")
	ErrServer         = errors.New("the storage server failed")
	ErrDiskFull       = errors.New("the disk is full")
)

// OpError is a failed storage operation, classified.
type OpError struct {
	Op     string // "upload", "head", ...
	Bucket string
	Key    string
	Kind   error // one of the Err* values above, or nil if unclassified
	Hint   string
	// Status and Code are the server's HTTP status and error code, where
	// it answered.
	Status int
	Code   string
	Err    error
}

func (e *OpError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Key != "" {
		fmt.Fprintf(&b, " %s", e.Key)
	} else if e.Bucket != "" {
		fmt.Fprintf(&b, " bucket %s", e.Bucket)
	}
	b.WriteString(": ")
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
		if e.Hint != "" {
			b.WriteString(" (" + e.Hint + ")")
		}
	} else {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *OpError) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Err}
}

// explainedError is a sentence that says all there is to say, of kinds
// errors.Is still finds (without the kinds' words appended to it).
type explainedError struct {
	msg   string
	kinds []error
}

func (e *explainedError) Error() string   { return e.msg }
func (e *explainedError) Unwrap() []error { return e.kinds }

func explained(kind error, format string, args ...any) *explainedError {
	return &explainedError{fmt.Sprintf(format, args...), []error{kind}}
}

// because adds the reason to the kinds errors.Is finds.
func (e *explainedError) because(reason error) *explainedError {
	e.kinds = append(e.kinds, reason)
	return e
}

// Transient reports whether retrying err may help.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, k := range []error{ErrNotFound, ErrExists, ErrNoSuchBucket, ErrBadCredentials, ErrAccessDenied, ErrNoCredentials, ErrNoKeyring, ErrStalled, ErrDiskFull} {
		if errors.Is(err, k) {
			return false
		}
	}
	return true
}

// classify wraps an SDK error with what it means for the user, its hints
// worded for where the credentials come from.
func (b *S3) classify(op, key string, err error) error {
	e := classify(op, b.cfg.Bucket, key, err)
	var oe *OpError
	if !errors.As(e, &oe) {
		return e
	}
	aws := b.cfg.CredentialSource == "aws"
	switch {
	case errors.Is(oe.Kind, ErrBadCredentials) && aws:
		oe.Hint = "the AWS CLI's credentials were refused: check them with 'aws sts get-caller-identity', or store keys with 'thumbdrop login' and 'thumbdrop config set credentials keyring'"
	case errors.Is(oe.Kind, ErrNoCredentials) && aws:
		oe.Hint = "set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run 'aws configure' or 'aws sso login'; or store keys with 'thumbdrop login' and 'thumbdrop config set credentials keyring'"
	case errors.Is(oe.Kind, ErrNoCredentials):
		oe.Hint = "run 'thumbdrop login' or enter the keys in Settings"
	}
	return e
}

// classify wraps an SDK error with what it means for the user.
func classify(op, bucket, key string, err error) error {
	if err == nil {
		return nil
	}
	e := &OpError{Op: op, Bucket: bucket, Key: key, Err: err}
	code, status := "", 0
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	e.Status, e.Code = status, code
	var ne net.Error
	var oe *net.OpError
	msg := err.Error()
	switch {
	case errors.Is(err, ErrNoCredentials) || errors.Is(err, ErrNoKeyring):
		return err // already a sentence: the keyring said why
	case strings.Contains(msg, "failed to refresh cached credentials") || strings.Contains(msg, "no EC2 IMDS role found") ||
		strings.Contains(msg, "failed to retrieve credentials"):
		e.Kind, e.Hint = ErrNoCredentials, "run 'thumbdrop login' or enter the keys in Settings"
	case errors.Is(err, ErrStalled):
		e.Kind, e.Hint = ErrStalled, "gave up after trying several times; check the network and that the server is up, then Retry"
	case code == "InvalidAccessKeyId" || code == "XAdminUserNotFound": // versitygw's word for an unknown key
		e.Kind, e.Hint = ErrBadCredentials, "run 'thumbdrop login' or fix the keys in Settings"
	case code == "NoSuchBucket" || op == "check" && status == http.StatusNotFound:
		e.Kind, e.Hint = ErrNoSuchBucket, fmt.Sprintf("check the bucket name %q and region in settings", bucket)
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		e.Kind = ErrNotFound
	case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
		e.Kind = ErrExists
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "InvalidToken" ||
		code == "ExpiredToken" || code == "AuthorizationHeaderMalformed" && !strings.Contains(err.Error(), "region"):
		e.Kind, e.Hint = ErrBadCredentials, "run 'thumbdrop login' or fix the keys in Settings"
	case code == "AccessDenied" || code == "Forbidden" || status == http.StatusForbidden:
		e.Kind, e.Hint = ErrAccessDenied, permissionHint(op)
	case errors.As(err, &oe) || errors.As(err, &ne) && !errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Hint = ErrUnreachable, "check the endpoint and your network"
	case status >= 500:
		e.Kind = ErrServer
		e.Hint = fmt.Sprintf("HTTP %d %s: try again later", status, code)
		if op == "upload" && (code == "InternalError" || status == http.StatusInsufficientStorage) {
			e.Hint = fmt.Sprintf("HTTP %d %s: it could not store the file, perhaps its disk is full; try again later or ask its administrator", status, code)
		}
	}
	return e
}

// permissionHint names the IAM permission an operation needs.
func permissionHint(op string) string {
	switch op {
	case "upload":
		return "the keys need s3:PutObject on the original/ prefix"
	case "head", "get":
		return "the keys need s3:GetObject, and s3:ListBucket so a missing object reads as 404 rather than 403"
	case "delete":
		return "the keys need s3:DeleteObject on both prefixes"
	case "check":
		return "the keys need s3:ListBucket on the bucket"
	}
	return "see deploy/uploader-policy.json for the permissions thumbdrop needs"
}
