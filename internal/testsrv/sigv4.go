package testsrv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`)

// checkSigV4 checks a request's SigV4 signature as AWS does: signed by
// access (whose secret is secret) for service, the payload's hash as
// stated, the signature computed again over the headers it names.
func checkSigV4(r *http.Request, body []byte, access, secret, service string) error {
	m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("no SigV4 Authorization header: %q", r.Header.Get("Authorization"))
	}
	if m[1] != access {
		return fmt.Errorf("signed by %s, not %s", m[1], access)
	}
	if m[4] != service {
		return fmt.Errorf("signed for service %q, want %q", m[4], service)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if got := r.Header.Get("X-Amz-Content-Sha256"); got != "" && got != hash {
		return fmt.Errorf("X-Amz-Content-Sha256 %s is not the body's hash %s", got, hash)
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date %q: %v", r.Header.Get("X-Amz-Date"), err)
	}
	if d := time.Since(when); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("signed at %s, %s from now", when, d)
	}
	// The same request with only the signed headers, signed again.
	again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	for _, h := range strings.Split(m[5], ";") {
		if h != "host" {
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	again.Header.Del("Authorization")
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, again, hash, service, m[3], when); err != nil {
		return err
	}
	if want := authRE.FindStringSubmatch(again.Header.Get("Authorization")); want == nil || want[6] != m[6] {
		return fmt.Errorf("the signature does not match the request (signed headers %s)", m[5])
	}
	return nil
}
