package single

import (
	"errors"
	"testing"
	"time"
)

func TestSecondLaunchHandsOver(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan Message, 1)
	first.Serve(func(m Message) { got <- m })
	if _, err := Acquire(dir); !errors.Is(err, ErrOther) {
		t.Fatalf("second Acquire: %v, want ErrOther", err)
	}
	if err := Send(dir, Message{Files: []string{"/tmp/a.jpg"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if len(m.Files) != 1 || m.Files[0] != "/tmp/a.jpg" {
			t.Fatalf("got %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance heard nothing")
	}
	first.Close()
	again, err := Acquire(dir)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	again.Close()
}
