package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/thumbdrop/thumbdrop/app"
)

const importArgs = "[--json] picgo|piclist|sharex|upic PATH"

// runImport: thumbdrop import [--json] APP PATH — another uploader's
// gallery into the history, links kept as they are.
func runImport(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("import", importArgs)
	asJSON := fs.Bool("json", false, "print what the import did as JSON")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || len(rest) > 2 {
		return usagef("import takes an app and a file: %s %s", programName, "import "+importArgs)
	}
	a := app.ImportApp(strings.ToLower(rest[0]))
	if !a.Valid() {
		return usagef("import: unknown app %q; it takes picgo, piclist, sharex or upic", rest[0])
	}
	if len(rest) == 1 {
		return usagef("import %s: which file? %s's is %s", a, a.Name(), app.FixText(app.ImportFiles(a)))
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	// Said on stderr at most twice a second, once the import has taken
	// half a second (a small gallery is imported before then).
	last, shown := time.Now(), false
	progress := func(p app.ImportProgress) {
		if *asJSON || time.Since(last) < 500*time.Millisecond {
			return
		}
		last, shown = time.Now(), true
		if p.Total == 0 {
			fmt.Fprintf(e.Stderr, "\rimporting: %d items read", p.Read)
		} else {
			fmt.Fprintf(e.Stderr, "\rimporting: %d of %d pictures written", p.Written, p.Total)
		}
	}
	rep, err := core.Import(ctx, a, rest[1], progress)
	if shown {
		fmt.Fprintln(e.Stderr)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(map[string]any{"app": string(rep.App), "file": rep.File, "format": rep.Format,
			"pictures": rep.Pictures, "new": rep.New, "updated": rep.Updated, "unchanged": rep.Unchanged,
			"no_link": rep.NoLink, "not_image": rep.NotImage, "elapsed_ms": rep.Elapsed.Milliseconds()})
	}
	fmt.Fprintf(e.Stdout, "imported %s's gallery %s (%s): %d pictures, %d new, %d updated, %d unchanged",
		rep.App.Name(), rep.File, rep.Format, rep.Pictures, rep.New, rep.Updated, rep.Unchanged)
	if rep.NoLink+rep.NotImage > 0 {
		fmt.Fprintf(e.Stdout, "; not imported: %d without a link, %d not a picture", rep.NoLink, rep.NotImage)
	}
	fmt.Fprintf(e.Stdout, ", in %s\n", rep.Elapsed.Round(time.Millisecond))
	if rep.Pictures > 0 {
		note(e, "'%s history' lists them; the window's gallery shows them under Imported. Their links stay as %s made them; deleting one in thumbdrop only forgets it", programName, rep.App.Name())
	}
	return nil
}
