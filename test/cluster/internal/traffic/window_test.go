package traffic

import "testing"

func TestWindowSharesOverTheLastBuckets(t *testing.T) {
	w := NewWindow(3, 2)
	if _, ok := w.Share(0); ok {
		t.Fatal("an empty window has no share")
	}
	w.Push([]uint64{10, 30}, 40)
	assertShare(t, w, 0, 0.25)
	w.Push([]uint64{10, 10}, 20)
	w.Push([]uint64{0, 20}, 30) // 10 of the 30 found no region
	// 20 of 90 requests went to region 0.
	assertShare(t, w, 0, 20.0/90)
	assertShare(t, w, 1, 60.0/90)
	if !w.Full() || w.Count(0) != 20 || w.Total() != 90 {
		t.Fatalf("full=%v count=%d total=%d", w.Full(), w.Count(0), w.Total())
	}
	// The first bucket falls out.
	w.Push([]uint64{0, 10}, 10)
	assertShare(t, w, 0, 10.0/60)
	w.Push([]uint64{0, 10}, 10)
	w.Push([]uint64{0, 10}, 10)
	assertShare(t, w, 0, 0)
	w.Push([]uint64{0, 0}, 0)
	w.Push([]uint64{0, 0}, 0)
	w.Push([]uint64{0, 0}, 0)
	if _, ok := w.Share(1); ok {
		t.Fatal("a window without requests has no share")
	}
}

func assertShare(t *testing.T, w *Window, region int, want float64) {
	t.Helper()
	got, ok := w.Share(region)
	if !ok || got != want {
		t.Fatalf("share(%d) = %v, %v; want %v", region, got, ok, want)
	}
}
