package cli

import (
	"context"
	"fmt"
)

// runCheck: thumbdrop check — what Settings' Test connection says: the
// credentials, the bucket, an upload, the resize function and what it
// makes, an S3-compatible endpoint's quirks, public links. Exit 1 if
// anything needs fixing.
func runCheck(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("check", "")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("check takes no arguments; it tests the saved settings ('thumbdrop config show')")
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	r := core.TestConnection(ctx, core.Config(), nil)
	ok := true
	for _, it := range r.Items() {
		mark := "ok  "
		switch {
		case it.Skipped:
			mark, ok = "skip", false
		case !it.OK:
			mark, ok = "FAIL", false
		}
		fmt.Fprintf(e.Stdout, "%s %s: %s\n", mark, it.Label, it.Detail)
	}
	if !ok {
		return errReported
	}
	return nil
}
