//go:build windows

package main

import (
	"os"

	"golang.org/x/sys/windows"

	"github.com/thumbdrop/thumbdrop/cli"
)

// thumbdrop.exe is built for the GUI subsystem (-H windowsgui): a double
// click opens the window and no console flashes up. Such a program gets no
// console of its own, so when a command is run from one (cmd, PowerShell,
// Windows Terminal) it takes the console it was started from and prints
// there, reading a prompt's answer from it too. A stream it was given
// already (redirected to a file or a pipe, as Typora's custom command and
// scripts do) is kept as it is.
//
// The window alone does not attach: a console it held on to would end it
// when closed, and its Ctrl+C would too.
//
// Windows' shells do not wait for a GUI program: cmd's prompt comes back
// at once and the output follows it. Batch files, pipes and
// `start /wait thumbdrop ...` wait for it.
func init() {
	args := os.Args[1:]
	if len(args) == 0 || (!cli.IsCommand(args[0]) && cli.CheckAppArgs(args) == nil) {
		return
	}
	attachParentConsole()
}

var attachConsole = windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")

func attachParentConsole() {
	streams := []struct {
		std  uint32
		name string
		file **os.File
	}{
		{windows.STD_INPUT_HANDLE, "CONIN$", &os.Stdin},
		{windows.STD_OUTPUT_HANDLE, "CONOUT$", &os.Stdout},
		{windows.STD_ERROR_HANDLE, "CONOUT$", &os.Stderr},
	}
	missing := false
	for _, s := range streams {
		if !usable(s.std) {
			missing = true
		}
	}
	if !missing {
		return
	}
	const attachParentProcess = ^uintptr(0) // (DWORD)-1
	if ok, _, _ := attachConsole.Call(attachParentProcess); ok == 0 {
		return // double-clicked, or started by a program without a console
	}
	for _, s := range streams {
		if usable(s.std) {
			continue
		}
		name, _ := windows.UTF16PtrFromString(s.name)
		h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE,
			windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, nil, windows.OPEN_EXISTING, 0, 0)
		if err != nil {
			continue
		}
		windows.SetStdHandle(s.std, h)
		*s.file = os.NewFile(uintptr(h), s.name)
	}
}

// usable: the standard handle is open on something (a file, a pipe, a
// console this process is attached to).
func usable(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	if err != nil || h == 0 || h == windows.InvalidHandle {
		return false
	}
	t, err := windows.GetFileType(h)
	return err == nil && t != windows.FILE_TYPE_UNKNOWN
}
