package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
	"github.com/thumbdrop/thumbdrop/internal/testkit"
	"github.com/thumbdrop/thumbdrop/internal/testsrv"
)

// TestSettingsChangedElsewhere: 'thumbdrop config set' in another process
// while the app is open reaches the window (title, status) and the open
// Settings form, which says so; Save then applies what the form changed
// and keeps the other process's change.
func TestSettingsChangedElsewhere(t *testing.T) {
	h := newHarness(t, nil)
	s := NewSettings(h.u)
	h.u.settings = s
	other, err := app.Open(context.Background(), app.Options{Dirs: h.dirs})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Set("thumb_timeout", "2m"); err != nil {
		t.Fatal(err)
	}
	h.pump("the change seen", func() bool { return s.elsewhere.Visible() && h.core.Config().ThumbTimeout.D() == 2*time.Minute })
	s.entries["concurrency"].SetText("5")
	saved := false
	if err := s.Save(func(err error) {
		if err != nil {
			t.Error(err)
		}
		saved = true
	}); err != nil {
		t.Fatal(err)
	}
	h.pump("save", func() bool { return saved })
	c, _ := app.LoadConfig(h.dirs)
	if c.Concurrency != 5 || c.ThumbTimeout.D() != 2*time.Minute {
		t.Errorf("saved concurrency %d, thumb_timeout %s: the form undid the other change", c.Concurrency, c.ThumbTimeout)
	}
	// And a target changed elsewhere changes the window's title.
	other2, _ := app.Open(context.Background(), app.Options{Dirs: h.dirs})
	defer other2.Close()
	if err := other2.Set("bucket", "shared-photos"); err != nil {
		t.Fatal(err)
	}
	if err := other2.Set("target", "s3"); err != nil {
		t.Fatal(err)
	}
	h.pump("the title", func() bool { return strings.Contains(h.u.w.Title(), "shared-photos") })
}

// TestTestConnectionLeavesKeyring: Test connection tries the keys typed
// in the form from memory: it works with them, and the keys stored before
// stay in the keyring, untouched, until Save.
func TestTestConnectionLeavesKeyring(t *testing.T) {
	testkit.Heavy(t, "needs versitygw and a Secret Service")
	testsrv.RequireKeyring(t)
	v := testsrv.StartVersity(t, false, "photos")
	h := newHarness(t, nil)
	defer h.core.ForgetKeys()
	before := app.Keys{AccessKeyID: "AKIASTOREDBEFORE0000", SecretAccessKey: "stored-before-secret"}
	if err := h.core.SaveKeys(before); err != nil {
		t.Fatal(err)
	}
	s := NewSettings(h.u)
	s.target.SetSelected(choiceCompat)
	s.entries["bucket"].SetText("photos")
	s.entries["endpoint"].SetText(v.Endpoint)
	s.checks["path_style"].SetChecked(true)
	s.entries["thumb_timeout"].SetText("1s")
	s.selects["credentials"].set(app.CredsKeyring)
	s.keyID.SetText(v.Access)
	test.Type(s.secret, v.Secret)
	s.TestConnection()
	h.pump("the report", func() bool { return strings.Contains(s.report.Text, "Upload permission") })
	if !strings.Contains(s.report.Text, "✓ Credentials") || !strings.Contains(s.report.Text, "✓ Upload permission") {
		t.Errorf("the typed keys did not work: %s", s.report.Text)
	}
	if k, err := h.kr.Load(); err != nil || k != before {
		t.Errorf("the keyring holds %v (%v), not the keys stored before", k, err)
	}
	if s.secret.Text != v.Secret {
		t.Error("Test connection emptied the typed secret: Save would have none to store")
	}
}

// TestSettingsPicGoSecret: Generate fills a secret in, the form shows the
// addresses to paste into Obsidian and VS Code with it, Save puts it in
// the OS keyring (emptying the entry; the config only says one is set),
// Remove takes it out.
func TestSettingsPicGoSecret(t *testing.T) {
	testsrv.RequireKeyring(t)
	h := newHarness(t, func(c *app.Config) { c.PicGoServer = "127.0.0.1:36699" })
	defer h.kr.DeleteSecret(app.PicGoSecretName)
	s := NewSettings(h.u)
	if !strings.Contains(s.apiSecret.status.Text, "No secret") {
		t.Errorf("status %q", s.apiSecret.status.Text)
	}
	s.apiSecret.Generate()
	secret := s.apiSecret.entry.Text
	if app.CheckPicGoSecret(secret) != nil {
		t.Fatalf("generated %q", secret)
	}
	if !strings.Contains(s.apiSecret.status.Text, "Save stores this secret") {
		t.Errorf("after Generate the status says %q, not that Save stores it", s.apiSecret.status.Text)
	}
	for _, want := range []string{"http://127.0.0.1:36699/upload?key=" + secret, "http://127.0.0.1:36699/delete?key=" + secret, "piclist.uploadAPIUrl", "Typora", "Authorization: Bearer"} {
		if !strings.Contains(s.apiSecret.where.Text, want) {
			t.Errorf("where to paste it does not say %q:\n%s", want, s.apiSecret.where.Text)
		}
	}
	saved := false
	if err := s.Save(func(err error) {
		if err != nil {
			t.Error(err)
		}
		saved = true
	}); err != nil {
		t.Fatal(err)
	}
	h.pump("save", func() bool { return saved })
	if got, err := h.kr.LoadSecret(app.PicGoSecretName); err != nil || got != secret {
		t.Fatalf("keyring: %q %v", got, err)
	}
	if s.apiSecret.entry.Text != "" || !h.core.Config().PicGoSecretSet || !strings.Contains(s.apiSecret.status.Text, "A secret is set") {
		t.Errorf("after Save: entry %q, set %v, status %q", s.apiSecret.entry.Text, h.core.Config().PicGoSecretSet, s.apiSecret.status.Text)
	}
	if b := testkit.Read(t, h.dirs.ConfigFile()); strings.Contains(string(b), secret) {
		t.Error("the secret is in config.json")
	}
	s.apiSecret.Remove()
	h.pump("remove", func() bool { return strings.Contains(s.apiSecret.status.Text, "No secret") })
	if _, err := h.kr.LoadSecret(app.PicGoSecretName); err == nil {
		t.Error("the secret is still in the keyring")
	}
}

// TestSettingsShowsTheKeyATemplateMakes: the key template's example
// follows what is typed, and says why a template is refused.
func TestSettingsShowsTheKeyATemplateMakes(t *testing.T) {
	h := newHarness(t, nil)
	s := NewSettings(h.u)
	s.entries["key_template"].SetText("{year}/{month}/{ms}_{name}")
	if got := s.keyExample.Text; !regexp.MustCompile(`original/20\d\d/\d\d/\d{13}_IMG_0001\.jpg`).MatchString(got) {
		t.Errorf("example %q", got)
	}
	s.entries["original_prefix"].SetText("uploads/")
	if got := s.keyExample.Text; !strings.Contains(got, "uploads/20") {
		t.Errorf("the prefix is not followed: %q", got)
	}
	s.entries["key_template"].SetText("{year}/{name}")
	if got := s.keyExample.Text; !strings.Contains(got, "the same key") || s.keyExample.Importance != widget.DangerImportance {
		t.Errorf("a colliding template: %q", got)
	}
	// A refused prefix makes no key either (it once showed "/x…" as one).
	s.entries["key_template"].SetText("{ms}_{name}")
	for _, bad := range []string{"/x/", "../", "a//"} {
		s.entries["original_prefix"].SetText(bad)
		if got := s.keyExample.Text; !strings.Contains(got, "not a prefix") || s.keyExample.Importance != widget.DangerImportance {
			t.Errorf("prefix %q: example %q", bad, got)
		}
	}
}

// TestSettingsChoicesInWords: drop-downs show words, not config values,
// and save the values.
func TestSettingsChoicesInWords(t *testing.T) {
	h := newHarness(t, nil)
	s := NewSettings(h.u)
	for key, c := range s.selects {
		if c.value() == "" {
			t.Errorf("%s: nothing chosen", key)
		}
		for i, label := range c.Options {
			if label == c.values[i] && key != "copy_format" {
				t.Errorf("%s shows its value %q as it is", key, label)
			}
		}
	}
	if got := s.selects["copy_format"].Selected; got != "Markdown" {
		t.Errorf("copy format shown as %q", got)
	}
	s.selects["original_format"].set(app.OriginalWebP)
	if s.selects["original_format"].Selected != "Make WebP" {
		t.Errorf("webp shown as %q", s.selects["original_format"].Selected)
	}
	c, err := s.Config()
	if err != nil || c.OriginalFormat != app.OriginalWebP || c.CopyFormat != app.FormatMarkdown {
		t.Errorf("config %q %q %v", c.OriginalFormat, c.CopyFormat, err)
	}
}

// TestSettingsErrorFollowsFixes: the line Save shows atop the form says
// what is still wrong as fields are fixed, and goes once all are right.
func TestSettingsErrorFollowsFixes(t *testing.T) {
	h := newHarness(t, nil)
	s := NewSettings(h.u)
	s.entries["concurrency"].SetText("0")
	s.entries["thumb_prefix"].SetText("/bad")
	if err := s.Save(nil); err == nil {
		t.Fatal("saved a bad form")
	}
	if !s.errLbl.Visible() || !strings.Contains(s.errLbl.Text, "concurrency") || !strings.Contains(s.errLbl.Text, "thumb_prefix") {
		t.Fatalf("error line %q", s.errLbl.Text)
	}
	s.entries["concurrency"].SetText("4")
	if strings.Contains(s.errLbl.Text, "concurrency") || !strings.Contains(s.errLbl.Text, "thumb_prefix") || !s.errLbl.Visible() {
		t.Errorf("after fixing concurrency the line says %q", s.errLbl.Text)
	}
	s.entries["thumb_prefix"].SetText("thumb/")
	if s.errLbl.Visible() {
		t.Errorf("all fixed, the line still says %q", s.errLbl.Text)
	}
}
