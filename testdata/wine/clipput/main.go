// Command clipput (Windows, test only) puts a PNG on the Windows clipboard
// as a screenshot tool does (a bitmap, CF_DIBV5) and keeps it there until
// its stdin closes: wine_test.go's clipboard test reads it back with
// `thumbdrop upload --clipboard`.
package main

import (
	"fmt"
	"io"
	"os"

	"golang.design/x/clipboard"
)

func main() {
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := clipboard.Init(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clipboard.Write(clipboard.FmtImage, b)
	fmt.Println("on the clipboard")
	io.Copy(io.Discard, os.Stdin)
}
