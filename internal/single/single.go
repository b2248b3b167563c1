// Package single keeps one desktop app per user: the first instance holds
// a lock and listens (a Unix socket in the data folder; on Windows a named
// pipe only this user may open); a second launch hands its files to the
// first over it and exits.
package single

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/flock"
)

// Message is what a second launch sends the first: files to upload, and
// a request to come to the front.
type Message struct {
	Files []string `json:"files"`
}

// Instance is the first app of the user.
type Instance struct {
	lock *flock.Lock
	ln   net.Listener
	addr string
	wg   sync.WaitGroup
}

// ErrOther: another instance is the first; Send the files to it.
var ErrOther = errors.New("thumbdrop is already open")

// Acquire makes this process the user's one app, or returns ErrOther.
func Acquire(dataDir string) (*Instance, error) {
	l, err := flock.TryLock(filepath.Join(dataDir, "app.lock"))
	if errors.Is(err, flock.ErrHeld) {
		return nil, ErrOther
	}
	if err != nil {
		return nil, err
	}
	ln, addr, err := listen(dataDir)
	if err != nil {
		l.Unlock()
		return nil, err
	}
	return &Instance{lock: l, ln: ln, addr: addr}, nil
}

// Serve calls fn for each message from later launches until Close.
func (in *Instance) Serve(fn func(Message)) {
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		for {
			c, err := in.ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			var m Message
			err = json.NewDecoder(io.LimitReader(c, 1<<20)).Decode(&m)
			if err == nil {
				io.WriteString(c, "ok\n")
			}
			c.Close()
			if err == nil {
				fn(m)
			}
		}
	}()
}

// Close stops listening and lets go of the lock.
func (in *Instance) Close() {
	in.ln.Close()
	in.wg.Wait()
	unlisten(in.addr)
	in.lock.Unlock()
}

// Send hands a message to the first instance.
func Send(dataDir string, m Message) error {
	c, err := dial(dataDir, 3*time.Second)
	if err != nil {
		return fmt.Errorf("reach the open thumbdrop: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := json.NewEncoder(c).Encode(m); err != nil {
		return fmt.Errorf("reach the open thumbdrop: %w", err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ok\n" {
		return errors.New("the open thumbdrop did not take the files")
	}
	return nil
}
