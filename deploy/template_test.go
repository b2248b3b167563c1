package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

const templatePath = "template.yaml"

// The account and region the tests build the stack in (cfn_test.go's
// pseudo parameters), and what the template's names become there.
const (
	bucketName   = "<Ref PhotoBucket>"
	bucketARN    = "arn:aws:s3:::" + bucketName
	distribution = "<Ref Distribution>"
	// The prefix of backfill's manifests and reports, which the app writes
	// and reads (app's BackfillPrefix).
	backfillPrefix = "thumbdrop-backfill/"
)

type statement struct {
	Sid       string
	Effect    string
	Principal any // "*" or {"Service": ...}
	Action    any // a string or a list
	Resource  any
	Condition map[string]map[string]any
}

type policyDocument struct {
	Version   string
	Statement []statement
}

// strs reads a string-or-list field.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

func (s statement) principalService() string {
	if m, ok := s.Principal.(map[string]any); ok {
		return fmt.Sprint(m["Service"])
	}
	return ""
}

type bucketProps struct {
	PublicAccessBlockConfiguration struct {
		BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
	}
	OwnershipControls struct {
		Rules []struct{ ObjectOwnership string }
	}
}

type distributionProps struct {
	DistributionConfig struct {
		Enabled           bool
		Aliases           []string
		PriceClass        string
		ViewerCertificate struct {
			AcmCertificateArn, SslSupportMethod, MinimumProtocolVersion string
			CloudFrontDefaultCertificate                                bool
		}
		Origins []struct {
			Id, DomainName, OriginAccessControlId string
			S3OriginConfig                        *struct{ OriginAccessIdentity string }
		}
		DefaultCacheBehavior cacheBehavior
		CacheBehaviors       []cacheBehavior
	}
}

type cacheBehavior struct {
	TargetOriginId, ViewerProtocolPolicy, CachePolicyId string
	Compress                                            bool
	AllowedMethods                                      []string
	ForwardedValues                                     any
}

type cachePolicyProps struct {
	CachePolicyConfig struct {
		MinTTL, DefaultTTL, MaxTTL               float64
		ParametersInCacheKeyAndForwardedToOrigin struct {
			EnableAcceptEncodingGzip, EnableAcceptEncodingBrotli bool
			HeadersConfig                                        struct{ HeaderBehavior string }
			CookiesConfig                                        struct{ CookieBehavior string }
			QueryStringsConfig                                   struct{ QueryStringBehavior string }
		}
	}
}

type oacProps struct {
	OriginAccessControlConfig struct {
		OriginAccessControlOriginType, SigningBehavior, SigningProtocol string
	}
}

type roleProps struct {
	AssumeRolePolicyDocument policyDocument
	Policies                 []struct {
		PolicyName     string
		PolicyDocument policyDocument
	}
}

// built evaluates the template for parameter values, failing on any
// reference to what these values leave out.
func built(t *testing.T, set map[string]string) *stack {
	t.Helper()
	st := build(t, readTemplate(t, templatePath), set)
	if len(st.Dangling) > 0 {
		t.Fatalf("with %v, references to what does not exist: %v", set, st.Dangling)
	}
	return st
}

func resource[T any](t *testing.T, st *stack, name, typ string) T {
	t.Helper()
	r, ok := st.Resources[name]
	if !ok {
		t.Fatalf("no resource %s (with %v)", name, st.Params)
	}
	if r["Type"] != typ {
		t.Fatalf("%s is a %v, want %s", name, r["Type"], typ)
	}
	return decode[T](t, name, r["Properties"])
}

// TestTemplateFitsResourceSchema: every resource of deploy/template.yaml
// has only the properties AWS's resource schema knows, the ones it
// requires, and literal values of the right kind; no section is unknown.
func TestTemplateFitsResourceSchema(t *testing.T) {
	tmpl := readTemplate(t, templatePath)
	for k := range tmpl {
		if !slices.Contains([]string{"AWSTemplateFormatVersion", "Transform", "Description", "Parameters", "Conditions", "Resources", "Outputs", "Metadata", "Mappings", "Globals"}, k) {
			t.Errorf("unknown top-level section %s", k)
		}
	}
	s := loadSchema(t)
	res := tmpl["Resources"].(map[string]any)
	for name, r := range res {
		for _, e := range s.check(name, r.(map[string]any)) {
			t.Error(e)
		}
	}
	if len(res) < 7 {
		t.Errorf("only %d resources read", len(res))
	}
	for name, p := range tmpl["Parameters"].(map[string]any) {
		if typ := p.(map[string]any)["Type"]; typ != "String" && typ != "Number" && typ != "CommaDelimitedList" {
			t.Errorf("parameter %s: type %v", name, typ)
		}
	}
}

// TestSchemaCheckFindsMistakes: the schema check is not a formality: a
// misspelt property, a missing required one and a list where a mapping
// belongs are each reported.
func TestSchemaCheckFindsMistakes(t *testing.T) {
	s := loadSchema(t)
	for _, c := range []struct {
		name string
		r    map[string]any
		want string
	}{
		{"misspelt", map[string]any{"Type": "AWS::CloudFront::OriginAccessControl", "Properties": map[string]any{"OriginAccessControlConfig": map[string]any{
			"Name": "x", "OriginAccessControlOriginType": "s3", "SigningBehaviour": "always", "SigningProtocol": "sigv4"}}}, `unknown property "SigningBehaviour"`},
		{"missing", map[string]any{"Type": "AWS::CloudFront::Distribution", "Properties": map[string]any{"DistributionConfig": map[string]any{
			"Enabled": true}}}, `required property "DefaultCacheBehavior" missing`},
		{"kind", map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{"Bucket": []any{"a"}, "PolicyDocument": map[string]any{}}}, "a list where"},
		{"in a branch", map[string]any{"Type": "AWS::CloudFront::Distribution", "Properties": map[string]any{"DistributionConfig": map[string]any{
			"Enabled": true, "DefaultCacheBehavior": map[string]any{"TargetOriginId": "a", "ViewerProtocolPolicy": "https-only"},
			"ViewerCertificate": map[string]any{"Fn::If": []any{"C", map[string]any{"AcmCertificate": "x"}, map[string]any{"Ref": "AWS::NoValue"}}}}}}, `unknown property "AcmCertificate"`},
	} {
		errs := strings.Join(s.check(c.name, c.r), "\n")
		if !strings.Contains(errs, c.want) {
			t.Errorf("%s: want %q among: %s", c.name, c.want, errs)
		}
	}
}

// TestTemplateDefaultIsPrivateBehindCloudFront: with every parameter at
// its default, the bucket is private (all four public-access blocks), a
// CloudFront distribution reads it through an Origin Access Control that
// signs every request (SigV4), the bucket policy lets CloudFront read
// photos and thumbnails only for that distribution, viewers are sent to
// HTTPS, objects are compressed where they can be and cached for the
// year their Cache-Control allows, and CdnBaseURL is the distribution's
// https URL.
func TestTemplateDefaultIsPrivateBehindCloudFront(t *testing.T) {
	st := built(t, nil)
	if st.Params["Delivery"] != "cloudfront" {
		t.Errorf("Delivery defaults to %q", st.Params["Delivery"])
	}
	b := resource[bucketProps](t, st, "PhotoBucket", "AWS::S3::Bucket")
	pab := b.PublicAccessBlockConfiguration
	if !pab.BlockPublicAcls || !pab.IgnorePublicAcls || !pab.BlockPublicPolicy || !pab.RestrictPublicBuckets {
		t.Errorf("public access blocks: %+v", pab)
	}
	if len(b.OwnershipControls.Rules) != 1 || b.OwnershipControls.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
		t.Errorf("object ownership: %+v (ACLs must be off)", b.OwnershipControls)
	}

	oac := resource[oacProps](t, st, "OriginAccessControl", "AWS::CloudFront::OriginAccessControl").OriginAccessControlConfig
	if oac.OriginAccessControlOriginType != "s3" || oac.SigningBehavior != "always" || oac.SigningProtocol != "sigv4" {
		t.Errorf("origin access control: %+v", oac)
	}

	d := resource[distributionProps](t, st, "Distribution", "AWS::CloudFront::Distribution").DistributionConfig
	if !d.Enabled || len(d.Origins) != 1 {
		t.Fatalf("distribution: enabled %t, %d origins", d.Enabled, len(d.Origins))
	}
	o := d.Origins[0]
	if o.DomainName != "<GetAtt PhotoBucket.RegionalDomainName>" {
		t.Errorf("origin domain %q: want the bucket's regional domain (the global one redirects new buckets)", o.DomainName)
	}
	if o.OriginAccessControlId != "<GetAtt OriginAccessControl.Id>" {
		t.Errorf("origin access control id %q", o.OriginAccessControlId)
	}
	if o.S3OriginConfig == nil || o.S3OriginConfig.OriginAccessIdentity != "" {
		t.Errorf("S3 origin config %+v: want an S3 origin with no legacy access identity", o.S3OriginConfig)
	}
	for _, cb := range append([]cacheBehavior{d.DefaultCacheBehavior}, d.CacheBehaviors...) {
		if cb.ViewerProtocolPolicy != "redirect-to-https" && cb.ViewerProtocolPolicy != "https-only" {
			t.Errorf("viewer protocol policy %q: plain HTTP is served", cb.ViewerProtocolPolicy)
		}
	}
	cb := d.DefaultCacheBehavior
	if cb.TargetOriginId != o.Id || !cb.Compress || cb.CachePolicyId != "<Ref ImageCachePolicy>" || cb.ForwardedValues != nil {
		t.Errorf("default cache behavior: %+v", cb)
	}
	if slices.ContainsFunc(cb.AllowedMethods, func(m string) bool { return m != "GET" && m != "HEAD" && m != "OPTIONS" }) {
		t.Errorf("the distribution passes %v to the bucket: read-only methods only", cb.AllowedMethods)
	}
	if !d.ViewerCertificate.CloudFrontDefaultCertificate || len(d.Aliases) != 0 {
		t.Errorf("without an alias: certificate %+v, aliases %v", d.ViewerCertificate, d.Aliases)
	}

	cp := resource[cachePolicyProps](t, st, "ImageCachePolicy", "AWS::CloudFront::CachePolicy").CachePolicyConfig
	key := cp.ParametersInCacheKeyAndForwardedToOrigin
	if cp.MaxTTL < 31536000 || cp.DefaultTTL <= 0 || !key.EnableAcceptEncodingGzip || !key.EnableAcceptEncodingBrotli ||
		key.HeadersConfig.HeaderBehavior != "none" || key.CookiesConfig.CookieBehavior != "none" || key.QueryStringsConfig.QueryStringBehavior != "none" {
		t.Errorf("cache policy: %+v", cp)
	}

	pol := resource[struct {
		Bucket         string
		PolicyDocument policyDocument
	}](t, st, "PhotoBucketPolicy", "AWS::S3::BucketPolicy")
	if pol.Bucket != bucketName {
		t.Errorf("policy on %q", pol.Bucket)
	}
	var allows []statement
	for _, s := range pol.PolicyDocument.Statement {
		if s.Effect == "Allow" {
			allows = append(allows, s)
		}
	}
	if len(allows) != 1 {
		t.Fatalf("%d Allow statements in the bucket policy, want CloudFront's alone: %+v", len(allows), allows)
	}
	cf := allows[0]
	if cf.principalService() != "cloudfront.amazonaws.com" || !slices.Equal(strs(cf.Action), []string{"s3:GetObject"}) {
		t.Errorf("CloudFront's statement: %+v", cf)
	}
	if got := strs(cf.Resource); !slices.Equal(got, []string{bucketARN + "/original/*", bucketARN + "/thumb/*"}) {
		t.Errorf("CloudFront may read %v: want the two prefixes only (not backfill's manifests)", got)
	}
	wantSource := "arn:aws:cloudfront::123456789012:distribution/" + distribution
	if len(cf.Condition) != 1 || len(cf.Condition["StringEquals"]) != 1 || cf.Condition["StringEquals"]["AWS:SourceArn"] != wantSource {
		t.Errorf("CloudFront's condition %v: want StringEquals AWS:SourceArn %s alone", cf.Condition, wantSource)
	}
	denied := false
	for _, s := range pol.PolicyDocument.Statement {
		if s.Effect == "Deny" && fmt.Sprint(s.Condition["Bool"]["aws:SecureTransport"]) == "false" {
			denied = true
		}
	}
	if !denied {
		t.Error("the bucket policy does not refuse plain HTTP")
	}

	if got := st.Outputs["CdnBaseURL"]; got != "https://<GetAtt Distribution.DomainName>" {
		t.Errorf("CdnBaseURL = %v", got)
	}
	if got := st.Outputs["DistributionId"]; got != distribution {
		t.Errorf("DistributionId = %v", got)
	}
	if _, ok := st.Outputs["PublicBaseURL"]; ok {
		t.Error("a PublicBaseURL output for a private bucket")
	}
}

// TestTemplateCustomDomain: an alias and its us-east-1 ACM certificate go
// to the distribution (SNI, TLS 1.2 at least) and CdnBaseURL uses the
// alias; a certificate from another region is refused by its parameter's
// pattern before anything is built.
func TestTemplateCustomDomain(t *testing.T) {
	cert := "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
	st := built(t, map[string]string{"CdnAlias": "img.example.com", "CdnCertificateArn": cert})
	d := resource[distributionProps](t, st, "Distribution", "AWS::CloudFront::Distribution").DistributionConfig
	vc := d.ViewerCertificate
	if !slices.Equal(d.Aliases, []string{"img.example.com"}) || vc.AcmCertificateArn != cert || vc.SslSupportMethod != "sni-only" ||
		vc.CloudFrontDefaultCertificate || !strings.HasPrefix(vc.MinimumProtocolVersion, "TLSv1.2") {
		t.Errorf("aliases %v, certificate %+v", d.Aliases, vc)
	}
	if got := st.Outputs["CdnBaseURL"]; got != "https://img.example.com" {
		t.Errorf("CdnBaseURL = %v", got)
	}
	params := readTemplate(t, templatePath)["Parameters"].(map[string]any)
	for _, c := range []struct {
		param, value string
		ok           bool
	}{
		{"CdnCertificateArn", cert, true},
		{"CdnCertificateArn", "", true},
		{"CdnCertificateArn", strings.Replace(cert, "us-east-1", "ap-northeast-2", 1), false},
		{"CdnAlias", "img.example.com", true},
		{"CdnAlias", "https://img.example.com", false},
		{"Delivery", "public", false},
	} {
		if err := allowed(params[c.param].(map[string]any), c.value); (err == nil) != c.ok {
			t.Errorf("%s=%q: %v", c.param, c.value, err)
		}
	}
}

// TestTemplatePublicReadIsExplicit: Delivery=public-read opens exactly the
// two prefixes to anonymous GET, with no CDN; ACLs stay blocked.
func TestTemplatePublicReadIsExplicit(t *testing.T) {
	st := built(t, map[string]string{"Delivery": "public-read"})
	for _, r := range []string{"Distribution", "OriginAccessControl", "ImageCachePolicy"} {
		if _, ok := st.Resources[r]; ok {
			t.Errorf("%s with public-read", r)
		}
	}
	pab := resource[bucketProps](t, st, "PhotoBucket", "AWS::S3::Bucket").PublicAccessBlockConfiguration
	if !pab.BlockPublicAcls || !pab.IgnorePublicAcls || pab.BlockPublicPolicy || pab.RestrictPublicBuckets {
		t.Errorf("public access blocks with public-read: %+v", pab)
	}
	pol := resource[struct{ PolicyDocument policyDocument }](t, st, "PhotoBucketPolicy", "AWS::S3::BucketPolicy")
	var public []statement
	for _, s := range pol.PolicyDocument.Statement {
		if s.Effect == "Allow" {
			public = append(public, s)
		}
	}
	if len(public) != 1 || public[0].Principal != "*" || !slices.Equal(strs(public[0].Action), []string{"s3:GetObject"}) ||
		!slices.Equal(strs(public[0].Resource), []string{bucketARN + "/original/*", bucketARN + "/thumb/*"}) {
		t.Errorf("public-read statements: %+v", public)
	}
	if got := st.Outputs["PublicBaseURL"]; got != "https://"+bucketName+".s3.ap-northeast-2.amazonaws.com" {
		t.Errorf("PublicBaseURL = %v", got)
	}
	for _, o := range []string{"CdnBaseURL", "DistributionId"} {
		if _, ok := st.Outputs[o]; ok {
			t.Errorf("%s output without a CDN", o)
		}
	}
}

// TestTemplatePresignedIsPrivate: Delivery=presigned is private with no
// CDN and nobody allowed to read by the bucket policy.
func TestTemplatePresignedIsPrivate(t *testing.T) {
	st := built(t, map[string]string{"Delivery": "presigned"})
	pab := resource[bucketProps](t, st, "PhotoBucket", "AWS::S3::Bucket").PublicAccessBlockConfiguration
	if !pab.BlockPublicAcls || !pab.IgnorePublicAcls || !pab.BlockPublicPolicy || !pab.RestrictPublicBuckets {
		t.Errorf("public access blocks: %+v", pab)
	}
	pol := resource[struct{ PolicyDocument policyDocument }](t, st, "PhotoBucketPolicy", "AWS::S3::BucketPolicy")
	for _, s := range pol.PolicyDocument.Statement {
		if s.Effect == "Allow" {
			t.Errorf("presigned: the bucket policy allows %+v", s)
		}
	}
	if _, ok := st.Resources["Distribution"]; ok {
		t.Error("a distribution with presigned links")
	}
}

// TestTemplateBatchRole: the role S3 Batch Operations takes trusts that
// service alone (for this account's jobs), may invoke the resize function,
// read backfill's manifests and write its reports, and nothing else; its
// ARN is the BatchRoleArn output; the function itself may list the bucket,
// so a key deleted since the manifest was written reads as missing (404),
// not denied (403).
func TestTemplateBatchRole(t *testing.T) {
	st := built(t, nil)
	role := resource[roleProps](t, st, "BatchRole", "AWS::IAM::Role")
	trust := role.AssumeRolePolicyDocument.Statement
	if len(trust) != 1 || trust[0].principalService() != "batchoperations.s3.amazonaws.com" || !slices.Equal(strs(trust[0].Action), []string{"sts:AssumeRole"}) ||
		trust[0].Condition["StringEquals"]["aws:SourceAccount"] != "123456789012" {
		t.Errorf("trust policy: %+v", trust)
	}
	grants := map[string][]string{}
	for _, p := range role.Policies {
		for _, s := range p.PolicyDocument.Statement {
			if s.Effect != "Allow" {
				continue
			}
			for _, a := range strs(s.Action) {
				grants[a] = append(grants[a], strs(s.Resource)...)
			}
		}
	}
	want := map[string][]string{
		"lambda:InvokeFunction": {"<GetAtt ResizeFunction.Arn>", "<GetAtt ResizeFunction.Arn>:*"},
		"s3:GetObject":          {bucketARN + "/" + backfillPrefix + "manifests/*"},
		"s3:GetObjectVersion":   {bucketARN + "/" + backfillPrefix + "manifests/*"},
		"s3:PutObject":          {bucketARN + "/" + backfillPrefix + "reports/*"},
		"s3:GetBucketLocation":  {bucketARN},
	}
	for a, res := range grants {
		if !slices.Equal(res, want[a]) {
			t.Errorf("the batch role may %s on %v; want %v", a, res, want[a])
		}
	}
	for a := range want {
		if _, ok := grants[a]; !ok {
			t.Errorf("the batch role may not %s", a)
		}
	}
	if got := st.Outputs["BatchRoleArn"]; got != "<GetAtt BatchRole.Arn>" {
		t.Errorf("BatchRoleArn = %v", got)
	}
	if got := fmt.Sprint(st.Outputs["BackfillCommand"]); !strings.Contains(got, "--role <GetAtt BatchRole.Arn>") ||
		!strings.Contains(got, "--function <GetAtt ResizeFunction.Arn>") || !strings.Contains(got, "--distribution "+distribution) {
		t.Errorf("BackfillCommand = %s", got)
	}

	fn := resource[struct {
		Policies []struct{ Statement []statement }
	}](t, st, "ResizeFunction", "AWS::Serverless::Function")
	list := false
	for _, p := range fn.Policies {
		for _, s := range p.Statement {
			if slices.Contains(strs(s.Action), "s3:ListBucket") && slices.Equal(strs(s.Resource), []string{"arn:aws:s3:::thumbdrop-123456789012-ap-northeast-2"}) {
				list = true
			}
		}
	}
	if !list {
		t.Error("the function may not list its bucket: a missing key would read as 403 and be retried")
	}
}

// TestTemplateEveryModeBuilds: every Delivery, with and without a custom
// domain, refers only to what it creates.
func TestTemplateEveryModeBuilds(t *testing.T) {
	for _, d := range []string{"cloudfront", "public-read", "presigned"} {
		for _, alias := range []map[string]string{{}, {"CdnAlias": "img.example.com", "CdnCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}} {
			set := map[string]string{"Delivery": d}
			for k, v := range alias {
				set[k] = v
			}
			st := built(t, set)
			if _, ok := st.Outputs["BatchRoleArn"]; !ok {
				t.Errorf("%v: no BatchRoleArn", set)
			}
		}
	}
}
