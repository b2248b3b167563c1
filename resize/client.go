package resize

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ClientFromEnv builds the S3 client the Lambda uses: the SDK's default
// configuration (which honours AWS_ENDPOINT_URL_S3 and AWS_CA_BUNDLE), plus
// path-style addressing when S3_USE_PATH_STYLE=true. With a custom endpoint,
// checksums are sent and checked only where the API requires them, which
// S3-compatible servers accept.
func ClientFromEnv(ctx context.Context, getenv func(string) string) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	custom := getenv("AWS_ENDPOINT_URL_S3") != "" || getenv("AWS_ENDPOINT_URL") != ""
	if custom {
		cfg.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = strings.EqualFold(getenv("S3_USE_PATH_STYLE"), "true")
	}), nil
}
