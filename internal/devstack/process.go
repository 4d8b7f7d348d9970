package devstack

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a child process the dev stack started.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// start runs name with args, its output going to out: in a process group of its own,
// so that Stop reaches its children too, and sent SIGTERM by the kernel if we die
// without stopping it (killed -9), so that it never outlives us.
func start(name string, out io.Writer, path string, args ...string) (*Process, error) {
	return StartProcess(name, out, nil, path, args...)
}

// StartProcess is start with env added to this process's environment.
func StartProcess(name string, out io.Writer, env []string, path string, args ...string) (*Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Name is what the process was started as.
func (p *Process) Name() string { return p.name }

// Pid is the process's id (the leader of its group), for reading its figures in /proc.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process's group: SIGKILL to crash it, SIGSTOP and SIGCONT
// to freeze and thaw it.
func (p *Process) Signal(sig syscall.Signal) error { return syscall.Kill(-p.cmd.Process.Pid, sig) }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.done }

// Stop asks the process group to end (SIGINT), and kills it after grace.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	return p.exitErr()
}

func (p *Process) exitErr() error {
	var exit *exec.ExitError
	if errors.As(p.err, &exit) && !exit.Exited() {
		return nil // ended by our signal
	}
	return p.err
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
