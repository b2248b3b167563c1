package app

import (
	"context"

	"github.com/thumbdrop/thumbdrop/storage"
)

// invalidator is a bucket whose CDN, a CloudFront distribution, can be
// told to drop what it cached (storage.S3 on AWS).
type invalidator interface {
	FindDistribution(ctx context.Context, baseURL string) (string, error)
	Invalidate(ctx context.Context, distributionID string, paths []string) (string, error)
	CloudFrontReachable() bool
}

// maxInvalidationPaths: above this many rewritten keys, one wildcard
// path (the thumbnail prefix) is invalidated instead (CloudFront counts a
// wildcard as one path; each path beyond 1,000 a month is billed).
const maxInvalidationPaths = 300

// invalidationPaths are the CDN paths of the keys rewritten.
func invalidationPaths(cfg Config, rewritten []StaleThumb) []string {
	var paths []string
	for _, st := range rewritten {
		for _, k := range st.Existing {
			paths = append(paths, storage.InvalidationPath(k))
		}
	}
	if len(paths) > maxInvalidationPaths {
		return []string{storage.InvalidationPath(cfg.ThumbPrefix) + "*"}
	}
	return paths
}

// invalidate asks the CloudFront distribution in front of the bucket to
// drop the keys a backfill rewrote (their old bytes would be served for a
// year: Cache-Control immutable). Not being able to is said in the
// report, not an error: the thumbnails are made.
func (c *Core) invalidate(ctx context.Context, s *session, rep *BackfillReport, opt BackfillOptions, prog *progress) {
	if len(rep.Rewritten) == 0 {
		return
	}
	inv, ok := s.raw.(invalidator)
	if !ok || s.cfg.PublicBaseURL == "" && opt.Distribution == "" {
		return // no CDN: the bucket's own links are not cached by thumbdrop's setup
	}
	dist := opt.Distribution
	if dist == "" {
		if !inv.CloudFrontReachable() {
			return // a CDN in front of an S3-compatible store: not CloudFront's
		}
		id, err := inv.FindDistribution(ctx, s.cfg.PublicBaseURL)
		if err != nil {
			rep.InvalidationErr = &Error{Kind: KindBackfillInvalidate, Fix: FixDistribution, Err: bucketErr(s.cfg, err)}
			return
		}
		if id == "" {
			return // public_base_url is not a CloudFront distribution of this account
		}
		dist = id
	}
	paths := invalidationPaths(s.cfg, rep.Rewritten)
	prog.say(BackfillProgress{Phase: PhaseInvalidate, Total: len(paths)})
	id, err := inv.Invalidate(ctx, dist, paths)
	rep.Distribution = dist
	if err != nil {
		rep.InvalidationErr = &Error{Kind: KindBackfillInvalidate, Err: bucketErr(s.cfg, err)}
		return
	}
	rep.Invalidation, rep.InvalidatedPaths = id, paths
}
