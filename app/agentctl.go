package app

import (
	"context"
	"sync"
	"time"
)

// Agent is the per-user background process that serves local links and
// the editors' upload API. The composition root hands the core one
// (agent.Control); the core starts it when local links need it and says
// what it does through events.
type Agent interface {
	// Ensure makes sure it runs as c says (its ports), starting or
	// restarting it if need be, and says what it serves.
	Ensure(ctx context.Context, c Config) (AgentState, error)
	// Stop stops it, reporting whether one was running.
	Stop(ctx context.Context) (bool, error)
	// State says whether one runs, and what it serves.
	State() (AgentState, bool)
}

// AgentState is what a running agent serves.
type AgentState struct {
	PID int
	// Links is where local links are served (host:port).
	Links string
	// API is where the editors' upload API is served ("" when not).
	API string
	// APIErr is why the API is not served although it is on.
	APIErr error
}

// agentWatch is what the core knows of the agent.
type agentWatch struct {
	mu   sync.Mutex // one start or stop at a time
	seen time.Time  // when it was last found running (or started)

	// What it was last seen serving (refreshAgent) and why it could not
	// be started the last time it was tried, so that front ends ask
	// without I/O or waiting for a start.
	stMu    sync.Mutex
	err     error
	st      AgentState
	running bool
	known   bool
}

// refreshAgent looks at the agent's state and emits an Event with Agent
// set when it changed (started or stopped elsewhere, its API moved).
func (c *Core) refreshAgent() {
	if c.opt.Agent == nil {
		return
	}
	st, running := c.opt.Agent.State()
	w := &c.agent
	w.stMu.Lock()
	changed := !w.known || running != w.running || st.PID != w.st.PID || st.Links != w.st.Links || st.API != w.st.API ||
		(st.APIErr == nil) != (w.st.APIErr == nil)
	w.st, w.running, w.known = st, running, true
	w.stMu.Unlock()
	if changed {
		c.emit(Event{Agent: true})
	}
}

// agentOnOpen starts the agent as a local-mode session opens (in the
// background where Options.AgentInBackground says so).
func (c *Core) agentOnOpen(ctx context.Context, s *session) {
	if s.cfg.Target != TargetLocal || c.opt.Agent == nil {
		return
	}
	if !c.opt.AgentInBackground {
		c.ensureAgent(ctx, s.cfg)
		return
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		c.ensureAgent(c.life, s.cfg)
	}()
}

// ensureAgent starts the agent for cfg and says what happened in an
// event. It returns why it could not start.
func (c *Core) ensureAgent(ctx context.Context, cfg Config) error {
	c.agent.mu.Lock()
	_, err := c.opt.Agent.Ensure(ctx, cfg)
	if ctx.Err() != nil {
		c.agent.mu.Unlock()
		return ctx.Err() // canceled: says nothing of the agent
	}
	if err == nil {
		c.agent.seen = time.Now()
	} else {
		c.log.Warn("the local agent did not start; local links work only while it runs", "err", err.Error())
	}
	c.agent.mu.Unlock()
	c.agent.stMu.Lock()
	c.agent.err = err
	c.agent.stMu.Unlock()
	c.refreshAgent()
	c.emit(Event{Agent: true})
	return err
}

// keepAgent makes sure, before a local upload, that the agent serving
// its links runs: it may have been stopped (Settings, 'serve --stop')
// since the session opened. Starting one that runs costs a heartbeat.
// None within Options.AgentRecheck of the last success, and always with
// the settings in effect now.
func (c *Core) keepAgent(ctx context.Context, s *session) {
	if s.cfg.Target != TargetLocal || c.opt.Agent == nil {
		return
	}
	c.agent.mu.Lock()
	recent := time.Since(c.agent.seen) < c.opt.AgentRecheck
	c.agent.mu.Unlock()
	if recent {
		return
	}
	if cfg := c.Config(); cfg.Target == TargetLocal {
		c.ensureAgent(ctx, cfg)
	}
}

// StartAgent starts the local agent with the settings in effect (Settings'
// Start agent).
func (c *Core) StartAgent(ctx context.Context) error {
	if c.opt.Agent == nil {
		return &Error{Kind: KindAgentNoExe}
	}
	return c.ensureAgent(ctx, c.Config())
}

// StopAgent stops the local agent: local links do not answer until the
// next local upload (or StartAgent) starts it again.
func (c *Core) StopAgent(ctx context.Context) error {
	if c.opt.Agent == nil {
		return nil
	}
	c.agent.mu.Lock()
	_, err := c.opt.Agent.Stop(ctx)
	c.agent.seen = time.Time{}
	c.agent.mu.Unlock()
	c.refreshAgent()
	return err
}

// AgentStatus says whether the local agent runs and what it serves, as
// last seen (a watched core looks every PollInterval; no I/O here, so the
// UI thread may ask), and why it could not be started the last time it
// was tried (nil: it was, or it was not tried). running is false also
// when this core has no agent to look after.
func (c *Core) AgentStatus() (st AgentState, running bool, startErr error) {
	if c.opt.Agent == nil {
		return AgentState{}, false, nil
	}
	w := &c.agent
	w.stMu.Lock()
	defer w.stMu.Unlock()
	return w.st, w.running, w.err
}

// HasAgent reports whether this core looks after a local agent.
func (c *Core) HasAgent() bool { return c.opt.Agent != nil }

// AgentErr is why the local agent could not be started the last time it
// was tried while the target is local mode: the links of local uploads do
// not answer until it runs. Nil on other targets.
func (c *Core) AgentErr() error {
	if c.Config().Target != TargetLocal {
		return nil
	}
	c.agent.stMu.Lock()
	defer c.agent.stMu.Unlock()
	return c.agent.err
}
