package ui

import (
	"fmt"
	"regexp"
	"strings"

	"fyne.io/fyne/v2/lang"
)

// The core speaks English in its errors (the CLI prints them as they are);
// the window says them in the user's language. Each pattern matches one of
// the core's sentences; its template, translated, is filled with what the
// pattern captured (a file name, a reason). In English the template gives
// back the sentence as it was.
var errorPatterns = []struct {
	re       *regexp.Regexp
	template string
}{
	{regexp.MustCompile(`^(.+) is not an image thumbdrop can use \((.+)\); nothing uploaded$`), "%[1]s is not an image thumbdrop can use (%[2]s); nothing uploaded"},
	{regexp.MustCompile(`^(.+) is not an image \((.+)\)$`), "%[1]s is not an image (%[2]s)"},
	{regexp.MustCompile(`^(.+) is empty \(0 bytes\); nothing uploaded$`), "%[1]s is empty (0 bytes); nothing uploaded"},
	{regexp.MustCompile(`^(.+) is empty \(0 bytes\)$`), "%[1]s is empty (0 bytes)"},
	{regexp.MustCompile(`^(.+): cannot open it \((.+)\)$`), "%[1]s: cannot open it (%[2]s)"},
	{regexp.MustCompile(`^(.+): the folder holds no images$`), "%[1]s: the folder holds no images"},
	{regexp.MustCompile(`^(.+) is a folder; drop the images inside it$`), "%[1]s is a folder; drop the images inside it"},
	{regexp.MustCompile(`^(.+) is not a regular file \(a folder, a pipe or a device\)$`), "%[1]s is not a regular file (a folder, a pipe or a device)"},
	{regexp.MustCompile(`^(.+) is not a regular file \(a pipe or a device\); nothing uploaded$`), "%[1]s is not a regular file (a pipe or a device); nothing uploaded"},
	{regexp.MustCompile(`^not connected \((.+)\); check Settings or 'thumbdrop config show'$`), "not connected (%[1]s); check Settings"},
	{regexp.MustCompile(`^(?:the agent did not start: )?local links: (.+) is already in use by another program; pick another port with '(.+)'$`),
		"local links: %[1]s is already in use by another program; pick another port with '%[2]s'"},
	{regexp.MustCompile(`^(.+) was uploaded on (\S+), before copies were made: to have them, delete it and upload it again$`),
		"%[1]s was uploaded on %[2]s, before copies were made: to have them, delete it and upload it again"},
	{regexp.MustCompile(`^no thumbnail will be made: (.+)$`), "no thumbnail will be made: %[1]s"},
	{regexp.MustCompile(`^no thumbnail: (.+)$`), "no thumbnail: %[1]s"},
	{regexp.MustCompile(`^(.+) changed while it was uploading \((.+) before, (.+) now\); nothing was kept: upload it again once it is complete$`),
		"%[1]s changed while it was uploading (%[2]s before, %[3]s now); nothing was kept: upload it again once it is complete"},
	{regexp.MustCompile(`^(?:.+: )?no thumbnail appeared within (\S+): no resize function seems to be deployed for this bucket \(see deploy/README.md\); the original's link works$`),
		"no thumbnail appeared within %[1]s: no resize function seems to be deployed for this bucket (see deploy/README.md); the original's link works"},
}

// errorPhrases are parts of sentences (the storage layer's kinds, the
// pipeline's refusals) translated wherever they appear.
var errorPhrases = []string{
	"the storage server stopped answering; trying again",
	"the storage server stopped answering",
	"the storage server failed",
	"the storage server cannot be reached",
	"check the endpoint and your network",
	"the access key or secret is wrong",
	"access denied",
	"no such bucket",
	"no such object",
	"an object with that key already exists",
	"no credentials",
	"no OS keyring is available",
	"not an image",
	"file too large",
	"too many pixels",
	"corrupt image",
	"empty file",
	"too much memory to decode",
	"the disk is full",
	"HEIC or AVIF", // the end of the list of formats
	"the same picture is being uploaded by another thumbdrop; waiting for it",
}

// localizeError says a core error message in the user's language.
func localizeError(msg string) string {
	for _, p := range errorPatterns {
		if m := p.re.FindStringSubmatch(msg); m != nil {
			args := make([]any, len(m)-1)
			for i, g := range m[1:] {
				args[i] = localizePhrases(g)
			}
			return fmt.Sprintf(lang.L(p.template), args...)
		}
	}
	return localizePhrases(msg)
}

func localizePhrases(s string) string {
	for _, ph := range errorPhrases {
		if strings.Contains(s, ph) {
			s = strings.ReplaceAll(s, ph, lang.L(ph))
		}
	}
	return s
}
