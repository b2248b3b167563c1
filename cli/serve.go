package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/thumbdrop/thumbdrop/agent"
	"github.com/thumbdrop/thumbdrop/app"
)

// serveArgs are the serve command's arguments, with the default address.
const serveArgs = "[--addr " + app.DefaultLocalAddr + "] [--detach | --stop]"

// runServe: thumbdrop serve [--addr ADDR] [--detach | --stop]
func runServe(ctx context.Context, e Env, args []string) error {
	fs := newFlagSet("serve", serveArgs)
	addr := fs.String("addr", "", "where to serve local links (default: the local_addr setting, "+app.DefaultLocalAddr+"); loopback only")
	detach := fs.Bool("detach", false, "start the agent in the background (if none runs) and return")
	stop := fs.Bool("stop", false, "stop the running agent")
	rest, err := parseFlags(fs, e, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0:
		return usagef("serve takes no file arguments")
	case *detach && *stop:
		return usagef("use either --detach or --stop, not both")
	}
	if *addr != "" {
		if err := app.CheckLoopback(*addr); err != nil {
			return usagef("--addr: %v", err)
		}
	}
	d, err := app.ResolveDirs(e.Getenv)
	if err != nil {
		return err
	}
	switch {
	case *stop:
		was, err := agent.Stop(ctx, d)
		if err != nil {
			return err
		}
		if !was {
			// An agent whose data folder was deleted while it ran: no
			// lock leads to it, but it answers on the configured port.
			addr := *addr
			if addr == "" {
				if c, err := app.LoadConfig(d); err == nil {
					addr = c.LocalAddr
				}
			}
			if orphan, err := agent.StopOrphan(ctx, addr); orphan {
				if err != nil {
					return err
				}
				fmt.Fprintf(e.Stdout, "stopped an agent on %s whose data folder no longer exists\n", addr)
				return nil
			}
			fmt.Fprintln(e.Stdout, "no agent is running")
			return nil
		}
		fmt.Fprintln(e.Stdout, "agent stopped; local links answer again once thumbdrop starts it (the app, any command that uses local mode, or 'thumbdrop serve')")
		return nil
	case *detach:
		if e.Executable == "" {
			return &app.Error{Kind: app.KindAgentNoExe}
		}
		if st, ok := agent.ReadState(d); ok {
			fmt.Fprintf(e.Stdout, "the agent already runs (pid %d): local links on http://%s\n", st.PID, st.Addr)
			return nil
		}
		var extra []string
		if *addr != "" {
			extra = []string{"--addr", *addr}
		}
		child, err := agent.Detach(d, e.Executable, extra...)
		if err != nil {
			return err
		}
		st, err := agent.WaitReady(ctx, d, child)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "agent running (pid %d): local links on http://%s%s\n", st.PID, st.Addr, picgoLine(st))
		return nil
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	err = agent.Run(ctx, agent.Options{Dirs: d, Addr: *addr, Version: e.Version, Log: log, Keyring: e.Keyring,
		Ready: func(st agent.State) {
			fmt.Fprintf(e.Stdout, "thumbdrop agent (pid %d): local links on http://%s%s; data in %s; stop with Ctrl+C or 'thumbdrop serve --stop'\n",
				st.PID, st.Addr, picgoLine(st), d.Data)
		}})
	child := e.Getenv("THUMBDROP_AGENT_CHILD") == "1"
	if errors.Is(err, agent.ErrRunning) {
		if child {
			return nil // started by Ensure while another won the race: fine
		}
		if st, ok := agent.ReadState(d); ok {
			return fmt.Errorf("an agent already runs (pid %d, http://%s); stop it with 'thumbdrop serve --stop'", st.PID, st.Addr)
		}
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	if err != nil && child {
		agent.ReportFailure(d, err) // for the process waiting for it to answer
	}
	return err
}

func picgoLine(st agent.State) string {
	if st.PicGoErr != "" {
		return "; the editors' upload API is not served: " + st.PicGoErr
	}
	if st.PicGo == "" {
		return ""
	}
	return ", editors' upload API on http://" + st.PicGo
}
