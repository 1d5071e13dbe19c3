package traffic

import (
	"testing"
	"time"
)

func TestThresholdKeys(t *testing.T) {
	for p, want := range map[float64]string{0.5: "0.5", 0.9: "0.9", 0.99: "0.99", 1: "1"} {
		if got := ThresholdKey(p); got != want {
			t.Errorf("ThresholdKey(%v) = %q, want %q", p, got, want)
		}
	}
}

func TestTrackerRecordsEachCrossingOnce(t *testing.T) {
	tr := NewTracker(DefaultThresholds, 5)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	if !tr.Started("eu-west", t0, 0.4, "weight 0") {
		t.Fatal("drain not started")
	}
	if tr.Started("eu-west", at(0.5), 0.4, "no ready endpoints") {
		t.Fatal("a second cause must not restart a drain")
	}
	steps := []struct {
		s     float64
		share float64
		ok    bool
	}{
		{1, 0.39, true},
		{2, 0.2, true},   // exactly half of 0.4: 0.5 crosses
		{3, 0.05, true},  // above 0.04
		{4, 0, false},    // no request at all: undefined, nothing crosses
		{5, 0.04, true},  // a tenth: 0.9 crosses
		{6, 0.1, true},   // back up: nothing is undone
		{7, 0.003, true}, // below 0.004: 0.99 crosses
		{8, 0, true},     // none: 1 crosses
		{9, 0, true},
	}
	for _, s := range steps {
		tr.Observe(at(s.s), func(region string) (float64, bool) {
			if region != "eu-west" {
				t.Fatalf("observed %s", region)
			}
			return s.share, s.ok
		})
	}
	d := tr.Draining()["eu-west"]
	want := map[string]time.Time{"0.5": at(2), "0.9": at(5), "0.99": at(7), "1": at(8)}
	if len(d.Crossed) != len(want) {
		t.Fatalf("crossed %v", d.Crossed)
	}
	for k, v := range want {
		if !d.Crossed[k].Equal(v) {
			t.Errorf("crossed[%s] = %v, want %v", k, d.Crossed[k], v)
		}
	}
	if d.Reason != "weight 0" || d.ShareAtDrainStart != 0.4 || !d.DrainStartedAt.Equal(t0) {
		t.Errorf("record %+v", d)
	}

	// Restoring resets the region and keeps the drain in the history.
	if !tr.Restored("eu-west", at(10)) || tr.Restored("eu-west", at(11)) {
		t.Fatal("restore")
	}
	if len(tr.Draining()) != 0 {
		t.Fatal("restored region still draining")
	}
	h := tr.History()
	if len(h) != 1 || h[0].Region != "eu-west" || !h[0].RestoredAt.Equal(at(10)) || len(h[0].Crossed) != 4 {
		t.Fatalf("history %+v", h)
	}
}

func TestTrackerSeveralThresholdsAtOnceAndZeroStartShare(t *testing.T) {
	tr := NewTracker(DefaultThresholds, 1)
	t0 := time.Unix(1000, 0)
	tr.Started("a", t0, 0.5, "weight 0")
	tr.Started("b", t0, 0, "no ready endpoints")
	if got := len(tr.Draining()["b"].Crossed); got != 4 {
		t.Fatalf("a region without traffic is drained at once: %d crossings", got)
	}
	tr.Observe(t0.Add(time.Second), func(region string) (float64, bool) {
		if region == "a" {
			return 0.004, true // below 0.5, 0.1 and 0.01 of 0.5, not 0
		}
		return 0, true
	})
	a := tr.Draining()["a"]
	if len(a.Crossed) != 3 || !a.Crossed["0.99"].Equal(t0.Add(time.Second)) {
		t.Fatalf("crossed %v", a.Crossed)
	}
	if _, ok := a.Crossed["1"]; ok {
		t.Fatal("1 crossed with traffic left")
	}
	tr.Restored("a", t0.Add(2*time.Second))
	tr.Restored("b", t0.Add(3*time.Second))
	if h := tr.History(); len(h) != 1 || h[0].Region != "b" {
		t.Fatalf("history keeps the last one: %+v", h)
	}
}
