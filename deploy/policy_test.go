package deploy

import (
	"encoding/json"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
)

// TestBackfillPolicyCoversBackfill: deploy/backfill-policy.json allows
// every call thumbdrop backfill makes, on the resources it makes them on
// (and iam:PassRole only to Batch Operations), and the backfill prefix it
// writes under is the one the template's BatchRole reads and writes.
func TestBackfillPolicyCoversBackfill(t *testing.T) {
	b, err := os.ReadFile("backfill-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var p policyDocument
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	allowed := func(action, resource string) *statement {
		for i, s := range p.Statement {
			if s.Effect != "Allow" || !slices.Contains(strs(s.Action), action) {
				continue
			}
			for _, r := range strs(s.Resource) {
				if ok, _ := path.Match(r, resource); ok || r == "*" || strings.HasSuffix(r, "*") && strings.HasPrefix(resource, strings.TrimSuffix(r, "*")) {
					return &p.Statement[i]
				}
			}
		}
		return nil
	}
	for _, c := range []struct{ action, resource string }{
		{"s3:ListBucket", "arn:aws:s3:::YOUR-BUCKET"},
		{"s3:GetObject", "arn:aws:s3:::YOUR-BUCKET/thumb/1_a.jpg"},
		{"s3:GetObject", "arn:aws:s3:::YOUR-BUCKET/original/1_a.jpg"},
		{"s3:PutObject", "arn:aws:s3:::YOUR-BUCKET/" + backfillPrefix + "manifests/0123abcd.csv"},
		{"s3:GetObject", "arn:aws:s3:::YOUR-BUCKET/" + backfillPrefix + "reports/job-1/manifest.json"},
		{"s3:CreateJob", "*"},
		{"s3:DescribeJob", "arn:aws:s3:ap-northeast-2:YOUR-ACCOUNT:job/5a1b2c3d"},
		{"iam:PassRole", "arn:aws:iam::YOUR-ACCOUNT:role/YOUR-STACK-BatchRole-1ABC"},
		{"cloudfront:CreateInvalidation", "arn:aws:cloudfront::YOUR-ACCOUNT:distribution/YOUR-DISTRIBUTION-ID"},
		{"cloudfront:ListDistributions", "*"},
		{"s3:PutObject", "arn:aws:s3:::YOUR-BUCKET/thumb/640w/1_a.jpg"},
	} {
		s := allowed(c.action, c.resource)
		if s == nil {
			t.Errorf("backfill-policy.json does not allow %s on %s", c.action, c.resource)
			continue
		}
		if c.action == "iam:PassRole" && s.Condition["StringEquals"]["iam:PassedToService"] != "batchoperations.s3.amazonaws.com" {
			t.Errorf("iam:PassRole is not limited to Batch Operations: %v", s.Condition)
		}
	}
	if allowed("s3:PutObject", "arn:aws:s3:::YOUR-BUCKET/original/1_a.jpg") != nil || allowed("s3:DeleteObject", "arn:aws:s3:::YOUR-BUCKET/thumb/1_a.jpg") != nil {
		t.Error("backfill-policy.json allows writing originals or deleting: backfill does neither")
	}
}
