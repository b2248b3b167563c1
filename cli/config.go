package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/thumbdrop/thumbdrop/app"
)

// runConfig: config show [--json] | config set KEY VALUE
func runConfig(ctx context.Context, e Env, args []string) error {
	const usage = "usage: thumbdrop config show [--json] | config set KEY VALUE | config reset"
	if len(args) == 0 {
		return usagef(usage)
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprintln(e.Stdout, usage)
			fmt.Fprintln(e.Stdout, "\nSettings (config set KEY VALUE):")
			for _, f := range app.Fields() {
				fmt.Fprintf(e.Stdout, "  %-16s %s\n", f.Key, f.Help)
			}
			return nil
		}
	}
	switch args[0] {
	case "reset":
		if len(args) > 1 {
			return usagef("config reset takes no arguments")
		}
		d, err := app.ResolveDirs(e.Getenv)
		if err != nil {
			return err
		}
		aside, err := app.ResetConfig(d)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "settings reset to the defaults; the old file is %s\n", aside)
		return nil
	case "show":
		fs := newFlagSet("config show", "[--json]")
		asJSON := fs.Bool("json", false, "print JSON")
		rest, err := parseFlags(fs, e, args[1:])
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return usagef("config show takes no arguments (%q); 'config set KEY VALUE' changes a setting", rest[0])
		}
		core, err := openCore(ctx, e)
		if err != nil {
			return err
		}
		defer core.Close()
		c := core.Config()
		if *asJSON {
			enc := json.NewEncoder(e.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(c)
		}
		for _, f := range app.Fields() {
			fmt.Fprintf(e.Stdout, "%-16s %s\n", f.Key, f.Get(&c))
		}
		d := core.Dirs()
		fmt.Fprintf(e.Stdout, "%-16s %s\n%-16s %s\n", "(config file)", d.ConfigFile(), "(data folder)", d.Data)
		return nil
	case "set":
		if len(args) != 3 {
			return usagef("usage: thumbdrop config set KEY VALUE")
		}
		if strings.Contains(strings.ToLower(args[1]), "secret") {
			return usagef("secrets are never stored in the config; use 'thumbdrop login'")
		}
		core, err := openCore(ctx, e)
		if err != nil {
			return err
		}
		defer core.Close()
		if err := core.Set(args[1], args[2]); err != nil {
			return usagef("%v", err)
		}
		return nil
	}
	return usagef("unknown config action %q: use show, set or reset", args[0])
}
