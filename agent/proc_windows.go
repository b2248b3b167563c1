//go:build windows

package agent

import (
	"os"
	"os/exec"
	"syscall"
)

const detachedProcess = 0x00000008

func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP | detachedProcess}
}

func terminate(p *os.Process) { p.Kill() }

func processAlive(p *os.Process) bool {
	_, err := os.FindProcess(p.Pid)
	return err == nil
}
