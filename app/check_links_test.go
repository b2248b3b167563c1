package app_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// TestCheckCDNLinksAndBucketPrivacy: with public_base_url set to a CDN in
// front of a private bucket, 'check' says the CDN link answers and that
// the bucket itself refuses anonymous reads; once the bucket's policy
// lets anyone read it, it warns that readers can go around the CDN; a
// CDN that does not answer for the bucket is said with the status and
// what to check.
func TestCheckCDNLinksAndBucketPrivacy(t *testing.T) {
	testkit.Heavy(t, "runs versitygw")
	v := testsrv.StartVersity(t, false, "photos")
	cdn := testsrv.StartCDN(t, v.Endpoint, "photos", v.Access, v.Secret, 10*time.Second)
	for k, val := range map[string]string{"AWS_ACCESS_KEY_ID": v.Access, "AWS_SECRET_ACCESS_KEY": v.Secret, "AWS_REGION": "us-east-1",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"} {
		t.Setenv(k, val)
	}
	d := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	c := app.DefaultConfig()
	c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = app.TargetS3, "photos", v.Endpoint, true, app.CredsAWS
	c.PublicBaseURL = cdn.URL
	c.ThumbTimeout = app.Duration(time.Second) // no function here: the links are what is checked
	if err := app.SaveConfig(d, c); err != nil {
		t.Fatal(err)
	}
	core, err := app.Open(bg, app.Options{Dirs: d, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(core.Close)

	r := core.TestConnection(bg, core.Config(), nil)
	if !r.Links.OK || !strings.Contains(r.Links.Detail, "the CDN link answers") {
		t.Errorf("links: %+v", r.Links)
	}
	if !r.Privacy.OK || !strings.Contains(r.Privacy.Detail, "refuses anonymous reads (HTTP 403)") {
		t.Errorf("privacy: %+v", r.Privacy)
	}
	labels := ""
	for _, it := range r.Items() {
		labels += it.Label + ";"
	}
	if !strings.Contains(labels, "Public links;Bucket privacy;") {
		t.Errorf("items %s", labels)
	}

	// The bucket opened to anyone: readers can go around the CDN.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/original/*"}]}`
	if _, err := versityClient(v).PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String("photos"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	r = core.TestConnection(bg, core.Config(), nil)
	if r.Privacy.OK || !errors.Is(r.Privacy.Err, &app.Error{Kind: app.KindBucketIsPublic}) || !strings.Contains(r.Privacy.Detail, "/photos/original/") {
		t.Errorf("a public bucket behind the CDN: %+v", r.Privacy)
	}

	// A CDN that serves something else.
	other := httptest.NewServer(nil) // 404 for everything
	defer other.Close()
	cfg := core.Config()
	cfg.PublicBaseURL = other.URL
	r = core.TestConnection(bg, cfg, nil)
	if r.Links.OK || !errors.Is(r.Links.Err, &app.Error{Kind: app.KindCDNLinkStatus}) || !strings.Contains(r.Links.Detail, "HTTP 404") {
		t.Errorf("a CDN that does not serve the bucket: %+v", r.Links)
	}
}
