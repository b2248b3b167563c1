package app

import (
	"errors"
	"fmt"

	"github.com/thumbdrop/thumbdrop/storage"
)

// bucketErr says what a bucket's error means as the core's kind, with the
// advice for where the credentials come from. Errors that are already
// the core's pass as they are.
func bucketErr(c Config, err error) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	aws := c.Credentials == CredsAWS
	var oe *storage.OpError
	if !errors.As(err, &oe) {
		switch {
		case errors.Is(err, storage.ErrNoCredentials), errors.Is(err, storage.ErrNoKeyring):
			return keyringErr("read the keys", err)
		case errors.Is(err, storage.ErrStalled):
			return &Error{Kind: KindStalled, Fix: FixStalled, Err: err}
		}
		return &Error{Kind: KindStorage, Err: osCause(err)}
	}
	key := oe.Key
	switch {
	case errors.Is(oe.Kind, storage.ErrNotFound):
		return &Error{Kind: KindNoSuchObject, Key: key, Err: err}
	case errors.Is(oe.Kind, storage.ErrExists):
		return &Error{Kind: KindExists, Key: key, Err: err}
	case errors.Is(oe.Kind, storage.ErrNoSuchBucket):
		return &Error{Kind: KindNoSuchBucket, Key: oe.Bucket, Fix: FixBucketName, Err: err}
	case errors.Is(oe.Kind, storage.ErrBadCredentials):
		f := FixLogin
		if aws {
			f = FixLoginAWS
		}
		return &Error{Kind: KindBadCredentials, Fix: f, Err: err}
	case errors.Is(oe.Kind, storage.ErrNoCredentials):
		f := FixLogin
		if aws {
			f = FixCredsAWS
		}
		return &Error{Kind: KindNoCredentials, Fix: f, Err: err}
	case errors.Is(oe.Kind, storage.ErrAccessDenied) && c.Target == TargetLocal:
		return &Error{Kind: KindAccessDenied, Key: key, Fix: FixLocalPerm, Err: err}
	case errors.Is(oe.Kind, storage.ErrAccessDenied):
		return &Error{Kind: KindAccessDenied, Key: key, Fix: permFix(oe.Op), Err: err}
	case errors.Is(oe.Kind, storage.ErrUnreachable):
		return &Error{Kind: KindUnreachable, Fix: FixNetwork, Err: err}
	case errors.Is(oe.Kind, storage.ErrStalled):
		return &Error{Kind: KindStalled, Fix: FixStalled, Err: err}
	case errors.Is(oe.Kind, storage.ErrDiskFull):
		return &Error{Kind: KindDiskFull, Fix: FixFreeDisk, Err: err}
	case errors.Is(oe.Kind, storage.ErrServer):
		f := FixTryLater
		if oe.Op == "upload" && (oe.Code == "InternalError" || oe.Status == 507) {
			f = FixServerDisk
		}
		return &Error{Kind: KindServerFailed, Value: fmt.Sprintf("HTTP %d %s", oe.Status, oe.Code), Fix: f, Err: err}
	}
	return &Error{Kind: KindStorage, Err: err}
}

// permFix names the IAM permission an operation needs.
func permFix(op string) Fix {
	switch op {
	case "upload":
		return FixPermPut
	case "head", "get":
		return FixPermGet
	case "delete":
		return FixPermDelete
	case "check", "list":
		return FixPermList
	case storage.OpManifest, storage.OpCreateJob, storage.OpDescribeJob, storage.OpReport:
		return FixPermBatch
	case storage.OpListCDN, storage.OpInvalidate:
		return FixPermCDN
	}
	return FixPermAny
}

// isKind reports whether err is (or wraps) an *Error of kind k.
func isKind(err error, k Kind) bool { return errors.Is(err, &Error{Kind: k}) }
