package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// TestBackfillKilledAndResumed: originals put into versitygw by rclone
// (another tool, as a NodeBird server's bucket is), then the real binary's
// 'backfill --here', killed (SIGKILL) once its progress says half: every
// thumbnail in the bucket then is whole, a dry run counts what is left,
// the run resumed makes exactly that, and a run after it makes nothing.
func TestBackfillKilledAndResumed(t *testing.T) {
	testkit.Need(t, "rclone")
	bin := buildApp(t)
	v := testsrv.StartVersity(t, false, "photos")
	const n = 60
	photo := testkit.ReadPhoto(t, "Dune.jpg")
	set := t.TempDir()
	for i := range n {
		name := fmt.Sprintf("%d_photo %d.jpg", 1700000000000+i, i)
		if i%3 == 0 {
			name = fmt.Sprintf("%d_제주 사진 (%d)+1.jpg", 1700000000000+i, i)
		}
		if err := os.WriteFile(filepath.Join(set, name), photo, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rc := exec.Command("rclone", "copy", "--transfers", "4", set, "vg:photos/original/")
	rc.Env = append(os.Environ(), "AWS_CA_BUNDLE=", "RCLONE_CONFIG=/dev/null", "RCLONE_CONFIG_VG_TYPE=s3", "RCLONE_CONFIG_VG_PROVIDER=Other",
		"RCLONE_CONFIG_VG_ENDPOINT="+v.Endpoint, "RCLONE_CONFIG_VG_ACCESS_KEY_ID="+v.Access, "RCLONE_CONFIG_VG_SECRET_ACCESS_KEY="+v.Secret,
		"RCLONE_S3_NO_CHECK_BUCKET=true", "RCLONE_EXPECT_CONTINUE_TIMEOUT=0")
	if out, err := rc.CombinedOutput(); err != nil {
		t.Fatalf("rclone: %v\n%s", err, out)
	}

	dirs := app.Dirs{Config: t.TempDir(), Data: t.TempDir()}
	env := append(os.Environ(), "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data,
		"AWS_ACCESS_KEY_ID="+v.Access, "AWS_SECRET_ACCESS_KEY="+v.Secret, "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("thumbdrop %v: %v\n%s%s", args, err, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	for _, kv := range [][2]string{{"target", "s3"}, {"bucket", "photos"}, {"endpoint", v.Endpoint}, {"path_style", "true"}, {"credentials", "aws"}} {
		run("config", "set", kv[0], kv[1])
	}
	plan := func() (todo, upToDate int) {
		t.Helper()
		out, _ := run("backfill", "--here", "--dry-run", "--json")
		var j struct {
			Missing  int   `json:"missing"`
			Stale    []any `json:"stale"`
			UpToDate int   `json:"up_to_date"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return j.Missing + len(j.Stale), j.UpToDate
	}
	if todo, _ := plan(); todo != n {
		t.Fatalf("dry run: %d to make, want %d", todo, n)
	}

	// Killed at half.
	cmd := exec.Command(bin, "backfill", "--here", "--workers", "1")
	cmd.Env = env
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	half := regexp.MustCompile(`^resizing .* (\d+)/(\d+) +(\d+)%`)
	sc := bufio.NewScanner(stderr)
	done := 0
	for sc.Scan() {
		if m := half.FindStringSubmatch(sc.Text()); m != nil {
			if p, _ := strconv.Atoi(m[3]); p >= 50 {
				done, _ = strconv.Atoi(m[1])
				cmd.Process.Kill()
				break
			}
		}
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
		t.Fatalf("the run was not killed at half (it said %d done): %v", done, err)
	}
	thumbs, _ := filepath.Glob(filepath.Join(v.Root, "photos", "thumb", "*"))
	for _, p := range thumbs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = image.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("a thumbnail the killed run left is not whole: %s: %v", filepath.Base(p), err)
		}
	}
	todo, upToDate := plan()
	if upToDate != len(thumbs) || todo != n-len(thumbs) || len(thumbs) < done || todo == 0 {
		t.Fatalf("after the kill at %d: %d thumbnails in the bucket, the dry run says %d up to date and %d to make", done, len(thumbs), upToDate, todo)
	}
	t.Logf("killed after %d of %d; %d left", done, n, todo)

	out, _ := run("backfill", "--here", "--json")
	var rep struct {
		Made      int   `json:"made"`
		Missing   int   `json:"missing"`
		Failed    []any `json:"failed"`
		Rewritten []any `json:"rewritten"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Made != todo || rep.Missing != todo || len(rep.Failed) != 0 || len(rep.Rewritten) != 0 {
		t.Fatalf("resumed: %s (%v), want %d made", out, err, todo)
	}
	out, _ = run("backfill", "--here")
	if !strings.Contains(out, fmt.Sprintf("%d up to date, 0 to make", n)) || !strings.Contains(out, "nothing to do") {
		t.Errorf("a run after that: %s", out)
	}
}
