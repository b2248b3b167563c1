// Package assets holds thumbdrop's bundled resources: the icon and the
// translations (English and Korean).
package assets

import (
	"embed"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the app icon.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

//go:embed translations
var translations embed.FS

var once sync.Once

// LoadTranslations registers the bundled translations with Fyne, which
// picks one from the system locale.
func LoadTranslations() {
	once.Do(func() {
		if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
			fyne.LogError("load translations", err)
		}
	})
}
