package app

import (
	"context"
	"log/slog"

	"github.com/thumbdrop/thumbdrop/resize"
	"github.com/thumbdrop/thumbdrop/storage"
	"github.com/thumbdrop/thumbdrop/storage/local"
)

// localResizeConfig is the resize configuration local mode runs with.
func localResizeConfig(c Config) resize.Config {
	rc := resize.DefaultConfig()
	rc.OriginalPrefix, rc.ThumbPrefix = c.OriginalPrefix, c.ThumbPrefix
	if c.ThumbMaxSize > 0 {
		rc.Thumbnail.MaxSize = c.ThumbMaxSize
	}
	rc.Thumbnail.Widths, rc.Thumbnail.WebP = c.Widths(), c.WebP
	return rc
}

// localOptions are local mode's bucket options for c: links at the
// agent's address, thumbnails made as the resize function would (its
// decoders compiled once for the data folder d).
func localOptions(c Config, d Dirs, log *slog.Logger) local.Options {
	rc := localResizeConfig(c)
	rc.Thumbnail.DecoderCache = d.DecoderCache()
	return local.Options{BaseURL: "http://" + c.LocalAddr, Resize: &rc, Log: log}
}

// openTarget opens the configured S3 bucket with the keys of kr (or the
// SDK's own chain).
func openTarget(ctx context.Context, c Config, d Dirs, kr Keyring, log *slog.Logger) (Bucket, error) {
	switch c.Target {
	case TargetS3:
		sc := storage.S3Config{Bucket: c.Bucket, Region: c.Region, Endpoint: c.Endpoint,
			PathStyle: c.PathStyle, PublicBaseURL: c.PublicBaseURL, StallTimeout: c.StallTimeout.D(),
			CredentialSource: c.Credentials}
		if c.Credentials == CredsKeyring {
			if _, err := kr.Load(); err != nil {
				return nil, err
			}
			sc.Keys = provider(kr)
		}
		b, err := storage.OpenS3(ctx, sc)
		if err != nil {
			return nil, bucketErr(c, err)
		}
		return b, nil
	}
	return nil, &Error{Kind: KindUnknownTarget, Value: c.Target}
}
