package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CloudFront in front of the bucket (the template's default delivery):
// invalidating what a backfill rewrote. Two calls of CloudFront's REST
// API (ListDistributions, CreateInvalidation), signed with SigV4 by the
// SDK's signer with the bucket's credentials and sent through its HTTP
// client (the SDK's transport: AWS_CA_BUNDLE, proxies). Not
// aws-sdk-go-v2's service/cloudfront: for these two calls it made the
// stripped desktop binary 6.5 MB larger (49.8 MB against 43.3).
// AWS_ENDPOINT_URL_CLOUDFRONT points the calls elsewhere (a stand-in).

const cloudFrontAPI = "https://cloudfront.amazonaws.com/2020-05-31"

// CloudFrontReachable reports whether the bucket's keys may reach
// CloudFront: on AWS, or with AWS_ENDPOINT_URL_CLOUDFRONT set; not for an
// S3-compatible server's keys.
func (b *S3) CloudFrontReachable() bool {
	return b.cfg.Endpoint == "" || os.Getenv("AWS_ENDPOINT_URL_CLOUDFRONT") != ""
}

// cloudFront calls CloudFront's API: method on path (under /2020-05-31),
// body an XML document or nil; the answer is decoded into out. A few
// tries on throttling, 5xx and the network.
func (b *S3) cloudFront(ctx context.Context, op, method, path string, body []byte, out any) error {
	base := cloudFrontAPI
	if ep := os.Getenv("AWS_ENDPOINT_URL_CLOUDFRONT"); ep != "" {
		base = strings.TrimRight(ep, "/") + "/2020-05-31"
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var err error
	for attempt, wait := 0, 200*time.Millisecond; attempt < 3; attempt, wait = attempt+1, wait*2 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return classify(op, b.cfg.Bucket, "", ctx.Err())
			case <-time.After(wait):
			}
		}
		var retry bool
		retry, err = b.cloudFrontOnce(ctx, method, base+path, body, hash, out)
		if err == nil || !retry {
			break
		}
	}
	return b.classify(op, "", err)
}

func (b *S3) cloudFrontOnce(ctx context.Context, method, u string, body []byte, hash string, out any) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	creds, err := b.awsCfg.Credentials.Retrieve(ctx)
	if err != nil {
		return false, err
	}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "cloudfront", "us-east-1", time.Now()); err != nil {
		return false, err
	}
	resp, err := b.awsCfg.HTTPClient.Do(req)
	if err != nil {
		return ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return true, err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		xml.Unmarshal(data, &e)
		if e.Error.Code == "" {
			e.Error.Code = http.StatusText(resp.StatusCode)
		}
		// As the SDK's errors are, so classify reads them alike.
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || e.Error.Code == "Throttling",
			&smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: resp},
				Err: &smithy.GenericAPIError{Code: e.Error.Code, Message: e.Error.Message}}
	}
	if out != nil {
		if err := xml.Unmarshal(data, out); err != nil {
			return false, fmt.Errorf("CloudFront's answer: %w", err)
		}
	}
	return false, nil
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
	marker := ""
	for {
		var page struct {
			IsTruncated bool
			NextMarker  string
			Items       []struct {
				Id, DomainName string
				Aliases        []string `xml:"Aliases>Items>CNAME"`
			} `xml:"Items>DistributionSummary"`
		}
		path := "/distribution?MaxItems=100"
		if marker != "" {
			path += "&Marker=" + url.QueryEscape(marker)
		}
		if err := b.cloudFront(ctx, OpListCDN, http.MethodGet, path, nil, &page); err != nil {
			return "", err
		}
		for _, d := range page.Items {
			for _, n := range append([]string{d.DomainName}, d.Aliases...) {
				if strings.EqualFold(n, host) {
					return d.Id, nil
				}
			}
		}
		if !page.IsTruncated || page.NextMarker == "" {
			return "", nil
		}
		marker = page.NextMarker
	}
}

// Invalidate asks CloudFront to drop the cached copies of paths ("/" and
// the key URL-encoded, or a prefix and "*") and returns the
// invalidation's ID; CloudFront finishes it within minutes.
func (b *S3) Invalidate(ctx context.Context, distributionID string, paths []string) (string, error) {
	type batch struct {
		XMLName         xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ InvalidationBatch"`
		CallerReference string
		Quantity        int      `xml:"Paths>Quantity"`
		Items           []string `xml:"Paths>Items>Path"`
	}
	body, err := xml.Marshal(batch{CallerReference: fmt.Sprintf("thumbdrop-backfill-%d", time.Now().UnixNano()), Quantity: len(paths), Items: paths})
	if err != nil {
		return "", err
	}
	var out struct{ Id, Status string }
	if err := b.cloudFront(ctx, OpInvalidate, http.MethodPost, "/distribution/"+url.PathEscape(distributionID)+"/invalidation",
		append([]byte(xml.Header), body...), &out); err != nil {
		return "", err
	}
	return out.Id, nil
}

// InvalidationPath is the path CloudFront knows key by.
func InvalidationPath(key string) string { return "/" + EscapeKey(key) }
