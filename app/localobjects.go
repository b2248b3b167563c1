package app

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/thumbdrop/thumbdrop/storage"
)

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key          string
	Size         int64
	ContentType  string
	CacheControl string
	Modified     time.Time
}

// ErrNoSuchObject: no object has that key.
var ErrNoSuchObject = &Error{Kind: KindNoSuchObject}

// LocalBucket is the name of local mode's bucket, the first segment of
// local links' paths.
func (c *Core) LocalBucket() (string, error) {
	st, err := c.localStore()
	if err != nil {
		return "", bucketErr(c.Config(), err)
	}
	return st.Name(), nil
}

// OpenLocalObject opens an object of local mode's bucket for reading,
// whatever the target now is (links of earlier local uploads keep
// working): what the agent serves. A missing object is ErrNoSuchObject.
func (c *Core) OpenLocalObject(key string) (io.ReadSeekCloser, ObjectInfo, error) {
	st, err := c.localStore()
	if err != nil {
		return nil, ObjectInfo{}, bucketErr(c.Config(), err)
	}
	f, info, err := st.Open(key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ObjectInfo{}, &Error{Kind: KindNoSuchObject, Key: key, Err: err}
	}
	if err != nil {
		return nil, ObjectInfo{}, bucketErr(c.Config(), err)
	}
	return f, objectInfo(info), nil
}

func objectInfo(i storage.ObjectInfo) ObjectInfo {
	return ObjectInfo{Key: i.Key, Size: i.Size, ContentType: i.ContentType, CacheControl: i.CacheControl, Modified: i.Modified}
}

// RecoverLocal makes the thumbnails that an uploading process killed
// mid-way never made, in local mode: every original older than minAge
// with neither a thumbnail nor a refusal note gets one now, as the
// Lambda would have. It reports how many it made.
func (c *Core) RecoverLocal(ctx context.Context, minAge time.Duration) (int, error) {
	cfg := c.Config()
	if cfg.Target != TargetLocal {
		return 0, nil
	}
	st, err := c.localStore()
	if err != nil {
		return 0, bucketErr(cfg, err)
	}
	return st.With(localOptions(cfg, c.opt.Dirs, c.log)).Recover(ctx, cfg.OriginalPrefix, minAge)
}
