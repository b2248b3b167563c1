package storage

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// CloudFront in front of the bucket (the template's default delivery):
// invalidating what a backfill rewrote, through aws-sdk-go-v2's
// service/cloudfront with the bucket's credentials and transport.
// AWS_ENDPOINT_URL_CLOUDFRONT points it elsewhere (a stand-in).

// CloudFrontReachable reports whether the bucket's keys may reach
// CloudFront: on AWS, or with AWS_ENDPOINT_URL_CLOUDFRONT set; not for an
// S3-compatible server's keys.
func (b *S3) CloudFrontReachable() bool {
	return b.cfg.Endpoint == "" || os.Getenv("AWS_ENDPOINT_URL_CLOUDFRONT") != ""
}

func (b *S3) cloudfront() *cloudfront.Client {
	return cloudfront.NewFromConfig(b.awsCfg, func(o *cloudfront.Options) { o.Region = "us-east-1" }) // a global service
}

// FindDistribution finds the CloudFront distribution serving baseURL (its
// *.cloudfront.net name or one of its aliases): "" if none of the
// account's does.
func (b *S3) FindDistribution(ctx context.Context, baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not a URL", baseURL)
	}
	host := strings.ToLower(u.Hostname())
	p := cloudfront.NewListDistributionsPaginator(b.cloudfront(), &cloudfront.ListDistributionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", b.classify(OpListCDN, "", err)
		}
		if page.DistributionList == nil {
			break
		}
		for _, d := range page.DistributionList.Items {
			names := []string{aws.ToString(d.DomainName)}
			if d.Aliases != nil {
				names = append(names, d.Aliases.Items...)
			}
			for _, n := range names {
				if strings.EqualFold(n, host) {
					return aws.ToString(d.Id), nil
				}
			}
		}
	}
	return "", nil
}

// Invalidate asks CloudFront to drop the cached copies of paths ("/" and
// the key URL-encoded, or a prefix and "*") and returns the
// invalidation's ID; CloudFront finishes it within minutes.
func (b *S3) Invalidate(ctx context.Context, distributionID string, paths []string) (string, error) {
	out, err := b.cloudfront().CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(distributionID),
		InvalidationBatch: &types.InvalidationBatch{
			CallerReference: aws.String(fmt.Sprintf("thumbdrop-backfill-%d", time.Now().UnixNano())),
			Paths:           &types.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	})
	if err != nil {
		return "", b.classify(OpInvalidate, distributionID, err)
	}
	if out.Invalidation == nil {
		return "", nil
	}
	return aws.ToString(out.Invalidation.Id), nil
}

// InvalidationPath is the path CloudFront knows key by.
func InvalidationPath(key string) string { return "/" + EscapeKey(key) }
