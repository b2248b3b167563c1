//go:build !linux

package main

import "fyne.io/fyne/v2"

// watchDragOver: no drag-over overlay here (Fyne has no drag-enter event).
func watchDragOver(fyne.Window, func(bool)) {}
