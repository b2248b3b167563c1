package ui

import (
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// hangulFonts are where Korean faces with a real bold weight live: Nanum
// Gothic from Debian/Ubuntu's fonts-nanum (the package the install script
// adds) and other distributions' paths.
var hangulFonts = [][2]string{
	{"/usr/share/fonts/truetype/nanum/NanumGothic.ttf", "/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"},
	{"/usr/share/fonts/nanum/NanumGothic.ttf", "/usr/share/fonts/nanum/NanumGothicBold.ttf"},
	{"/usr/share/fonts/naver-nanum/NanumGothic.ttf", "/usr/share/fonts/naver-nanum/NanumGothicBold.ttf"},
}

// koreanTheme draws text in Nanum Gothic, regular and bold: Fyne's own
// font has no Hangul, and its fallback to system fonts takes one regular
// face for every style, so a bold label mixes bold Latin with regular
// Hangul. Nanum Gothic has Latin too: bold labels are bold throughout.
type koreanTheme struct {
	fyne.Theme
	regular, bold fyne.Resource
}

// koreanFonts wraps base with Nanum Gothic when the user's language is
// Korean and the fonts are installed; ok is false otherwise.
func koreanFonts(base fyne.Theme) (fyne.Theme, bool) {
	if !strings.HasPrefix(lang.SystemLocale().LanguageString(), "ko") {
		return base, false
	}
	for _, pair := range hangulFonts {
		reg, err1 := os.ReadFile(pair[0])
		bold, err2 := os.ReadFile(pair[1])
		if err1 == nil && err2 == nil {
			return &koreanTheme{Theme: base,
				regular: fyne.NewStaticResource("NanumGothic.ttf", reg),
				bold:    fyne.NewStaticResource("NanumGothicBold.ttf", bold)}, true
		}
	}
	return base, false
}

func (t *koreanTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace, s.Symbol:
		return t.Theme.Font(s)
	case s.Bold:
		return t.bold
	}
	return t.regular
}
