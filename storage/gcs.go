package storage

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Cloud Storage's S3-compatible (XML) API, and other servers behind
// proxies, rewrite Accept-Encoding on the way in (Google's front end makes
// "identity" into "identity,gzip(gfe)"), and a signature that covered it
// no longer matches: every write fails with SignatureDoesNotMatch. The SDK
// sets the header before signing (aws/aws-sdk-go-v2#1816); for every
// endpoint but AWS's own it is taken out for the signing and put back
// after, as boto3 and the AWS CLI never sign it.

type acceptEncodingKey struct{}

func unsignedAcceptEncoding(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		if _, ok := stack.Finalize.Get("Signing"); !ok {
			return nil // presigning: a URL signs no header but Host
		}
		if err := stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("thumbdrop.UnsignAcceptEncoding.Before",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					if v := req.Header.Get("Accept-Encoding"); v != "" {
						ctx = middleware.WithStackValue(ctx, acceptEncodingKey{}, v)
						req.Header.Del("Accept-Encoding")
					}
				}
				return next.HandleFinalize(ctx, in)
			}), "Signing", middleware.Before); err != nil {
			return err
		}
		return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("thumbdrop.UnsignAcceptEncoding.After",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					if v, ok := middleware.GetStackValue(ctx, acceptEncodingKey{}).(string); ok {
						req.Header.Set("Accept-Encoding", v)
					}
				}
				return next.HandleFinalize(ctx, in)
			}), "Signing", middleware.After)
	})
}
