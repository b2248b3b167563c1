//go:build !windows

package single

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

func listen(dataDir string) (net.Listener, string, error) {
	p := socketPath(dataDir)
	os.Remove(p) // a crashed first instance's: the caller holds the lock now
	ln, err := net.Listen("unix", p)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", p, err)
	}
	os.Chmod(p, 0o600)
	return ln, p, nil
}

func unlisten(addr string) { os.Remove(addr) }

func dial(dataDir string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("unix", socketPath(dataDir), timeout)
}

// socketPath is app.sock in the data folder, or, where that path is
// longer than a socket address may be, a name in the temporary folder
// derived from it.
func socketPath(dataDir string) string {
	p := filepath.Join(dataDir, "app.sock")
	if len(p) < 100 {
		return p
	}
	h := sha256.Sum256([]byte(dataDir))
	return filepath.Join(os.TempDir(), fmt.Sprintf("thumbdrop-%d-%s.sock", os.Getuid(), hex.EncodeToString(h[:8])))
}
