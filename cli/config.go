package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
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
			fmt.Fprintf(e.Stdout, "  %-16s %s\n", app.PicGoSecretName, picgoSecretHelp)
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
		secret := "(none: the editors' API takes requests without one)"
		if c.PicGoSecretSet {
			secret = "(set, in the OS keyring)"
		}
		fmt.Fprintf(e.Stdout, "%-16s %s\n", app.PicGoSecretName, secret)
		d := core.Dirs()
		fmt.Fprintf(e.Stdout, "%-16s %s\n%-16s %s\n", "(config file)", d.ConfigFile(), "(data folder)", d.Data)
		return nil
	case "set":
		if len(args) != 3 {
			return usagef("usage: thumbdrop config set KEY VALUE")
		}
		if args[1] == app.PicGoSecretName {
			return setPicGoSecret(ctx, e, args[2])
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

const picgoSecretHelp = "the secret editors must send to the upload API (PicGo 2's secret, PicList's key), kept in the OS keyring; " +
	"'-' reads it from stdin, \"\" removes it"

// setPicGoSecret: config set picgo_secret SECRET | - | ""
func setPicGoSecret(ctx context.Context, e Env, v string) error {
	if v == "-" {
		sc := bufio.NewScanner(io.LimitReader(e.Stdin, 64<<10))
		if !sc.Scan() {
			return usagef("config set picgo_secret -: no secret on stdin")
		}
		v = sc.Text()
	}
	if v = strings.TrimSpace(v); v != "" {
		if err := app.CheckPicGoSecret(v); err != nil {
			return usagef("%v", err)
		}
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	if err := core.SetPicGoSecret(ctx, v); err != nil {
		return err
	}
	if v == "" {
		fmt.Fprintln(e.Stdout, "picgo_secret removed: the editors' upload API takes requests without a secret")
		return nil
	}
	fmt.Fprintf(e.Stdout, "picgo_secret stored in %s: editors must send it (Authorization: Bearer, X-PicGo-Secret, ?secret= or ?key=)\n", core.KeyringName())
	return nil
}
