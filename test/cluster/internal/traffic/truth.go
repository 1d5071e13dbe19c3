package traffic

import (
	"strconv"
	"time"
)

// DefaultThresholds are the drained fractions whose crossing times the ground truth records:
// 0.5 means half of the region's traffic is gone, 1 that all of it is.
var DefaultThresholds = []float64{0.5, 0.9, 0.99, 1}

// Drain is the ground truth of one drain of one region.
type Drain struct {
	Region string `json:"region,omitempty"`
	// DrainStartedAt is when the simulator saw the region stop being eligible: its route weight
	// became 0 or its Service lost its last ready endpoint.
	DrainStartedAt time.Time `json:"drainStartedAt"`
	// Reason says which: "weight 0", "no ready endpoints" or both.
	Reason string `json:"reason"`
	// ShareAtDrainStart is the region's share over the window that ended at the last tick before
	// the drain started.
	ShareAtDrainStart float64 `json:"shareAtDrainStart"`
	// Crossed maps a threshold p (formatted as "0.5", "0.9", "0.99", "1") to the end of the first
	// window, at or after DrainStartedAt, whose share is at most (1-p) x ShareAtDrainStart.
	Crossed map[string]time.Time `json:"crossed"`
	// RestoredAt is when the region became eligible again (only in the history).
	RestoredAt *time.Time `json:"restoredAt,omitempty"`
}

// Tracker records, per region, when a drain started and when the region's share crossed each
// threshold. It holds no clock: callers pass the times.
type Tracker struct {
	thresholds []float64
	keys       []string
	active     map[string]*Drain
	history    []Drain
	historyMax int
}

// NewTracker tracks the given thresholds (ascending, in (0, 1]) and keeps the last historyMax
// finished drains.
func NewTracker(thresholds []float64, historyMax int) *Tracker {
	t := &Tracker{thresholds: thresholds, active: map[string]*Drain{}, historyMax: historyMax}
	for _, p := range thresholds {
		t.keys = append(t.keys, ThresholdKey(p))
	}
	return t
}

// ThresholdKey formats a threshold the way the truth file names it: 0.5 -> "0.5", 1 -> "1".
func ThresholdKey(p float64) string { return strconv.FormatFloat(p, 'f', -1, 64) }

// Started records that region's drain started at the given time, when its share was share.
// A region already draining keeps its record (a second cause changes nothing). A region whose
// share at the start is 0 has crossed every threshold at once.
func (t *Tracker) Started(region string, at time.Time, share float64, reason string) bool {
	if _, ok := t.active[region]; ok {
		return false
	}
	d := &Drain{DrainStartedAt: at, Reason: reason, ShareAtDrainStart: share, Crossed: map[string]time.Time{}}
	t.active[region] = d
	t.observe(d, at, share)
	return true
}

// Restored ends region's drain: its record moves to the history, with the crossings it reached.
func (t *Tracker) Restored(region string, at time.Time) bool {
	d, ok := t.active[region]
	if !ok {
		return false
	}
	delete(t.active, region)
	done := *d
	done.Region = region
	done.RestoredAt = &at
	t.history = append(t.history, done)
	if len(t.history) > t.historyMax {
		t.history = t.history[len(t.history)-t.historyMax:]
	}
	return true
}

// Observe takes the shares over the window that ends at the given time; share returns false when
// a share is undefined (no request at all in the window). It reports whether a crossing was
// recorded.
func (t *Tracker) Observe(at time.Time, share func(region string) (float64, bool)) bool {
	changed := false
	for region, d := range t.active {
		if s, ok := share(region); ok && t.observe(d, at, s) {
			changed = true
		}
	}
	return changed
}

func (t *Tracker) observe(d *Drain, at time.Time, share float64) bool {
	changed := false
	for i, p := range t.thresholds {
		key := t.keys[i]
		if _, done := d.Crossed[key]; done {
			continue
		}
		// The relative slack absorbs rounding: (1-0.9)*0.4 is 0.039999999999999994 in floats.
		if share <= (1-p)*d.ShareAtDrainStart*(1+1e-9) {
			d.Crossed[key] = at
			changed = true
		}
	}
	return changed
}

// Draining lists the regions whose drain is in progress or done but not yet restored.
func (t *Tracker) Draining() map[string]Drain {
	out := make(map[string]Drain, len(t.active))
	for region, d := range t.active {
		c := *d
		c.Crossed = make(map[string]time.Time, len(d.Crossed))
		for k, v := range d.Crossed {
			c.Crossed[k] = v
		}
		out[region] = c
	}
	return out
}

// History lists the finished drains, oldest first.
func (t *Tracker) History() []Drain { return append([]Drain{}, t.history...) }
