package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// Several front ends at once, for real: the built binary, run as the
// processes users run side by side.

// thumbdrop runs the built binary with dirs, returning its exit status
// and output.
func thumbdrop(t *testing.T, dirs app.Dirs, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(buildApp(t), args...)
	cmd.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// photos writes n distinct small JPEGs (the corpus photo with a different
// trailing comment each) into a new folder.
func photos(t *testing.T, n int, prefix string) []string {
	t.Helper()
	src := testkit.ReadCorpus(t, "video-001.jpeg")
	dir := t.TempDir()
	var out []string
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, fmt.Sprintf("%s-%02d 사진.jpg", prefix, i))
		b := append(append([]byte{}, src...), []byte(fmt.Sprintf("%s %d", prefix, i))...)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestConcurrentUploadsNoAgent: four `thumbdrop upload` processes of 25
// photos each, started at once with no agent running: every upload
// succeeds, the history keeps all 100, one agent is started, and the links
// answer after every uploader has exited.
func TestConcurrentUploadsNoAgent(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	var wg sync.WaitGroup
	type result struct {
		code         int
		stdout, errs string
	}
	results := make([]result, 4)
	for i := range results {
		files := photos(t, 25, fmt.Sprintf("p%d", i))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code, out, errs := thumbdrop(t, dirs, "", append([]string{"upload", "--json"}, files...)...)
			results[i] = result{code, out, errs}
		}(i)
	}
	wg.Wait()
	var urls []string
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("uploader %d: exit %d: %s", i, r.code, r.errs)
		}
		for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
			var rec app.Record
			if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Status != app.StatusReady {
				t.Errorf("uploader %d: %q", i, l)
				continue
			}
			urls = append(urls, rec.URL, rec.ThumbURL)
		}
	}
	if recs := history(t, dirs); len(recs) != 100 {
		t.Fatalf("4 x 25 uploads: %d history records", len(recs))
	}
	for _, u := range urls {
		if code := get(t, u); code != 200 {
			t.Errorf("GET %s after the uploaders exited: %d", u, code)
		}
	}
	out, _ := exec.Command("pgrep", "-f", "-c", buildApp(t)+" serve").Output()
	if n := strings.TrimSpace(string(out)); n != "1" {
		t.Errorf("%s agents running, want 1", n)
	}
}

// TestSamePictureFromThreeProcesses: three 'thumbdrop upload' of one
// photo started at once store it once; the others report a duplicate
// with the same link.
func TestSamePictureFromThreeProcesses(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	photo := photos(t, 1, "same")[0]
	var wg sync.WaitGroup
	recs := make([]app.Record, 3)
	for i := range recs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code, out, errs := thumbdrop(t, dirs, "", "upload", "--json", photo)
			if code != 0 || json.Unmarshal([]byte(out), &recs[i]) != nil {
				t.Errorf("uploader %d: exit %d %q %q", i, code, out, errs)
			}
		}(i)
	}
	wg.Wait()
	statuses := map[string]int{}
	for _, r := range recs {
		statuses[r.Status]++
		if r.URL != recs[0].URL || r.ThumbURL == "" || r.ThumbURL != recs[0].ThumbURL {
			t.Errorf("links differ: %s %s and %s %s", r.URL, r.ThumbURL, recs[0].URL, recs[0].ThumbURL)
		}
	}
	if statuses[app.StatusReady] != 1 || statuses[app.StatusDuplicate] != 2 {
		t.Errorf("statuses %v, want one ready and two duplicates", statuses)
	}
	if n := len(history(t, dirs)); n != 1 {
		t.Errorf("%d history records", n)
	}
	entries, _ := os.ReadDir(filepath.Join(dirs.Data, "objects", "thumbdrop", "original"))
	if len(entries) != 1 {
		t.Errorf("stored: %d originals", len(entries))
	}
}

// TestKilledUploaderLeavesEverythingWhole: an upload process killed with
// SIGKILL in the middle of a large file leaves a history that opens, no
// half-written object in sight, and a store the next upload works with.
func TestKilledUploaderLeavesEverythingWhole(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	if code, _, errs := thumbdrop(t, dirs, "", "upload", photos(t, 1, "before")[0]); code != 0 {
		t.Fatal(errs)
	}
	big := filepath.Join(t.TempDir(), "big.jpg")
	data := make([]byte, 1<<30)
	rand.Read(data[:1<<20])
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	os.WriteFile(big, data, 0o644)
	data = nil
	cmd := exec.Command(buildApp(t), "upload", big)
	cmd.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dirs.Data, "objects", ".tmp")
	deadline := time.Now().Add(60 * time.Second)
	for {
		entries, _ := os.ReadDir(tmp)
		var size int64
		for _, e := range entries {
			if info, err := e.Info(); err == nil {
				size += info.Size()
			}
		}
		if size > 50<<20 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the upload never got going")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	recs := history(t, dirs)
	if len(recs) != 1 {
		t.Fatalf("history after kill -9: %d records", len(recs))
	}
	var objects []string
	filepath.WalkDir(filepath.Join(dirs.Data, "objects", "thumbdrop"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			objects = append(objects, filepath.Base(p))
		}
		return nil
	})
	if len(objects) != 2 { // before's original and thumbnail
		t.Errorf("objects after kill -9: %v", objects)
	}
	if code, _, errs := thumbdrop(t, dirs, "", "upload", photos(t, 1, "after")[0]); code != 0 {
		t.Fatalf("upload after the kill: %s", errs)
	}
	// The killed process's claim on the big file's picture is stale: the
	// same file uploads again, without waiting on it.
	start := time.Now()
	if code, _, errs := thumbdrop(t, dirs, "", "upload", "--no-wait", big); code != 0 || strings.Contains(errs, "waiting for it") {
		t.Fatalf("the killed upload again: %d %s", code, errs)
	}
	t.Logf("the killed upload again: %s", time.Since(start).Round(time.Millisecond))
}

// TestAgentDetachAndStop: serve --detach starts one agent, a second
// --detach finds it, --stop stops it and the links stop answering.
func TestAgentDetachAndStop(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	code, out, errs := thumbdrop(t, dirs, "", "serve", "--detach")
	if code != 0 || !strings.Contains(out, "agent running") {
		t.Fatalf("serve --detach: %d %q %q", code, out, errs)
	}
	if code, out, _ := thumbdrop(t, dirs, "", "serve", "--detach"); code != 0 || !strings.Contains(out, "already runs") {
		t.Errorf("second --detach: %d %q", code, out)
	}
	if code, _, errs := thumbdrop(t, dirs, "", "serve"); code != 1 || !strings.Contains(errs, "already runs") {
		t.Errorf("serve in the foreground beside it: %d %q", code, errs)
	}
	_, out, _ = thumbdrop(t, dirs, "", "upload", photos(t, 1, "x")[0])
	url := strings.TrimSpace(out)
	if get(t, url) != 200 {
		t.Fatalf("GET %s: not served", url)
	}
	if code, out, _ := thumbdrop(t, dirs, "", "serve", "--stop"); code != 0 || !strings.Contains(out, "stopped") {
		t.Fatalf("serve --stop: %d %q", code, out)
	}
	if get(t, url) != 0 {
		t.Error("the link still answers after --stop")
	}
	if code, out, _ := thumbdrop(t, dirs, "", "serve", "--stop"); code != 0 || !strings.Contains(out, "no agent") {
		t.Errorf("second --stop: %d %q", code, out)
	}
}

// TestAgentOrphaned: the agent whose data folder is deleted while it runs
// (no lock or state file leads to it any more) stops by itself and frees
// its ports, so the next upload, from a new data folder with the same
// settings, starts an agent of its own rather than blaming "another
// program"; while one still answers there, the message names it.
func TestAgentOrphaned(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	links, api := testsrv.FreeAddr(t), testsrv.FreeAddr(t)
	for k, v := range map[string]string{"local_addr": links, "picgo_server": api} {
		if code, _, errs := thumbdrop(t, dirs, "", "config", "set", k, v); code != 0 {
			t.Fatal(errs)
		}
	}
	if code, out, errs := thumbdrop(t, dirs, "", "serve", "--detach"); code != 0 {
		t.Fatalf("serve --detach: %q %q", out, errs)
	}
	st := agentState(t, dirs)
	// A port held by a live agent of another folder is named as such.
	other := freshDirs(t)
	for k, v := range map[string]string{"local_addr": links, "picgo_server": "off"} {
		thumbdrop(t, other, "", "config", "set", k, v)
	}
	if code, _, errs := thumbdrop(t, other, "", "serve"); code != 1 || !strings.Contains(errs, "held by another thumbdrop agent (pid "+strconv.Itoa(st.PID)) {
		t.Errorf("serve on a port another agent holds: %d %q", code, errs)
	}
	if err := os.RemoveAll(dirs.Data); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for get(t, "http://"+links+"/") != 0 || get(t, "http://"+api+"/heartbeat") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the orphaned agent still answers 10 s after its data folder was deleted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	again := app.Dirs{Config: dirs.Config, Data: t.TempDir()}
	t.Cleanup(func() { stopAgent(t, again) })
	code, out, errs := thumbdrop(t, again, "", "upload", photos(t, 1, "orphan")[0])
	if code != 0 || strings.Contains(errs, "could not start") || get(t, strings.TrimSpace(out)) != 200 {
		t.Fatalf("upload after the orphan stopped: %d %q %q", code, out, errs)
	}
}

// TestAgentPortTaken: when another program holds the agent's port, an
// upload still stores the file but says on stderr that its links will not
// answer, and how to fix it; when another program (PicGo itself) holds the
// editors' API port, the agent serves links anyway and says why the API is
// off.
func TestAgentPortTaken(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dirs := freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	if code, _, errs := thumbdrop(t, dirs, "", "config", "set", "local_addr", busy.Addr().String()); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := thumbdrop(t, dirs, "", "upload", photos(t, 1, "busy")[0])
	if code != 0 || !strings.HasPrefix(out, "http://"+busy.Addr().String()) {
		t.Fatalf("upload: %d %q %q", code, out, errs)
	}
	for _, want := range []string{"could not start", busy.Addr().String() + " is already in use", "config set local_addr"} {
		if !strings.Contains(errs, want) {
			t.Errorf("upload's stderr %q does not say %q", errs, want)
		}
	}
	if strings.Contains(errs, "thumbdrop: thumbdrop:") {
		t.Errorf("doubled prefix: %q", errs)
	}
	// check says so too: local links that do not answer need fixing.
	if code, out, _ := thumbdrop(t, dirs, "", "check"); code != 1 || !strings.Contains(out, busy.Addr().String()+" is already in use") {
		t.Errorf("check with the agent's port taken: %d %q", code, out)
	}

	dirs = freshDirs(t)
	t.Cleanup(func() { stopAgent(t, dirs) })
	if code, _, errs := thumbdrop(t, dirs, "", "config", "set", "picgo_server", busy.Addr().String()); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs = thumbdrop(t, dirs, "", "upload", photos(t, 1, "picgo")[0])
	if code != 0 || strings.Contains(errs, "could not start") || get(t, strings.TrimSpace(out)) != 200 {
		t.Fatalf("upload with the API's port taken: %d %q %q", code, out, errs)
	}
	if st := agentState(t, dirs); st.PicGo != "" || !strings.Contains(st.PicGoErr, "already in use") {
		t.Errorf("agent state: %+v", st)
	}
	// The advice followed: another port, and the running agent serves the
	// editors' API there by itself (no upload, no restart: links keep
	// answering); then off, then on again.
	before := agentState(t, dirs)
	free := testsrv.FreeAddr(t)
	for _, want := range []string{free, "off", free} {
		if code, _, errs := thumbdrop(t, dirs, "", "config", "set", "picgo_server", want); code != 0 {
			t.Fatal(errs)
		}
		serves := want
		if want == "off" {
			serves = ""
		}
		st := waitAgentState(t, dirs, func(st agent.State) bool { return st.PicGo == serves && st.PicGoErr == "" })
		if st.PID != before.PID {
			t.Errorf("the agent was restarted (pid %d, then %d) to follow picgo_server", before.PID, st.PID)
		}
		if serves != "" {
			if code := get(t, "http://"+serves+"/heartbeat"); code != 200 {
				t.Errorf("the editors' API on %s answers %d", serves, code)
			}
		}
	}
}

// waitAgentState waits (up to 15 s) for the agent's state to satisfy ok.
func waitAgentState(t *testing.T, dirs app.Dirs, ok func(agent.State) bool) agent.State {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := agentState(t, dirs)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agent's state is still %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMistypedCommand: a word that is neither a command nor a file, or an
// unknown flag, is a usage error, not a window (nor a GLFW panic where
// there is no display); with no display at all, one sentence says so.
func TestMistypedCommand(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	dirs := freshDirs(t)
	for _, c := range []struct {
		arg, want string
		code      int
		display   string
	}{{"uplaod", "unknown command", 2, ""}, {"--bogus", "unknown flag", 2, ""}, {"missing.jpg", "no display", 1, ""},
		{"missing.jpg", "does not answer", 1, ":4242"}} { // no X server there
		cmd := exec.Command(buildApp(t), c.arg)
		cmd.Env = append(os.Environ(), "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data, "DISPLAY="+c.display, "WAYLAND_DISPLAY=")
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != c.code || !strings.Contains(string(out), c.want) || strings.Contains(string(out), "panic") {
			t.Errorf("thumbdrop %s: exit %d %q", c.arg, cmd.ProcessState.ExitCode(), out)
		}
	}
}

// agentState is the running agent's state.
func agentState(t *testing.T, dirs app.Dirs) agent.State {
	t.Helper()
	st, ok := agent.ReadState(dirs)
	if !ok {
		t.Fatal("no agent is running")
	}
	return st
}

// peakRSS runs cmd and returns its peak resident memory in MB (GNU time).
func peakRSS(t *testing.T, cmd *exec.Cmd) (int, string) {
	t.Helper()
	rss := filepath.Join(t.TempDir(), "rss")
	wrapped := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", rss, cmd.Path}, cmd.Args[1:]...)...)
	wrapped.Env = cmd.Env
	out, _ := wrapped.CombinedOutput()
	b, err := os.ReadFile(rss)
	if err != nil {
		t.Fatalf("no RSS measured: %v\n%s", err, out)
	}
	var kb int
	f := strings.Fields(string(b)) // "Command exited with non-zero status 1" may come first
	if len(f) > 0 {
		fmt.Sscan(f[len(f)-1], &kb)
	}
	if kb == 0 {
		t.Fatalf("unreadable RSS %q", b)
	}
	return kb / 1024, string(out)
}

// TestBombsInThumbnailCommand: each decompression bomb is refused or
// thumbnailed by 'thumbdrop thumbnail' in under 300 MB of memory.
func TestBombsInThumbnailCommand(t *testing.T) {
	testkit.Need(t, "/usr/bin/time")
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"tiff16.tif": testkit.TIFFBomb16(10000, 10000),
		"huge.png":   testkit.PNGBomb(10000, 10000),
		"screen.gif": testkit.GIFBomb(10000, 10000),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o644)
		mb, out := peakRSS(t, exec.Command(buildApp(t), "thumbnail", "-o", filepath.Join(dir, "out"), p))
		t.Logf("%s (%d bytes): peak %d MB: %s", name, len(data), mb, strings.TrimSpace(out))
		if mb >= 300 {
			t.Errorf("%s: peak RSS %d MB", name, mb)
		}
		if !strings.Contains(out, "->") && !strings.Contains(out, "too much memory") {
			t.Errorf("%s: neither thumbnailed nor refused for its memory: %s", name, out)
		}
	}
}

// TestNoSessionBusNoDaemons: in a session with no D-Bus session bus (ssh,
// a cron job) the keyring commands say there is no keyring and offer the
// AWS CLI's credentials, and leave no dbus-daemon or gnome-keyring-daemon
// behind (asking the bus anyway autolaunches one per command).
func TestNoSessionBusNoDaemons(t *testing.T) {
	testkit.Heavy(t, "builds and runs the real binary")
	count := func(name string) int {
		out, _ := exec.Command("pgrep", "-c", "-x", name).Output()
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	daemons := func() [2]int { return [2]int{count("dbus-daemon"), count("gnome-keyring-d")} }
	before := daemons()
	dirs := freshDirs(t)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") {
			env = append(env, kv)
		}
	}
	env = append(env, "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data, "XDG_RUNTIME_DIR="+t.TempDir(),
		"THUMBDROP_KEYRING_SERVICE=thumbdrop-test-nobus")
	run := func(stdin string, args ...string) (int, string) {
		cmd := exec.Command(buildApp(t), args...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return code, errb.String()
	}
	for _, args := range [][]string{{"config", "set", "target", "s3"}, {"config", "set", "bucket", "photos"}} {
		if code, errs := run("", args...); code != 0 {
			t.Fatal(errs)
		}
	}
	for _, c := range []struct {
		stdin string
		args  []string
	}{{"AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", []string{"login"}}, {"", []string{"upload", photos(t, 1, "nobus")[0]}}, {"", []string{"logout"}}} {
		code, errs := run(c.stdin, c.args...)
		if code == 0 || !strings.Contains(errs, "no D-Bus session bus") || !strings.Contains(errs, "credentials aws") {
			t.Errorf("%v: exit %d: %s", c.args, code, errs)
		}
	}
	if after := daemons(); after != before {
		t.Errorf("dbus-daemon, gnome-keyring-daemon: %v before, %v after", before, after)
	}
}
