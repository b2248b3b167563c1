//go:build windows

package single

// Windows has Unix sockets only since Windows 10 1803, and not in every
// environment that runs Windows programs (Wine has none): the hand-off
// goes over a named pipe, the Windows way, made with x/sys/windows (already
// a dependency). Its handles are opened for overlapped I/O, so os.NewFile
// puts them on Go's I/O completion port and they take deadlines like a
// socket. (Microsoft's go-winio does the same and more, but its listener
// never reached the listening state under Wine 8, where this is tested.)

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

func listen(dataDir string) (net.Listener, string, error) {
	sid, err := userSID()
	if err != nil {
		return nil, "", fmt.Errorf("find this user's account to guard the hand-off pipe: %w", err)
	}
	// Only this user may open it (not even administrators).
	sd, err := windows.SecurityDescriptorFromString("D:P(A;;GA;;;" + sid + ")")
	if err != nil {
		return nil, "", fmt.Errorf("guard the hand-off pipe: %w", err)
	}
	l := &pipeListener{name: pipeName(sid, dataDir),
		sa: &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}}
	// The first instance of the name: a pipe someone else made first
	// under it is refused, not shared.
	if l.next, err = l.instance(true); err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", l.name, err)
	}
	return l, l.name, nil
}

func unlisten(string) {}

func dial(dataDir string, timeout time.Duration) (net.Conn, error) {
	sid, err := userSID()
	if err != nil {
		return nil, err
	}
	name := pipeName(sid, dataDir)
	p, _ := windows.UTF16PtrFromString(name)
	deadline := time.Now().Add(timeout)
	for {
		h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
			windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
		if err == nil {
			return &pipeConn{File: os.NewFile(uintptr(h), name), addr: pipeAddr(name)}, nil
		}
		// Busy: every instance is serving another launch; try again.
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) || time.Now().After(deadline) {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pipeName: pipe names are one namespace for the whole machine, so the
// name carries the user's SID and the data folder (case-insensitively, as
// Windows paths are).
func pipeName(sid, dataDir string) string {
	h := sha256.Sum256([]byte(sid + "\x00" + strings.ToLower(filepath.Clean(dataDir))))
	return `\\.\pipe\thumbdrop-` + hex.EncodeToString(h[:12])
}

func userSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

// pipeListener serves one client per pipe instance; a new instance waits
// for the next client while the last one is served.
type pipeListener struct {
	name string
	sa   *windows.SecurityAttributes
	mu   sync.Mutex
	next windows.Handle // waiting for the next client
	done bool
}

func (l *pipeListener) instance(first bool) (windows.Handle, error) {
	p, _ := windows.UTF16PtrFromString(l.name)
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	return windows.CreateNamedPipe(p, flags, windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		windows.PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, l.sa)
}

func (l *pipeListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	h, done := l.next, l.done
	l.mu.Unlock()
	if done {
		return nil, net.ErrClosed
	}
	ev, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return nil, err
	}
	defer windows.CloseHandle(ev)
	ov := windows.Overlapped{HEvent: ev}
	err = windows.ConnectNamedPipe(h, &ov)
	if errors.Is(err, windows.ERROR_IO_PENDING) {
		var n uint32
		windows.WaitForSingleObject(ev, windows.INFINITE)
		err = windows.GetOverlappedResult(h, &ov, &n, false)
	}
	if errors.Is(err, windows.ERROR_PIPE_CONNECTED) {
		err = nil // the client came before we waited
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return nil, net.ErrClosed
	}
	if err != nil {
		return nil, fmt.Errorf("accept on %s: %w", l.name, err)
	}
	if l.next, err = l.instance(false); err != nil {
		l.next = 0
		l.done = true
	}
	return &pipeConn{File: os.NewFile(uintptr(h), l.name), addr: pipeAddr(l.name), server: true}, nil
}

// Close ends a waiting Accept.
func (l *pipeListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done && l.next == 0 {
		return nil
	}
	l.done = true
	if l.next != 0 {
		windows.CancelIoEx(l.next, nil)
		windows.CloseHandle(l.next)
		l.next = 0
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

// pipeConn is one end of a connected pipe.
type pipeConn struct {
	*os.File
	addr   pipeAddr
	server bool
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.addr }
func (c *pipeConn) RemoteAddr() net.Addr { return c.addr }

// Close: the server's end waits until the client has read what was
// written (closing a server end discards unread data).
func (c *pipeConn) Close() error {
	if c.server {
		windows.FlushFileBuffers(windows.Handle(c.Fd()))
	}
	return c.File.Close()
}
