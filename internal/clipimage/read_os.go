//go:build windows || darwin

package clipimage

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"golang.design/x/clipboard"
)

var (
	initOnce sync.Once
	initErr  error
)

// read takes the system clipboard's bitmap (on Windows CF_DIBV5, which
// Windows makes from any bitmap put there, at 32 bits per pixel) as PNG.
func read(ctx context.Context, _ func(string) string) ([]byte, error) {
	initOnce.Do(func() { initErr = clipboard.Init() })
	if initErr != nil {
		return nil, fmt.Errorf("no clipboard: %w", initErr)
	}
	b := clipboard.Read(clipboard.FmtImage)
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ErrNoImage
	}
	return b, nil
}
