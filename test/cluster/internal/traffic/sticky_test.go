package traffic

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// drainWithTail drains eu-west on a simulated clock, the tail set either from the start or while
// the simulator runs (as the ConfigMap does), and returns the drain's crossings after its start.
func drainWithTail(t *testing.T, sticky Sticky, atStart bool) map[string]time.Duration {
	t.Helper()
	cfg := Config{Regions: []string{"eu-west", "us-east", "ap-south"}, TTL: 10 * time.Second, Jitter: 0.5, Seed: 3}
	if atStart {
		cfg.Sticky = sticky
	}
	sim := New(cfg, nil)
	all := []Backend{{Weight: 100, ReadyEndpoints: 2}, {Weight: 100, ReadyEndpoints: 2}, {Weight: 100, ReadyEndpoints: 2}}
	now := time.Unix(0, 0)
	sim.SetBackends(now, all)
	run := func(d time.Duration) {
		for end := now.Add(d); now.Before(end); {
			now = now.Add(100 * time.Millisecond)
			sim.Step(now)
		}
	}
	run(20 * time.Second)
	if !atStart && !sim.SetSticky(now, sticky) {
		t.Fatal("SetSticky changed nothing")
	}
	if sim.SetSticky(now, sticky) {
		t.Fatal("setting the same tail again is a change")
	}
	run(time.Second)
	drained := append([]Backend(nil), all...)
	drained[0].Weight = 0
	start := now.Add(30 * time.Millisecond)
	sim.SetBackends(start, drained)
	run(sticky.For + 20*time.Second)
	d := sim.Truth().Regions["eu-west"]
	crossed := map[string]time.Duration{}
	for k, at := range d.Crossed {
		crossed[k] = at.Sub(start)
	}
	if truth := sim.Truth(); sticky.For > 0 && truth.StickyFraction != sticky.Fraction || truth.StickyForMs != sticky.For.Milliseconds() {
		t.Errorf("truth tail %v for %v ms, want %+v", truth.StickyFraction, truth.StickyForMs, sticky)
	}
	return crossed
}

// Sticky clients keep a drained region's traffic past every TTL: 99% is gone when the TTLs
// have run out, all of it only when the sticky answers have, up to Sticky.For later.
func TestStickyTail(t *testing.T) {
	sticky := Sticky{Fraction: 0.02, For: 40 * time.Second}
	for _, atStart := range []bool{true, false} {
		crossed := drainWithTail(t, sticky, atStart)
		t.Logf("tail from the start %v: %v", atStart, crossed)
		// A fiftieth of the clients, half gone by 20 s: a hundredth of the traffic is left then.
		if got := crossed["0.99"]; got < 14*time.Second || got > 23*time.Second {
			t.Errorf("99%% gone after %v, want about 20s", got)
		}
		if got := crossed["1"]; got < crossed["0.99"]+10*time.Second || got > sticky.For+1100*time.Millisecond {
			t.Errorf("all gone after %v: want the tail, up to %v and a window", got, sticky.For)
		}
	}
	// Without a tail, everything is gone within TTL x 1.5 and a window.
	if got := drainWithTail(t, Sticky{Fraction: 0.02}, true)["1"]; got > 16100*time.Millisecond {
		t.Errorf("all gone after %v without a sticky time", got)
	}
}

func TestParseSticky(t *testing.T) {
	got, err := ParseSticky(map[string]string{"stickyFraction": "0.01", "stickyFor": " 40s"})
	if err != nil || got != (Sticky{Fraction: 0.01, For: 40 * time.Second}) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if got, err := ParseSticky(nil); err != nil || got != (Sticky{}) {
		t.Fatalf("no data: %+v, %v", got, err)
	}
	for _, bad := range []map[string]string{{"stickyFraction": "2"}, {"stickyFraction": "x"}, {"stickyFor": "40"}, {"stickyFor": "-1s"}} {
		if _, err := ParseSticky(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// A client sends a request on the tick after each full credit, so with ticks a little shorter
// than nominal a window of ticks can miss its request: a region a client still holds is not all
// drained for that.
func TestDrainedOnlyOnceNoClientHoldsTheRegion(t *testing.T) {
	// The second client, not sticky, leaves at once and keeps the total defined.
	sim := New(Config{Regions: []string{"a", "b"}, Clients: 2, TTL: time.Second, Sticky: Sticky{Fraction: 0.5, For: 10 * time.Second}, Seed: 1}, nil)
	now := time.Unix(0, 0)
	sim.SetBackends(now, []Backend{{Weight: 1, ReadyEndpoints: 1}, {Weight: 0, ReadyEndpoints: 1}})
	step := func(d time.Duration, check func()) {
		for end := now.Add(d); now.Before(end); {
			now = now.Add(95 * time.Millisecond)
			sim.Step(now)
			check()
		}
	}
	step(3*time.Second, func() {})
	sim.SetBackends(now, []Backend{{Weight: 0, ReadyEndpoints: 1}, {Weight: 1, ReadyEndpoints: 1}})
	held := 0
	step(15*time.Second, func() {
		if testutil.ToFloat64(sim.clientsPer.WithLabelValues("a")) == 0 {
			return
		}
		held++
		if _, ok := sim.Truth().Regions["a"].Crossed["1"]; ok {
			t.Fatalf("all drained while the client still holds the region")
		}
	})
	if held < 30 {
		t.Fatalf("the client held the region only %d ticks after the drain", held)
	}
	if _, ok := sim.Truth().Regions["a"].Crossed["1"]; !ok {
		t.Fatal("not drained once the sticky answer expired")
	}
}
