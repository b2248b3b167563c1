package cli

import (
	"context"
	"fmt"

	"github.com/thumbdrop/thumbdrop/app"
)

// runDelete: thumbdrop delete KEY|URL...
func runDelete(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("delete", "KEY|URL...")
	refs, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if len(refs) == 0 {
		return usagef("delete needs the key or link of an upload")
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	failed := false
	for _, ref := range refs {
		r, err := core.Delete(ctx, ref)
		if err != nil {
			fail(e, "%v", err)
			failed = true
			continue
		}
		if from, ok := app.Imported(r); ok {
			fmt.Fprintf(e.Stdout, "forgot %s (imported from %s: the picture stays where %s put it)\n", r.URL, from, from)
			continue
		}
		fmt.Fprintf(e.Stdout, "deleted %s and every copy made from it\n", r.Key)
	}
	if failed {
		return errReported
	}
	return nil
}
