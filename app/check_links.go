package app

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// directLinker is a bucket with links of its own besides its public base
// URL's (storage.S3): where an anonymous reader could go around a CDN.
type directLinker interface {
	DirectURL(key string) string
}

// linkReport says whether public links open for readers: through the CDN
// when public_base_url is set (and then whether the bucket itself is
// private, as it should be behind one), else on the bucket's own address.
func linkReport(ctx context.Context, s *session, key string) (links, privacy CheckItem) {
	link := s.b.URL(key)
	if s.cfg.PublicBaseURL == "" {
		status, err := anonymousGet(ctx, link)
		switch {
		case err != nil:
			return failed(&Error{Kind: KindLinkNoAnswer, Err: err}), CheckItem{}
		case status != http.StatusOK:
			return failed(&Error{Kind: KindLinkStatus, Value: strconv.Itoa(status)}), CheckItem{}
		}
		return CheckItem{OK: true, Detail: "open to anyone, as posts need"}, CheckItem{}
	}
	status, err := anonymousGet(ctx, link)
	switch {
	case err != nil:
		links = failed(&Error{Kind: KindLinkNoAnswer, Err: err})
	case status != http.StatusOK:
		links = failed(&Error{Kind: KindCDNLinkStatus, Key: s.cfg.PublicBaseURL, Value: strconv.Itoa(status)})
	default:
		links = CheckItem{OK: true, Detail: "the CDN link answers (" + s.cfg.PublicBaseURL + "), open to anyone, as posts need"}
	}
	dl, ok := s.raw.(directLinker)
	if !ok {
		return links, CheckItem{}
	}
	direct := dl.DirectURL(key)
	status, err = anonymousGet(ctx, direct)
	switch {
	case err != nil:
		privacy = CheckItem{Detail: "not checked: the bucket's own address did not answer", Skipped: true}
	case status == http.StatusOK:
		privacy = failed(&Error{Kind: KindBucketIsPublic, Key: direct})
	default:
		privacy = CheckItem{OK: true, Detail: "private: the bucket itself refuses anonymous reads (HTTP " + strconv.Itoa(status) + "); readers go through the CDN"}
	}
	return links, privacy
}

// anonymousGet fetches a link as a reader of a post would, with no
// credentials, and says its status.
func anonymousGet(ctx context.Context, link string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
