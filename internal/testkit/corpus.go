package testkit

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// GoImage is a path under Go's own image sources, src/image in GOROOT:
// GoImage("testdata", "video-001.jpeg"), GoImage("png", "testdata",
// "pngsuite"). The corpus ships with every Go installation.
func GoImage(parts ...string) string {
	return filepath.Join(append([]string{runtime.GOROOT(), "src", "image"}, parts...)...)
}

// Corpus is a file of Go's image corpus (src/image/testdata), such as
// "video-001.jpeg" (150x103), "video-001.png" or "video-005.gray.png".
func Corpus(name string) string { return GoImage("testdata", name) }

// ReadCorpus reads a file of Go's image corpus.
func ReadCorpus(t testing.TB, name string) []byte {
	t.Helper()
	return Read(t, Corpus(name))
}

// CopyCorpus copies a file of Go's image corpus to dst (its folders made)
// and returns dst.
func CopyCorpus(t testing.TB, name, dst string) string {
	t.Helper()
	return Copy(t, Corpus(name), dst)
}

// Copy copies the file src to dst, making dst's folders, and returns dst.
func Copy(t testing.TB, src, dst string) string {
	t.Helper()
	b := Read(t, src)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Read reads a file the test cannot do without.
func Read(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// XImage is a file (or, with no name, the folder) of golang.org/x/image's
// corpus (WebP, BMP, TIFF, VP8L files), found in the module cache without
// running the go command: the version is the one the test binary links
// (else go.mod's), the cache is $GOMODCACHE, $GOPATH/pkg/mod or
// ~/go/pkg/mod (as `go env` would say).
func XImage(t testing.TB, name ...string) string {
	t.Helper()
	const mod = "golang.org/x/image"
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == mod {
				version = d.Version
				if d.Replace != nil {
					version = d.Replace.Version
				}
			}
		}
	}
	if version == "" {
		version = goModVersion(mod)
	}
	if version == "" {
		t.Fatalf("no version of %s in the test binary or go.mod", mod)
	}
	dir := filepath.Join(modCache(), mod+"@"+version, "testdata")
	if !exists(dir) {
		t.Fatalf("%s is not in the module cache (%s): run go mod download %s", mod, dir, mod)
	}
	return filepath.Join(append([]string{dir}, name...)...)
}

// goModVersion reads the version of mod that the go.mod above the working
// directory requires.
func goModVersion(mod string) string {
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		f, err := os.Open(filepath.Join(dir, "go.mod"))
		if err != nil {
			continue
		}
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(s.Text()), "require"))
			if len(fields) >= 2 && fields[0] == mod {
				return fields[1]
			}
		}
		return ""
	}
	return ""
}

// modCache is the module cache: $GOMODCACHE, else the first $GOPATH's
// pkg/mod, else ~/go/pkg/mod; a setting written by `go env -w` counts too.
func modCache() string {
	env := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		if cfg, err := os.UserConfigDir(); err == nil {
			if b, err := os.ReadFile(filepath.Join(cfg, "go", "env")); err == nil {
				for _, l := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(strings.TrimSpace(l), k+"="); ok {
						return v
					}
				}
			}
		}
		return ""
	}
	if c := env("GOMODCACHE"); c != "" {
		return c
	}
	if p := env("GOPATH"); p != "" {
		return filepath.Join(filepath.SplitList(p)[0], "pkg", "mod")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "pkg", "mod")
}
