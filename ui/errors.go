package ui

import (
	"errors"

	"fyne.io/fyne/v2/lang"

	"github.com/thumbdrop/thumbdrop/app"
)

// The core's errors are typed (*app.Error): a kind, the file, the parts
// of the sentence, the fix and the cause. The command line prints their
// English sentences; the window says them in the user's language by
// looking the kind up ("error.<kind>" in assets/translations), never by
// their wording, so rewording a message in app keeps its translation.
// The cause is said the same way, in turn; the English sentence is the
// fallback where a translation is missing.

// localize says err in the user's language.
func localize(err error) string {
	if err == nil {
		return ""
	}
	var e *app.Error
	if !errors.As(err, &e) {
		return err.Error() // not the core's: a library's own words
	}
	return e.Format(lang.X("error."+string(e.Kind), e.Template()), localize, localizeFix)
}

// localizeFix says a piece of advice in the user's language.
func localizeFix(f app.Fix) string { return lang.X("fix."+string(f), app.FixText(f)) }

// errorText is err, localized, as an error (for Fyne's validators, which
// show an error's text).
func errorText(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(localize(err))
}
