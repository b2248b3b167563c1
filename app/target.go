package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

// LocalResizeConfig is the resize configuration local mode runs with.
func LocalResizeConfig(c Config) resize.Config {
	rc := resize.DefaultConfig()
	rc.OriginalPrefix, rc.ThumbPrefix = c.OriginalPrefix, c.ThumbPrefix
	if c.ThumbMaxSize > 0 {
		rc.Thumbnail.MaxSize = c.ThumbMaxSize
	}
	rc.Thumbnail.Widths, rc.Thumbnail.WebP = c.Widths(), c.WebP
	return rc
}

// OpenLocal opens local mode's bucket in the data folder.
func OpenLocal(c Config, d Dirs, log *slog.Logger) (*local.Store, error) {
	rc := LocalResizeConfig(c)
	rc.Thumbnail.DecoderCache = d.DecoderCache()
	return local.Open(d.Data, local.DefaultBucket, local.Options{BaseURL: "http://" + c.LocalAddr, Resize: &rc, Log: log})
}

// openTarget opens the configured bucket: local mode's folder, or S3.
func openTarget(ctx context.Context, c Config, d Dirs, kr storage.Keyring, log *slog.Logger) (Bucket, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch c.Target {
	case TargetLocal:
		return OpenLocal(c, d, log)
	case TargetS3:
		sc := storage.S3Config{Bucket: c.Bucket, Region: c.Region, Endpoint: c.Endpoint,
			PathStyle: c.PathStyle, PublicBaseURL: c.PublicBaseURL, StallTimeout: c.StallTimeout.D(),
			CredentialSource: c.Credentials}
		if c.Credentials == CredsKeyring {
			if _, err := kr.Load(); err != nil {
				return nil, err
			}
			sc.Credentials = kr.Provider()
		}
		return storage.OpenS3(ctx, sc)
	}
	return nil, fmt.Errorf("unknown target %q", c.Target)
}
