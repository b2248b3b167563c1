package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/thumbdrop/thumbdrop/app"
)

// runLogin reads an access key id and secret from the terminal (secret
// not echoed) or as two lines on stdin, and stores them in the keyring.
func runLogin(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("login", "")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("login takes no arguments: keys are read from the prompt or stdin, never from the command line")
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	var k app.Keys
	if f, ok := e.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.Stderr, "AWS access key id: ")
		line, _ := bufio.NewReader(f).ReadString('\n')
		k.AccessKeyID = strings.TrimSpace(line)
		fmt.Fprint(e.Stderr, "AWS secret access key (not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.Stderr)
		if err != nil {
			return fmt.Errorf("cannot read the secret: %w", err)
		}
		k.SecretAccessKey = strings.TrimSpace(string(b))
	} else {
		sc := bufio.NewScanner(io.LimitReader(e.Stdin, 64<<10))
		var lines []string
		for sc.Scan() && len(lines) < 2 {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				lines = append(lines, l)
			}
		}
		if len(lines) < 2 {
			return usagef("login expects two lines on stdin: the access key id, then the secret access key")
		}
		k.AccessKeyID, k.SecretAccessKey = lines[0], lines[1]
	}
	if err := core.SaveKeys(k); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "keys for %s stored in %s\n", k.AccessKeyID, core.KeyringName())
	if core.Config().Target == app.TargetLocal {
		fmt.Fprintln(e.Stdout, "the target is still local; 'thumbdrop config set target s3' and set bucket and region to use them")
	}
	return nil
}

// runLogout removes the keys from the keyring.
func runLogout(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("logout", "")
	if _, err := parseFlags(fs, e, args); err != nil {
		return err
	}
	core, err := openCore(ctx, e)
	if err != nil {
		return err
	}
	defer core.Close()
	if err := core.ForgetKeys(); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "keys removed from %s\n", core.KeyringName())
	return nil
}
