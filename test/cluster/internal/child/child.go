// Package child starts the sandbox's child processes (the control plane's binaries, Prometheus,
// Velero and its object store) one way: output to <dir>/logs/<name>.log, working directory
// <dir>/state, killed with the supervisor however it dies (Pdeathsig), their exit reported once,
// and stopped with SIGTERM, then SIGKILL after a timeout. It also picks free loopback ports.
package child

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Process is a running child.
type Process struct {
	// Name names the process in errors and its log file.
	Name string
	// Log is the file its standard output and error go to.
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start runs bin with args; env, when not nil, is added to the supervisor's environment.
func Start(dir, name, bin string, args, env []string) (*Process, error) {
	logFile := filepath.Join(dir, "logs", name+".log")
	log, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = filepath.Join(dir, "state")
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, Log: logFile, cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		p.err = fmt.Errorf("%s exited: %v (see %s)", name, err, logFile)
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id, for the pid file.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has stopped, for any number of waiters.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err says why the process stopped, or nil while it runs.
func (p *Process) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// FirstExit reports the first of the processes to exit.
func FirstExit(processes ...*Process) <-chan error {
	ch := make(chan error, len(processes))
	for _, p := range processes {
		go func() {
			<-p.Done()
			ch <- p.Err()
		}()
	}
	return ch
}

// Signal sends sig to the process (the fault injection pauses and resumes the apiserver).
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM and waits for the exit, killing the process after timeout. A paused
// (SIGSTOP) process is resumed first, or it could not act on SIGTERM.
func (p *Process) Stop(timeout time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
	}
}

// FreePorts returns n distinct ports free on 127.0.0.1 right now.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
