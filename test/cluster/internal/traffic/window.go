package traffic

// Window holds the request counts of the last few ticks, per region, so the share of each region
// over a short sliding window (for example the last second) is known at every tick.
type Window struct {
	buckets [][]uint64 // per bucket, per region
	totals  []uint64   // per bucket: every request issued, routed or not
	sums    []uint64   // per region, over the buckets held
	total   uint64
	next    int
	filled  int
}

// NewWindow holds size buckets (ticks) of counts for regions regions.
func NewWindow(size, regions int) *Window {
	w := &Window{buckets: make([][]uint64, size), totals: make([]uint64, size), sums: make([]uint64, regions)}
	for i := range w.buckets {
		w.buckets[i] = make([]uint64, regions)
	}
	return w
}

// Push adds one tick's counts: counts[i] requests went to region i, total requests were issued
// in all (total >= the sum of counts: requests that found no region count only in total).
// The oldest tick falls out once the window is full.
func (w *Window) Push(counts []uint64, total uint64) {
	old := w.buckets[w.next]
	for i := range w.sums {
		w.sums[i] -= old[i]
		old[i] = counts[i]
		w.sums[i] += counts[i]
	}
	w.total -= w.totals[w.next]
	w.totals[w.next] = total
	w.total += total
	w.next = (w.next + 1) % len(w.buckets)
	w.filled = min(w.filled+1, len(w.buckets))
}

// Share is region's requests over all requests in the window; ok is false while the window
// holds no request at all (the share is undefined then).
func (w *Window) Share(region int) (share float64, ok bool) {
	if w.total == 0 {
		return 0, false
	}
	return float64(w.sums[region]) / float64(w.total), true
}

// Count is region's requests in the window.
func (w *Window) Count(region int) uint64 { return w.sums[region] }

// Total is every request issued in the window.
func (w *Window) Total() uint64 { return w.total }

// Full tells whether the window holds as many ticks as it can.
func (w *Window) Full() bool { return w.filled == len(w.buckets) }
