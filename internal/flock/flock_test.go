package flock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

func TestTryLockExcludesAndReleases(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "x.lock")
	l, err := TryLock(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLock(p); !errors.Is(err, ErrHeld) {
		t.Fatalf("second TryLock: %v, want ErrHeld", err)
	}
	if !Held(p) {
		t.Fatal("Held says free while held")
	}
	l.Unlock()
	if Held(p) {
		t.Fatal("Held says held after Unlock")
	}
}

// A process killed with SIGKILL holds no lock: the kernel lets go.
func TestLockDiesWithProcess(t *testing.T) {
	if os.Getenv("FLOCK_HOLD") != "" {
		if _, err := TryLock(os.Getenv("FLOCK_HOLD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		return
	}
	testkit.Heavy(t, "starts a process (the test binary again)")
	p := filepath.Join(t.TempDir(), "x.lock")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestLockDiesWithProcess$")
	cmd.Env = append(os.Environ(), "FLOCK_HOLD="+p)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil {
		t.Fatal(err)
	}
	if !Held(p) {
		t.Fatal("the child's lock is not seen")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if Held(p) {
		t.Fatal("lock still held after the holder was killed")
	}
}

// TestTryLockLiveAfterRelease: a holder's Release deletes the file; a
// process that opened the old file meanwhile does not take a lock on it,
// and the next TryLockLive makes and takes a new one.
func TestTryLockLiveAfterRelease(t *testing.T) {
	p := filepath.Join(t.TempDir(), "claims", "abc.lock")
	a, err := TryLockLive(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryLockLive(p); !errors.Is(err, ErrHeld) {
		t.Fatalf("second TryLockLive: %v", err)
	}
	stale, _ := os.Open(p) // opened before the release, as a racing process would
	defer stale.Close()
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("the lock file is still there: %v", err)
	}
	b, err := TryLockLive(p)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	st1, _ := stale.Stat()
	st2, _ := b.f.Stat()
	if os.SameFile(st1, st2) {
		t.Error("the new lock is on the deleted file")
	}
}
