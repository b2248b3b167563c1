package ui

import (
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/thumbdrop/thumbdrop/app"
)

// choice is a drop-down of a setting's values that shows each in words
// ("Keep the format", not "keep"); value and set speak the config's values.
type choice struct {
	*widget.Select
	values []string
}

// newChoice is a drop-down of values, shown by optionLabel; changed, if
// not nil, is told each change.
func newChoice(values []string, changed func()) *choice {
	labels := make([]string, len(values))
	for i, v := range values {
		labels[i] = optionLabel(v)
	}
	c := &choice{values: values}
	c.Select = widget.NewSelect(labels, func(string) {
		if changed != nil {
			changed()
		}
	})
	return c
}

// value is the config value of the chosen label ("" if none).
func (c *choice) value() string {
	if i := c.SelectedIndex(); i >= 0 {
		return c.values[i]
	}
	return ""
}

// set chooses value v (a value not offered chooses none).
func (c *choice) set(v string) {
	for i, x := range c.values {
		if x == v {
			c.SetSelectedIndex(i)
			return
		}
	}
	c.ClearSelected()
}

// optionLabel is the words a drop-down shows for a setting's value.
func optionLabel(v string) string {
	switch v {
	case app.OriginalKeep:
		return lang.L("Keep the format")
	case app.OriginalJPEG:
		return lang.L("Make JPEG")
	case app.OriginalWebP:
		return lang.L("Make WebP")
	case app.LinkPublic:
		return lang.L("Public links (lasting)")
	case app.LinkPresigned:
		return lang.L("Presigned links (expire)")
	case app.CredsKeyring:
		return lang.L("Keys below, in the OS keyring")
	case app.CredsAWS:
		return lang.L("The AWS CLI's profiles and SSO")
	}
	return lang.L(app.FormatLabel(v)) // a copy format
}
