package testsrv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// Quirks are ways S3-compatible servers differ from AWS S3, played by
// QuirkProxy in front of a real server.
type Quirks struct {
	// NoChecksums refuses the checksum headers and aws-chunked bodies
	// newer AWS SDKs send by default (older Ceph, MinIO, many gateways).
	NoChecksums bool
	// NoACLs refuses ACL headers (buckets whose objects are owned by the
	// bucket owner only).
	NoACLs bool
	// RewriteAcceptEncoding rewrites Accept-Encoding before the server
	// checks the signature, as Google's front end does for Cloud Storage.
	RewriteAcceptEncoding bool
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + msg + `</Message></Error>`))
}

// QuirkProxy serves target's S3 API on a loopback address of its own,
// with quirks, and returns its endpoint. Requests reach the server with
// their Host header unchanged, so signatures are checked by the real
// server.
func QuirkProxy(t testing.TB, target string, q Quirks) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := hostKeepingProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q.NoChecksums {
			for k := range r.Header {
				lk := strings.ToLower(k)
				if strings.HasPrefix(lk, "x-amz-checksum-") || lk == "x-amz-sdk-checksum-algorithm" || lk == "x-amz-trailer" ||
					strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
					s3Error(w, http.StatusBadRequest, "InvalidArgument", "Checksum headers are not supported.")
					return
				}
			}
		}
		if q.NoACLs && r.Header.Get("X-Amz-Acl") != "" {
			s3Error(w, http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
			return
		}
		if q.RewriteAcceptEncoding {
			if ae := r.Header.Get("Accept-Encoding"); ae != "" {
				r.Header.Set("Accept-Encoding", ae+",gzip(gfe)")
			} else {
				r.Header.Set("Accept-Encoding", "gzip(gfe)")
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// hostKeepingProxy forwards requests to u with their Host header as the
// client signed it.
func hostKeepingProxy(u *url.URL) *httputil.ReverseProxy {
	proxy := httputil.NewSingleHostReverseProxy(u)
	inner := proxy.Director
	proxy.Director = func(r *http.Request) {
		host := r.Host
		inner(r)
		r.Host = host // as signed
	}
	return proxy
}
