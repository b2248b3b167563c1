package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
	"github.com/thumbdrop/thumbdrop/resize"
)

// TestScreenshotOtherMachine: photos uploaded by one machine (the CLI,
// its own data folder) to a bucket shared with another appear, with their
// thumbnails, in the other machine's window: it syncs as it starts.
func TestScreenshotOtherMachine(t *testing.T) {
	testkit.Need(t, "Xvfb", "xdotool", "import")
	v := testsrv.StartVersity(t, true, "photos")
	v.ResizeEvents(t, resize.DefaultConfig())
	t.Setenv("AWS_ACCESS_KEY_ID", v.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", v.Secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	machine := func() app.Dirs {
		d := freshDirs(t)
		c, _ := app.LoadConfig(d)
		c.Target, c.Bucket, c.Endpoint, c.PathStyle, c.Credentials = app.TargetS3, "photos", v.Endpoint, true, app.CredsAWS
		app.SaveConfig(d, c)
		return d
	}
	laptop, desktop := machine(), machine()
	dir := t.TempDir()
	var files []string
	for i, n := range []string{"노트북에서 올린 바다.jpg", "Elephants on the laptop.jpg", "laptop diagram.png"} {
		src := []string{"Storm.jpg", "Elephants_12MP.jpg", "Arc-Colors-Transparent-Wallpaper.png"}[i]
		files = append(files, testkit.Copy(t, testkit.Photo(t, src), filepath.Join(dir, n)))
	}
	if code, out, errs := thumbdrop(t, laptop, "", append([]string{"upload"}, files...)...); code != 0 {
		t.Fatalf("the laptop's upload: %s %s", out, errs)
	}
	x := startX(t, 1024, 720)
	a := startShotApp(t, x, desktop, "")
	testkit.Eventually(t, 30*time.Second, func() bool { return len(history(t, desktop)) == 3 },
		func() string { return "the desktop's window did not sync the laptop's uploads" })
	for _, r := range history(t, desktop) {
		if r.Source != app.SourceSynced || r.Status != app.StatusReady {
			t.Errorf("%s: source %q status %s", r.Name(), r.Source, r.Status)
		}
	}
	time.Sleep(1500 * time.Millisecond) // the previews are fetched and drawn
	a.shot(t, "11-other-machine-gallery")
}
