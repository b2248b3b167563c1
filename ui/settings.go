package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// Target choices of the settings form.
const (
	choiceLocal  = "Local (no account)"
	choiceAWS    = "AWS S3"
	choiceCompat = "S3-compatible"
)

// Settings is the settings form. Its secret entry is masked, and emptied
// once the keys are in the keyring.
type Settings struct {
	u       *UI
	target  *widget.Select
	entries map[string]*widget.Entry
	checks  map[string]*widget.Check
	selects map[string]*choice
	keyID   *widget.Entry
	secret  *widget.Entry
	keyInfo *widget.Label
	errLbl  *widget.Label
	report  *widget.Label
	test    *widget.Button
	forget  *widget.Button
	form    *widget.Form
	Content fyne.CanvasObject
	dlg     dialog.Dialog
	// keysAsked: the keyring was asked whether keys are stored (only
	// once the form shows an S3 target with keyring credentials).
	keysAsked bool
	// initial is the configuration the form was filled from: Save applies
	// what the form changed from it, on top of the settings in effect then
	// (another process may have changed others meanwhile).
	initial app.Config
	// elsewhere says the settings changed outside the form while it was open.
	elsewhere *widget.Label
	agentInfo *widget.Label
	agentStop *widget.Button
	agentRun  *widget.Button
	// keyExample is the key the typed key template makes of a photo.
	keyExample *widget.Label
	// apiSecret is the editors' API secret's part of the form.
	apiSecret *secretForm
	// invalidShown: the line atop the form says what Save or Test found
	// wrong in the form, and follows the fixes as they are typed.
	invalidShown bool
}

// NewSettings builds the form from the current config.
func NewSettings(u *UI) *Settings {
	s := &Settings{u: u, entries: map[string]*widget.Entry{}, checks: map[string]*widget.Check{}, selects: map[string]*choice{}}
	c := u.core.Config()
	s.initial = c
	s.target = widget.NewSelect([]string{lang.L(choiceLocal), lang.L(choiceAWS), lang.L(choiceCompat)}, func(string) {
		if s.report != nil {
			s.report.SetText("") // a test of another target says nothing of this one
		}
		s.showFields()
		s.recheck()
	})
	entry := func(key, placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		f, _ := app.Lookup(key)
		e.SetText(f.Get(&c))
		e.Validator = func(v string) error { return errorText(f.Check(v)) }
		e.OnChanged = func(string) { s.recheck() }
		s.entries[key] = e
		return e
	}
	for key, ph := range map[string]string{"bucket": "my-photos", "region": "ap-northeast-2", "endpoint": "https://s3.example.com",
		"public_base_url": "https://cdn.example.com", "extra_widths": "640,1280"} {
		entry(key, ph)
	}
	// A setting with a default shows it as its placeholder, from the
	// one place defaults are kept.
	def := app.DefaultConfig()
	for _, key := range []string{"presign_ttl", "original_prefix", "thumb_prefix", "thumb_timeout", "concurrency", "custom_template", "local_addr", "sizes", "key_template", "original_max", "original_quality"} {
		f, _ := app.Lookup(key)
		entry(key, f.Get(&def))
	}
	s.entries["bucket"].Validator = func(v string) error {
		if s.isS3() && strings.TrimSpace(v) == "" {
			return errors.New(lang.L("a bucket is needed"))
		}
		f, _ := app.Lookup("bucket")
		return errorText(f.Check(v))
	}
	s.entries["endpoint"].Validator = func(v string) error {
		if s.target.Selected == lang.L(choiceCompat) && strings.TrimSpace(v) == "" {
			return errors.New(lang.L("an endpoint URL is needed"))
		}
		f, _ := app.Lookup("endpoint")
		return errorText(f.Check(v))
	}
	// The key a template makes, shown as it is typed.
	s.keyExample = widget.NewLabel("")
	s.keyExample.Wrapping = fyne.TextWrapBreak
	s.entries["key_template"].OnChanged = func(string) { s.showKeyExample(); s.recheck() }
	s.entries["original_prefix"].OnChanged = func(string) { s.showKeyExample(); s.recheck() }
	s.showKeyExample()
	s.checks["path_style"] = widget.NewCheck(lang.L("Path-style addressing (endpoint/bucket)"), nil)
	s.checks["path_style"].SetChecked(c.PathStyle)
	s.checks["strip_location"] = widget.NewCheck(lang.L("Remove the location (GPS) from photos before uploading"), nil)
	s.checks["strip_location"].SetChecked(c.StripLocation)
	s.checks["web_copy"] = widget.NewCheck(lang.L("Give HEIC and TIFF photos a JPEG copy that links show (browsers show neither)"), nil)
	s.checks["web_copy"].SetChecked(c.WebCopy)
	s.selects["original_format"] = newChoice([]string{app.OriginalKeep, app.OriginalJPEG, app.OriginalWebP}, s.recheck)
	s.selects["original_format"].set(c.OriginalFormat)
	s.checks["webp"] = widget.NewCheck(lang.L("Make a WebP twin of each, for <picture> links"), nil)
	s.checks["webp"].SetChecked(c.WebP)
	s.selects["link_mode"] = newChoice([]string{app.LinkPublic, app.LinkPresigned}, s.recheck)
	s.selects["link_mode"].set(c.LinkMode)
	s.selects["copy_format"] = newChoice(app.Formats(), s.recheck)
	s.selects["copy_format"].set(c.CopyFormat)
	s.selects["credentials"] = newChoice([]string{app.CredsKeyring, app.CredsAWS}, func() { s.showFields(); s.recheck() })
	s.selects["credentials"].set(c.Credentials)

	s.keyID = widget.NewEntry()
	s.keyID.SetPlaceHolder("AKIA…")
	s.secret = widget.NewPasswordEntry()
	s.secret.SetPlaceHolder(lang.L("secret access key"))
	s.keyInfo = widget.NewLabel("")
	s.keyInfo.Wrapping = fyne.TextWrapWord
	s.forget = widget.NewButton(lang.L("Forget keys"), s.ForgetKeys)
	s.agentInfo = widget.NewLabel("")
	s.agentInfo.Wrapping = fyne.TextWrapWord
	s.agentStop = widget.NewButton(lang.L("Stop agent"), s.StopAgent)
	s.agentRun = widget.NewButton(lang.L("Start agent"), s.StartAgent)
	s.refreshAgent()
	s.apiSecret = newSecretForm(u)
	s.test = widget.NewButton(lang.L("Test connection"), s.TestConnection)
	s.report = widget.NewLabel("")
	s.report.Wrapping = fyne.TextWrapWord
	s.errLbl = widget.NewLabel("")
	s.errLbl.Importance = widget.DangerImportance
	s.errLbl.Wrapping = fyne.TextWrapWord
	s.errLbl.Hide() // shown with a message only: no blank line atop the form
	s.elsewhere = widget.NewLabel("")
	s.elsewhere.Importance = widget.WarningImportance
	s.elsewhere.Wrapping = fyne.TextWrapWord
	s.elsewhere.Hide()

	switch {
	case c.Target == app.TargetLocal:
		s.target.SetSelected(lang.L(choiceLocal))
	case c.Endpoint != "":
		s.target.SetSelected(lang.L(choiceCompat))
	default:
		s.target.SetSelected(lang.L(choiceAWS))
	}
	s.form = widget.NewForm()
	// The scroll bar overlays the content's right edge: keep a gutter.
	gutter := canvas.NewRectangle(nil)
	gutter.SetMinSize(fyne.NewSize(theme.ScrollBarSize()+theme.Padding(), 1))
	s.Content = container.NewVScroll(container.NewBorder(nil, nil, nil, gutter, container.NewVBox(s.elsewhere, s.errLbl, s.form,
		container.NewHBox(s.test, s.forget), s.report)))
	s.showFields()
	return s
}

// usesKeyring: the form's target needs keys from the OS keyring.
func (s *Settings) usesKeyring() bool {
	return s.isS3() && s.selects["credentials"].value() == app.CredsKeyring
}

// refreshAgent says whether the agent runs (as the core last saw it: no
// I/O on the UI thread).
func (s *Settings) refreshAgent() {
	core := s.u.core
	if !core.HasAgent() {
		s.agentInfo.SetText(lang.L("No agent in this build."))
		s.agentStop.Hide()
		s.agentRun.Hide()
		return
	}
	if st, ok, _ := core.AgentStatus(); ok {
		text := fmt.Sprintf(lang.L("Running: local links are served on %s."), "http://"+st.Links)
		switch {
		case st.API != "":
			text += " " + fmt.Sprintf(lang.L("The editors' upload API is on %s."), "http://"+st.API)
		case st.APIErr != nil:
			text += " " + fmt.Sprintf(lang.L("The editors' upload API is not served: %s"), localize(st.APIErr))
		}
		s.agentInfo.SetText(text)
		s.agentStop.Show()
		s.agentStop.Enable()
		s.agentRun.Hide()
		return
	}
	s.agentInfo.SetText(lang.L("Not running: local links do not answer until the next upload starts it."))
	s.agentStop.Hide()
	s.agentRun.Show()
	s.agentRun.Enable()
}

// StartAgent starts the local agent (off the UI thread); the core's event
// refreshes the form.
func (s *Settings) StartAgent() {
	s.agentRun.Disable()
	go func() {
		err := s.u.core.StartAgent(context.Background())
		s.u.do(func() {
			if err != nil {
				s.setError(localize(err))
			}
			s.refreshAgent()
		})
	}()
}

// StopAgent stops the local agent (off the UI thread).
func (s *Settings) StopAgent() {
	s.agentStop.Disable()
	go func() {
		err := s.u.core.StopAgent(context.Background())
		s.u.do(func() {
			if err != nil {
				s.setError(localize(err))
			}
			s.refreshAgent()
		})
	}()
}

// configChanged is told, on the UI thread, that the settings changed
// outside the form (Settings is open while 'thumbdrop config set' runs):
// the form says so; Save keeps the changes it did not touch.
func (s *Settings) configChanged() {
	if s.elsewhere == nil {
		return
	}
	s.elsewhere.SetText(lang.L("The settings were changed outside this window. Save applies only what you changed here; Cancel keeps them as they are now."))
	s.elsewhere.Show()
}

func (s *Settings) isS3() bool { return s.target.Selected != lang.L(choiceLocal) }

// showFields lays the form out for the chosen target.
func (s *Settings) showFields() {
	if s.form == nil {
		return
	}
	s.form.Items = nil
	add := func(label string, o fyne.CanvasObject, hint string) {
		if label != "" {
			label = lang.L(label)
		}
		it := widget.NewFormItem(label, o)
		it.HintText = hint
		s.form.AppendItem(it)
	}
	add("Target", s.target, "")
	if s.isS3() {
		add("Bucket", s.entries["bucket"], "")
		add("Region", s.entries["region"], lang.L("corrected automatically if wrong"))
		if s.target.Selected == lang.L(choiceCompat) {
			add("Endpoint", s.entries["endpoint"], "")
			add("", s.checks["path_style"], "")
		}
		add("Credentials", s.selects["credentials"], "")
		if s.usesKeyring() {
			add("Access key ID", s.keyID, "")
			add("Secret key", s.secret, lang.L("stored only in the OS keyring"))
			add("", s.keyInfo, "")
			if !s.keysAsked {
				s.keysAsked = true
				s.refreshKeyInfo()
			}
		}
		add("Public base URL", s.entries["public_base_url"], lang.L("optional: CDN or CloudFront domain"))
		add("Links", s.selects["link_mode"], lang.L("presigned for private buckets"))
		add("Link lifetime", s.entries["presign_ttl"], "")
	} else {
		add("Local address", s.entries["local_addr"], "")
		add("Agent", container.NewBorder(nil, nil, nil, container.NewHBox(s.agentStop, s.agentRun), s.agentInfo), "")
	}
	if s.usesKeyring() {
		s.forget.Show()
	} else {
		s.forget.Hide()
	}
	add("Original prefix", s.entries["original_prefix"], "")
	add("Thumbnail prefix", s.entries["thumb_prefix"], "")
	add("Key template", s.entries["key_template"], app.KeyPlaceholders)
	add("", s.keyExample, "")
	add("Thumbnail timeout", s.entries["thumb_timeout"], "")
	add("Files at once", s.entries["concurrency"], "")
	add("Copy format", s.selects["copy_format"], "")
	add("Custom template", s.entries["custom_template"], "{url} {thumb_url} {name} {key} {width} {height}")
	widthsHint := lang.L("srcset copies besides the thumbnail, never wider than the photo")
	if s.isS3() {
		widthsHint = lang.L("the resize function must make the same: deploy with ExtraWidths and WebP")
	}
	add("Extra widths", s.entries["extra_widths"], widthsHint)
	add("", s.checks["webp"], "")
	add("Sizes", s.entries["sizes"], lang.L("the sizes attribute of srcset and <picture> links"))
	add("Largest side", s.entries["original_max"], lang.L("originals larger than this many pixels are made smaller on this computer before upload; 0 keeps them as they are"))
	add("Original format", s.selects["original_format"], lang.L("originals made JPEG or WebP on this computer before upload (GIFs stay GIFs)"))
	add("Original quality", s.entries["original_quality"], lang.L("of originals made JPEG or WebP"))
	add("", s.checks["web_copy"], "")
	add("Privacy", s.checks["strip_location"], lang.L("pixels are untouched; camera, date and orientation stay"))
	add("Editors' API secret", s.apiSecret.box, lang.L("stored only in the OS keyring"))
	s.form.Refresh()
}

// showKeyExample shows the key the typed template makes of a photo
// uploaded now, or why the template is refused.
func (s *Settings) showKeyExample() {
	if s.keyExample == nil {
		return
	}
	k, err := app.ExampleKey(s.entries["key_template"].Text, s.entries["original_prefix"].Text, "IMG_0001.jpg", time.Now())
	if err == nil {
		// The example is of both fields above it: a refused prefix makes
		// no key either.
		p := s.entries["original_prefix"]
		err = p.Validator(p.Text) // the check alone: no mark on a field not typed in
	}
	if err != nil {
		s.keyExample.Importance = widget.DangerImportance
		s.keyExample.SetText(errorText(err).Error())
		return
	}
	s.keyExample.Importance = widget.LowImportance
	s.keyExample.SetText(fmt.Sprintf(lang.L("IMG_0001.jpg uploaded now: %s"), k))
}

// refreshKeyInfo asks the keyring (D-Bus I/O, off the UI thread) whether
// keys are stored, and says so.
func (s *Settings) refreshKeyInfo() {
	go func() {
		has := s.u.core.HasKeys()
		s.u.do(func() {
			if has {
				s.keyInfo.SetText(lang.L("Keys are stored in the OS keyring. Enter new ones to replace them."))
			} else {
				s.keyInfo.SetText(lang.L("No keys stored yet."))
			}
		})
	}()
}

// Config builds the configuration the form describes, or says what is
// wrong, naming the field.
func (s *Settings) Config() (app.Config, error) {
	c := s.initial
	if s.isS3() {
		c.Target = app.TargetS3
	} else {
		c.Target = app.TargetLocal
	}
	var errs []string
	set := func(key, v string) {
		if err := c.Set(key, v); err != nil {
			errs = append(errs, localize(err))
		}
	}
	for _, f := range app.Fields() { // in one order: the line atop says the same each time
		key, e := f.Key, s.entries[f.Key]
		if e == nil {
			continue
		}
		if err := e.Validate(); err != nil && (s.isS3() || !isS3Only(key)) {
			errs = append(errs, err.Error()) // localized by the validator, named by the key
			continue
		}
		if !s.isS3() && isS3Only(key) {
			continue
		}
		set(key, e.Text)
	}
	if s.target.Selected != lang.L(choiceCompat) {
		c.Endpoint, c.PathStyle = "", false
	} else {
		c.PathStyle = s.checks["path_style"].Checked
	}
	c.StripLocation = s.checks["strip_location"].Checked
	c.WebP = s.checks["webp"].Checked
	c.WebCopy = s.checks["web_copy"].Checked
	for _, key := range []string{"original_format", "link_mode", "copy_format", "credentials"} {
		set(key, s.selects[key].value())
	}
	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, localize(err))
		}
	}
	if len(errs) > 0 {
		return c, errors.New(strings.Join(errs, "\n"))
	}
	return c, nil
}

func isS3Only(key string) bool {
	switch key {
	case "bucket", "region", "endpoint", "public_base_url", "presign_ttl":
		return true
	}
	return false
}

// changes are what the form changed from the settings it was filled from.
func (s *Settings) changes(c app.Config) app.Changes {
	ch := app.Changes{}
	for _, f := range app.Fields() {
		if v := f.Get(&c); v != f.Get(&s.initial) {
			ch[f.Key] = v
		}
	}
	return ch
}

// keys returns the keys typed in, if any.
func (s *Settings) keys() (app.Keys, bool, error) {
	id, sec := strings.TrimSpace(s.keyID.Text), strings.TrimSpace(s.secret.Text)
	if id == "" && sec == "" {
		return app.Keys{}, false, nil
	}
	k := app.Keys{AccessKeyID: id, SecretAccessKey: sec}
	return k, true, k.Validate()
}

// Save validates the form on the UI thread and takes typed keys out of it
// at once; storing them in the keyring and reconnecting (I/O) run off the
// UI thread, and done, if not nil, gets the outcome back on it. A
// validation error is returned directly.
func (s *Settings) Save(done func(error)) error {
	c, err := s.Config()
	if err != nil {
		s.setInvalid(err)
		return err
	}
	if err := s.apiSecret.entry.Validate(); err != nil {
		s.setError(err.Error())
		return err
	}
	k, store, err := s.takeKeys(c)
	if err != nil {
		return err
	}
	secret, err := s.apiSecret.take()
	if err != nil {
		s.setError(localize(err))
		return err
	}
	ch := s.changes(c)
	s.setError("")
	go func() {
		// Typed keys reach the keyring only once the settings apply with
		// them: a form that cannot be saved leaves the stored keys alone.
		var typed *app.Keys
		if store {
			typed = &k
		}
		err := s.u.core.ApplyChanges(context.Background(), ch, typed)
		secretSaved := false
		if err == nil && secret != "" {
			err = s.u.core.SetPicGoSecret(context.Background(), secret)
			secretSaved = err == nil
		}
		s.u.do(func() {
			if store {
				s.refreshKeyInfo()
			}
			if secret != "" && !secretSaved {
				s.apiSecret.entry.SetText(secret) // not saved: the form keeps it, as typed
			}
			if store && err != nil {
				s.keyID.SetText(k.AccessKeyID) // nor the keys, kept in the form only
				s.secret.SetText(k.SecretAccessKey)
			}
			s.apiSecret.refresh()
			if err != nil {
				// Nothing changed: the settings in effect are the old ones.
				s.setError(lang.L("Not saved") + ": " + localize(err))
				s.u.setStatus(lang.L("Settings not saved") + ": " + localize(err))
			} else {
				s.u.reconnected(nil)
			}
			if done != nil {
				done(err)
			}
		})
	}()
	return nil
}

// takeKeys validates typed keys and empties the fields: from here on the
// secret lives only in the returned value, then in the keyring. store says
// whether there are keys to store for this configuration.
func (s *Settings) takeKeys(c app.Config) (app.Keys, bool, error) {
	k, ok, err := s.keys()
	if err != nil {
		s.setError(localize(err))
		return k, false, err
	}
	if !ok || c.Target != app.TargetS3 || c.Credentials != app.CredsKeyring {
		return k, false, nil
	}
	s.secret.SetText("")
	s.keyID.SetText("")
	return k, true, nil
}

// ForgetKeys removes the keys from the keyring (off the UI thread).
func (s *Settings) ForgetKeys() {
	s.secret.SetText("")
	s.keyID.SetText("")
	go func() {
		err := s.u.core.ForgetKeys()
		s.u.do(func() {
			if err != nil {
				s.setError(localize(err))
				return
			}
			s.refreshKeyInfo()
			s.report.SetText(lang.L("Keys removed from the OS keyring."))
		})
	}()
}

// TestConnection checks the form's settings, with keys typed in the form
// tried from memory (they reach the keyring only with Save: Cancel leaves
// the stored ones as they were), and reports each item; the checks run
// off the UI thread.
func (s *Settings) TestConnection() {
	c, err := s.Config()
	if err != nil {
		s.setInvalid(err)
		return
	}
	var typed *app.Keys
	if k, ok, err := s.keys(); err != nil {
		s.setError(localize(err))
		return
	} else if ok && c.Target == app.TargetS3 && c.Credentials == app.CredsKeyring {
		typed = &k
	}
	s.setError("")
	s.report.SetText(lang.L("Testing…"))
	s.test.Disable()
	go func() {
		r := s.u.core.TestConnection(context.Background(), c, typed)
		s.u.do(func() {
			s.test.Enable()
			s.report.SetText(FormatReport(r))
		})
	}()
}

// FormatReport renders a connection report, one line per item.
func FormatReport(r app.CheckReport) string {
	var b strings.Builder
	for _, it := range r.Items() {
		mark := "✗"
		switch {
		case it.OK:
			mark = "✓"
		case it.Skipped:
			mark = "–"
		}
		detail := it.Detail
		if it.Err != nil {
			detail = localize(it.Err)
		}
		fmt.Fprintf(&b, "%s %s: %s\n", mark, lang.L(it.Label), detail)
	}
	return strings.TrimSpace(b.String())
}

// ShowSettings opens the settings dialog. Save keeps it open until the
// new settings are in effect; if they cannot be, the form stays as typed
// and says why.
func (u *UI) ShowSettings() {
	if _, ok := u.dialog.(*dialog.CustomDialog); ok && u.settings != nil {
		return // already open: Ctrl+, again does not stack a second one
	}
	s := NewSettings(u)
	var d *dialog.CustomDialog
	var save *widget.Button
	cancel := widget.NewButton(lang.L("Cancel"), func() { d.Hide() })
	save = widget.NewButton(lang.L("Save"), func() {
		save.Disable()
		err := s.Save(func(err error) {
			save.Enable()
			if err == nil {
				d.Hide()
			}
		})
		if err != nil {
			save.Enable()
		}
	})
	save.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons(lang.L("Settings"), s.Content, u.w)
	d.SetButtons([]fyne.CanvasObject{cancel, save})
	s.dlg = d
	u.showDialog(d, fyne.NewSize(680, 620))
	u.settings = s
	prev := u.dialog
	d.SetOnClosed(func() {
		u.settings = nil
		if u.dialog == prev {
			u.dialog = nil
		}
	})
}

// setInvalid shows what is wrong in the form at its top; the line then
// follows the fixes as they are typed (recheck).
func (s *Settings) setInvalid(err error) {
	s.setError(err.Error())
	s.invalidShown = true
}

// recheck, after Save or Test found the form wrong, says what is still
// wrong as fields change, and hides the line once nothing is: no red line
// left beside fields that are right now.
func (s *Settings) recheck() {
	if !s.invalidShown || s.errLbl == nil {
		return
	}
	if _, err := s.Config(); err != nil {
		s.errLbl.SetText(err.Error())
		return
	}
	s.setError("")
}

// setError shows msg at the top of the form ("" hides the line).
func (s *Settings) setError(msg string) {
	s.invalidShown = false
	s.errLbl.SetText(msg)
	if msg == "" {
		s.errLbl.Hide()
		return
	}
	s.errLbl.Show()
	// The line is atop the form: bring it in sight, wherever the form was
	// scrolled to (a Save failing for a field far below said nothing).
	if sc, ok := s.Content.(*container.Scroll); ok {
		sc.ScrollToTop()
	}
}
