package traffic

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A drain on a simulated clock: the region's share falls as cached answers expire, the truth
// file records the crossings in order within the TTL bounds, and restoring resets the region.
func TestSimulatorDrainAndRestore(t *testing.T) {
	dir := t.TempDir()
	truthFile := filepath.Join(dir, "traffic-truth.json")
	reg := prometheus.NewRegistry()
	ttl := 10 * time.Second
	sim := New(Config{Regions: []string{"eu-west", "us-east", "ap-south"}, TTL: ttl, Jitter: 0.5, TruthFile: truthFile, Seed: 7}, reg)
	cfg := sim.Config()
	all := []Backend{{Weight: 100, ReadyEndpoints: 2}, {Weight: 100, ReadyEndpoints: 2}, {Weight: 100, ReadyEndpoints: 2}}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	sim.SetBackends(now, all)
	run := func(d time.Duration) {
		for end := now.Add(d); now.Before(end); {
			now = now.Add(cfg.Tick)
			sim.Step(now)
		}
	}
	run(30 * time.Second)

	total := 0.0
	for _, r := range cfg.Regions {
		v := testutil.ToFloat64(sim.requests.WithLabelValues(r))
		total += v
		if share := testutil.ToFloat64(sim.share.WithLabelValues(r)); math.Abs(share-1.0/3) > 0.06 {
			t.Errorf("%s share %.3f before the drain", r, share)
		}
	}
	// 2000 clients at 1 request/s for 30 s (the first tick sends nothing).
	if want := 2000.0 * 30; math.Abs(total-want) > want*0.01 {
		t.Errorf("%v requests, want about %v", total, want)
	}

	drained := all
	drained = append([]Backend(nil), drained...)
	drained[0].Weight = 0
	drainAt := now.Add(30 * time.Millisecond) // between two ticks, as an informer event is
	sim.SetBackends(drainAt, drained)
	run(25 * time.Second)

	truth := readTruth(t, truthFile)
	d, ok := truth.Regions["eu-west"]
	if !ok || len(truth.Regions) != 1 {
		t.Fatalf("truth regions %+v", truth.Regions)
	}
	if !d.DrainStartedAt.Equal(drainAt) || d.Reason != "weight 0" || math.Abs(d.ShareAtDrainStart-1.0/3) > 0.06 {
		t.Fatalf("drain record %+v", d)
	}
	prev := d.DrainStartedAt
	for _, p := range DefaultThresholds {
		at, ok := d.Crossed[ThresholdKey(p)]
		if !ok {
			t.Fatalf("threshold %v not crossed: %v", p, d.Crossed)
		}
		if at.Before(prev) {
			t.Fatalf("threshold %v crossed at %v, before the previous one (%v)", p, at, prev)
		}
		prev = at
	}
	after := func(p float64) time.Duration { return d.Crossed[ThresholdKey(p)].Sub(drainAt) }
	for _, p := range DefaultThresholds {
		t.Logf("%v crossed after %v", p, after(p))
	}
	// Every cached answer expires within TTL x 1.5; the window then needs one more window to empty.
	if limit := time.Duration(1.5*float64(ttl)) + cfg.Window + cfg.Tick; after(1) > limit {
		t.Errorf("drained after %v, later than %v", after(1), limit)
	}
	// Half of the answers outlive TTL/2 (residual life of a uniform TTL in [TTL/2, 3TTL/2]),
	// plus about half a window of measuring lag.
	if got := after(0.5); got < 4*time.Second || got > 7*time.Second {
		t.Errorf("half drained after %v, want about 5.5s", got)
	}
	if got := testutil.ToFloat64(sim.share.WithLabelValues("eu-west")); got != 0 {
		t.Errorf("share after the drain %v", got)
	}
	if got := testutil.ToFloat64(sim.unrouted); got != 0 {
		t.Errorf("%v unrouted requests", got)
	}

	restoreAt := now.Add(10 * time.Millisecond)
	sim.SetBackends(restoreAt, all)
	truth = readTruth(t, truthFile)
	if len(truth.Regions) != 0 || len(truth.History) != 1 || !truth.History[0].RestoredAt.Equal(restoreAt) {
		t.Fatalf("after restore: %+v", truth)
	}
	run(3 * time.Second)
	if got := testutil.ToFloat64(sim.share.WithLabelValues("eu-west")); got <= 0 {
		t.Errorf("share after the restore %v", got)
	}
	if truth.TTLMs != 10000 || truth.WindowMs != 1000 || truth.TickMs != 100 {
		t.Errorf("truth settings %+v", truth)
	}
}

// With no region eligible, requests find no region and count as unrouted; they come back once a
// region is eligible again (after the negative TTL at most).
func TestSimulatorNoEligibleRegion(t *testing.T) {
	sim := New(Config{Regions: []string{"a", "b"}, Clients: 100, TTL: 2 * time.Second, Seed: 1}, nil)
	now := time.Unix(0, 0)
	sim.SetBackends(now, []Backend{{Weight: 1, ReadyEndpoints: 1}, {Weight: 1}})
	step := func(n int) {
		for range n {
			now = now.Add(100 * time.Millisecond)
			sim.Step(now)
		}
	}
	if got := sim.ServingRegions(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("serving regions %v, want [a]: b has no ready endpoint", got)
	}
	step(10)
	if got := testutil.ToFloat64(sim.requests.WithLabelValues("b")); got != 0 {
		t.Fatalf("b has no ready endpoint but got %v requests", got)
	}
	sim.SetBackends(now, []Backend{{Weight: 1}, {Weight: 1}})
	if got := sim.ServingRegions(); len(got) != 0 {
		t.Fatalf("serving regions %v with every region down", got)
	}
	step(40)
	if got := testutil.ToFloat64(sim.unrouted); got == 0 {
		t.Fatal("no unrouted request with every region down")
	}
	if got := sim.Truth().Regions["a"].Crossed["1"]; got.IsZero() {
		t.Fatal("a not fully drained")
	}
	before := testutil.ToFloat64(sim.requests.WithLabelValues("b"))
	sim.SetBackends(now, []Backend{{Weight: 1}, {Weight: 1, ReadyEndpoints: 3}})
	step(20)
	if got := testutil.ToFloat64(sim.requests.WithLabelValues("b")) - before; got < 100 {
		t.Fatalf("b got only %v requests after it became eligible", got)
	}
}

func readTruth(t *testing.T, path string) Truth {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var truth Truth
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	return truth
}
