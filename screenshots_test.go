package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
)

// The screenshot set of the real window at 1024x720, in English and
// Korean, saved under .artifacts/shots for a person to look at: empty,
// dragging over, a queue with a failure, a gallery of Hangul names, the
// detail pane, Settings (local and S3), Help, a damaged config.

// shotApp is the app under Xvfb with its window at the top left.
type shotApp struct {
	x    *xserver
	win  string
	dirs app.Dirs
	lang string
}

func startShotApp(t *testing.T, x *xserver, dirs app.Dirs, lang string) *shotApp {
	t.Helper()
	env := []string{}
	if lang != "" {
		env = append(env, "LANG="+lang, "LC_ALL="+lang)
	}
	startApp(t, x, dirs, env...)
	s := &shotApp{x: x, win: waitWindow(t, x), dirs: dirs, lang: lang}
	x.run(t, "xdotool", "windowmove", s.win, "0", "0")
	x.run(t, "xdotool", "windowsize", s.win, "1024", "720")
	time.Sleep(1200 * time.Millisecond)
	return s
}

func (s *shotApp) key(t *testing.T, keys ...string) {
	t.Helper()
	s.x.run(t, "xdotool", "windowfocus", "--sync", s.win)
	for _, k := range keys {
		s.x.run(t, "xdotool", "key", "--window", s.win, k)
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond)
}

func (s *shotApp) click(t *testing.T, x, y int) {
	t.Helper()
	s.x.run(t, "xdotool", "mousemove", "--window", s.win, fmt.Sprint(x), fmt.Sprint(y), "click", "1")
	time.Sleep(800 * time.Millisecond)
}

func (s *shotApp) shot(t *testing.T, name string) {
	t.Helper()
	os.Setenv("THUMBDROP_ARTIFACTS", filepath.Join(".artifacts", "shots"))
	defer os.Unsetenv("THUMBDROP_ARTIFACTS")
	if m := s.x.screenshot(t, name+".png"); distinctColours(m) < 8 {
		t.Errorf("%s looks blank", name)
	}
}

// waitHistory waits until the data folder's history holds n records in a
// final state.
func waitHistory(t *testing.T, dirs app.Dirs, n int) []app.Record {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if recs := history(t, dirs); len(recs) >= n {
			return recs
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the history never held %d records", n)
	return nil
}

func TestScreenshotSet(t *testing.T) {
	testkit.Need(t, "Xvfb", "xdotool", "import", "/usr/bin/python3")
	for _, lang := range []string{"en_US.UTF-8", "ko_KR.UTF-8"} {
		t.Run(lang[:2], func(t *testing.T) { screenshotSet(t, lang) })
	}
}

func screenshotSet(t *testing.T, lang string) {
	pre := lang[:2] + "-"
	x := startX(t, 1024, 720)
	dirs := freshDirs(t)
	cfg, _ := app.LoadConfig(dirs)
	cfg.Concurrency = 1 // so a file can vanish while it waits its turn
	app.SaveConfig(dirs, cfg)
	t.Cleanup(func() { stopAgent(t, dirs) })

	a := startShotApp(t, x, dirs, lang)
	a.shot(t, pre+"1-empty")

	// Uploads: Hangul names long and short, and one file that vanishes
	// before its turn (a failure in the queue).
	dir := t.TempDir()
	names := []string{"제주도 바다 풍경 사진 2026년 여름휴가 첫째 날 아침.jpg", "서울 야경.png", "고양이.gif", "한라산 정상에서 본 일출 — 아주 긴 이름의 파일.jpg"}
	srcs := []string{"video-001.jpeg", "video-001.png", "video-001.gif", "video-001.q50.420.jpeg"}
	var paths []string
	for i, n := range names {
		paths = append(paths, testkit.CopyCorpus(t, srcs[i], filepath.Join(dir, n)))
	}
	// A large first file holds the one upload slot while the vanishing
	// one waits behind it.
	big := filepath.Join(dir, "big.jpg")
	data := make([]byte, 400<<20)
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	os.WriteFile(big, data, 0o644)
	gone := filepath.Join(dir, "사라진 사진.jpg")
	os.WriteFile(gone, data[:1000], 0o644)
	hand := exec.Command(buildApp(t), append([]string{big, gone}, paths...)...)
	hand.Env = append(os.Environ(), "DISPLAY="+x.display, "THUMBDROP_CONFIG_DIR="+dirs.Config, "THUMBDROP_DATA_DIR="+dirs.Data)
	if out, err := hand.CombinedOutput(); err != nil {
		t.Fatalf("hand over: %v %s", err, out)
	}
	time.Sleep(200 * time.Millisecond)
	os.Remove(gone)
	waitHistory(t, dirs, 5)
	time.Sleep(1500 * time.Millisecond)
	a.shot(t, pre+"2-queue-with-failure")

	// The gallery and the detail pane: click the first card.
	a.click(t, 80, 420)
	a.shot(t, pre+"3-gallery-detail")

	a.key(t, "ctrl+comma")
	a.shot(t, pre+"4-settings-local")
	a.key(t, "Escape")
	a.key(t, "F1")
	a.shot(t, pre+"5-help")
	a.key(t, "Escape")
	a.shot(t, pre+"6-after-escape")
	if lang[:2] != "en" {
		return
	}

	// Dragging over: press on a GTK drag source, move over the window, and
	// take the picture before letting go.
	script := filepath.Join(t.TempDir(), "source.py")
	os.WriteFile(script, []byte(dragSource), 0o644)
	gtk := exec.Command("/usr/bin/python3", script, "file://"+strings.ReplaceAll(paths[1], " ", "%20"))
	gtk.Env = append(os.Environ(), "DISPLAY="+x.display, "GDK_BACKEND=x11")
	if err := gtk.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { gtk.Process.Kill(); gtk.Wait() }()
	x.findWindow(t, "^drag source$", func() string { return "no drag source" })
	x.run(t, "xdotool", "windowmove", a.win, "300", "0")
	time.Sleep(500 * time.Millisecond)
	x.run(t, "xdotool", "mousemove", "100", "100")
	x.run(t, "xdotool", "mousedown", "1")
	for _, p := range [][2]int{{110, 110}, {150, 130}, {250, 200}, {400, 300}, {600, 350}, {650, 360}} {
		x.run(t, "xdotool", "mousemove", fmt.Sprint(p[0]), fmt.Sprint(p[1]))
		time.Sleep(150 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond)
	a.shot(t, pre+"7-dragging-over")
	x.run(t, "xdotool", "mouseup", "1")

	// Settings for S3, and a damaged config: another user's app.
	x2 := startX(t, 1024, 720)
	s3dirs := freshDirs(t)
	c := app.DefaultConfig()
	c.Target, c.Bucket, c.Region, c.Credentials = app.TargetS3, "my-photos", "ap-northeast-2", app.CredsAWS
	c.LocalAddr, c.PicGoServer = cfg.LocalAddr, "off"
	app.SaveConfig(s3dirs, c)
	b := startShotApp(t, x2, s3dirs, lang)
	b.key(t, "ctrl+comma")
	b.shot(t, pre+"8-settings-s3")

	x3 := startX(t, 1024, 720)
	bad := freshDirs(t)
	os.WriteFile(bad.ConfigFile(), []byte(`{"target": "s3", "bucket": `), 0o600)
	startApp(t, x3, bad, "LANG="+lang)
	win := x3.findWindow(t, "^thumbdrop", func() string { return "no window for a damaged config" })
	x3.run(t, "xdotool", "windowmove", win, "0", "0")
	time.Sleep(1200 * time.Millisecond)
	(&shotApp{x: x3, win: win}).shot(t, pre+"9-damaged-config")
	// Reset: the app opens, in local mode, and the damaged file is kept.
	x3.run(t, "xdotool", "mousemove", "--window", win, "480", "273", "click", "1")
	time.Sleep(1500 * time.Millisecond)
	(&shotApp{x: x3, win: win}).shot(t, pre+"10-after-reset")
	x3.findWindow(t, "^thumbdrop .* local$", func() string { return "Reset did not open the app" })
	if c, err := app.LoadConfig(bad); err != nil || c.Target != app.TargetLocal {
		t.Errorf("config after reset: %+v %v", c, err)
	}
	if kept, _ := filepath.Glob(bad.ConfigFile() + ".damaged-*"); len(kept) != 1 {
		t.Errorf("the damaged file was not kept: %v", kept)
	}
}
