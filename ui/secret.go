package ui

import (
	"context"
	"fmt"
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// secretForm is the part of Settings for the editors' API secret
// (picgo_secret): typed or generated, stored in the OS keyring at Save
// (never in the config), removed at once with Remove; and where editors
// take it.
type secretForm struct {
	u      *UI
	entry  *widget.Entry
	status *widget.Label
	where  *widget.Label
	gen    *widget.Button
	copy   *widget.Button
	remove *widget.Button
	box    fyne.CanvasObject
}

func newSecretForm(u *UI) *secretForm {
	f := &secretForm{u: u}
	f.entry = widget.NewPasswordEntry()
	f.entry.SetPlaceHolder(lang.L("type one, or Generate"))
	f.entry.Validator = func(v string) error {
		if v == "" {
			return nil
		}
		return errorText(app.CheckPicGoSecret(v))
	}
	f.entry.OnChanged = func(string) { f.refresh() }
	f.status = widget.NewLabel("")
	f.status.Wrapping = fyne.TextWrapWord
	f.where = widget.NewLabel("")
	f.where.Wrapping = fyne.TextWrapBreak
	f.where.TextStyle = fyne.TextStyle{Monospace: true}
	f.gen = widget.NewButton(lang.L("Generate"), f.Generate)
	f.copy = widget.NewButton(lang.L("Copy upload address"), func() {
		if a := f.address("upload"); a != "" {
			u.copyText(lang.L("the upload address"), a)
		}
	})
	f.remove = widget.NewButton(lang.L("Remove secret"), f.Remove)
	f.refresh()
	f.box = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(f.gen, f.copy, f.remove), f.entry), f.status, f.where)
	return f
}

// refresh says whether a secret is set (the config says so: no keyring
// I/O on the UI thread).
func (f *secretForm) refresh() {
	set := f.u.core.Config().PicGoSecretSet
	switch {
	case f.entry.Text != "" && f.entry.Validate() == nil:
		// Typed or generated, not yet stored: say what Save will do, not
		// "no secret" beside the one just made.
		f.status.SetText(lang.L("Save stores this secret in the OS keyring; from then on editors must send it."))
	case set:
		f.status.SetText(lang.L("A secret is set (in the OS keyring): editors must send it. Type or generate another to replace it."))
	default:
		f.status.SetText(lang.L("No secret: any program on this computer can upload through the editors' API."))
	}
	if set {
		f.remove.Show()
	} else {
		f.remove.Hide()
	}
	f.showWhere()
}

// Generate puts a new random secret in the entry, shown, for the user to
// paste into the editors; Save stores it.
func (f *secretForm) Generate() {
	f.entry.Password = false
	f.entry.SetText(app.NewPicGoSecret())
	f.entry.Refresh()
}

// address is the editors' API address of path with the typed secret in
// PicList's ?key= (which Obsidian's and VS Code's plugins pass along as
// they are), "" when the API is off.
func (f *secretForm) address(path string) string {
	api := f.u.core.Config().PicGoServer
	if api == "off" || api == "" {
		return ""
	}
	a := "http://" + api + "/" + path
	key := f.entry.Text
	if key == "" {
		if !f.u.core.Config().PicGoSecretSet {
			return a
		}
		key = "SECRET"
	}
	return a + "?key=" + url.QueryEscape(key)
}

// showWhere says where each editor takes the secret.
func (f *secretForm) showWhere() {
	up := f.address("upload")
	if up == "" {
		f.where.SetText(lang.L("The editors' upload API is off (picgo_server off)."))
		f.copy.Hide()
		return
	}
	f.copy.Show()
	f.where.SetText(fmt.Sprintf(lang.L("Obsidian, Image Auto Upload: PicGo server upload address %s, delete address %s\nVS Code, vs-PicList: piclist.uploadAPIUrl %s, piclist.deleteAPIUrl %s\nTypora: its PicGo uploaders send no secret: choose Custom Command, thumbdrop upload --format url\nOther PicGo 2 clients: the header Authorization: Bearer SECRET"),
		up, f.address("delete"), up, f.address("delete")))
}

// take validates the typed secret and empties the entry: from here on it
// lives in the returned value, then in the keyring.
func (f *secretForm) take() (string, error) {
	v := f.entry.Text
	if v == "" {
		return "", nil
	}
	if err := app.CheckPicGoSecret(v); err != nil {
		return "", err
	}
	f.entry.SetText("")
	f.entry.Password = true
	f.entry.Refresh()
	return v, nil
}

// Remove removes the secret (off the UI thread): the API takes requests
// without one again.
func (f *secretForm) Remove() {
	f.remove.Disable()
	go func() {
		err := f.u.core.SetPicGoSecret(context.Background(), "")
		f.u.do(func() {
			f.remove.Enable()
			if err != nil {
				f.status.SetText(localize(err))
				return
			}
			f.refresh()
		})
	}()
}
