// Package storage holds thumbdrop's buckets: S3 (AWS or any S3-compatible
// service) through aws-sdk-go-v2, the credentials kept in the OS keyring,
// and (in storage/local) local mode's bucket in the data folder.
package storage

import (
	"time"

	"github.com/thumbdrop/thumbdrop/resize"
)

// PutOptions are the headers stored with an object.
type PutOptions struct {
	ContentType string
	// CacheControl: empty stores resize.DefaultCacheControl (keys are
	// never reused: cached for a year, immutable).
	CacheControl string
	Metadata     map[string]string
	// Progress, if set, is called with the bytes sent so far (it may go
	// down when a request is retried).
	Progress func(sent int64)
	// Retrying, if set, is told when a request is given up to be sent
	// again (the server stopped answering), with why.
	Retrying func(reason error)
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ContentType  string
	CacheControl string
	Metadata     map[string]string
	Modified     time.Time
}

// StoredCacheControl is the Cache-Control an upload with these options is
// stored with.
func (o PutOptions) StoredCacheControl() string {
	if o.CacheControl == "" {
		return resize.DefaultCacheControl
	}
	return o.CacheControl
}
