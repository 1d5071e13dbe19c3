// A child's exit is seen by every waiter, Stop escalates to SIGKILL for a child that ignores
// SIGTERM, and FirstExit names the first child to go.
package child

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T, name, script string) *Process {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"state", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Start(dir, name, "/bin/sh", []string{"-c", script}, []string{"GREETING=hello"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(time.Second) })
	return p
}

func TestExitIsSeenByEveryWaiterAndLogged(t *testing.T) {
	p := start(t, "short", `echo "$GREETING from $PWD"; exit 3`)
	for range 2 {
		select {
		case <-p.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("no exit after 5s")
		}
	}
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "short exited: exit status 3") {
		t.Errorf("Err() = %v, want the exit status named", err)
	}
	log, err := os.ReadFile(p.Log)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(log)); !strings.HasPrefix(got, "hello from ") || !strings.HasSuffix(got, "/state") {
		t.Errorf("log %q: want the added environment and <dir>/state as working directory", got)
	}
}

func TestStopKillsAChildThatIgnoresSIGTERM(t *testing.T) {
	p := start(t, "stubborn", `trap '' TERM; while :; do sleep 0.05; done`)
	if p.Err() != nil {
		t.Fatal("exited before Stop")
	}
	time.Sleep(100 * time.Millisecond) // let the shell set its trap
	started := time.Now()
	p.Stop(200 * time.Millisecond)
	select {
	case <-p.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("still running 5s after Stop")
	}
	if waited := time.Since(started); waited < 200*time.Millisecond {
		t.Errorf("stopped after %s: SIGTERM should have been ignored for the 200ms timeout", waited)
	}
}

func TestFirstExitNamesTheFirstChildToGo(t *testing.T) {
	long := start(t, "long", "sleep 30")
	short := start(t, "short", "exit 0")
	select {
	case err := <-FirstExit(long, short):
		if !strings.Contains(err.Error(), "short exited") {
			t.Errorf("FirstExit = %v, want short", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no exit reported after 5s")
	}
	if long.Err() != nil {
		t.Error("long exited too")
	}
}
