// Package traffic simulates the users of the demo shop reaching it through a global load
// balancer that answers DNS queries: every client resolves a region (with probability
// proportional to the HTTPRoute's backendRef weights, among the regions whose Service has a ready
// endpoint), keeps the answer for a jittered TTL, and sends requests there at a steady rate. A few
// clients are sticky: they ignore the TTL and keep their answer far longer (a long-lived
// connection, a resolver that caches past the TTL), so a drained region keeps a long tail of
// traffic after 99% of it is gone, as real regions do. No request is ever sent anywhere: requests
// are counters, exported in Prometheus' text format.
//
// From its own counts the simulator also records the ground truth of every drain: when a region
// stopped being eligible, and when its share of requests over a sliding window first fell to
// half, a tenth, a hundredth and none of its share when the drain started (see Tracker).
package traffic

import (
	"encoding/json"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config shapes the simulated clients.
type Config struct {
	Regions []string
	// Clients is the number of simulated clients.
	Clients int
	// Rate is each client's requests per second.
	Rate float64
	// TTL is how long a client keeps a DNS answer, on average.
	TTL time.Duration
	// Jitter spreads each TTL uniformly over TTL x [1-Jitter, 1+Jitter] (0: every TTL is TTL).
	Jitter float64
	// Sticky is the tail of clients that ignore the TTL (none by default); SetSticky changes it
	// while the simulator runs.
	Sticky Sticky
	// NegativeTTL is how long a client that got no answer (no eligible region) waits to ask again.
	NegativeTTL time.Duration
	// Tick is the simulation step; Window (a multiple of Tick) the span shares are measured over.
	Tick, Window time.Duration
	// Thresholds are the drained fractions the ground truth records (DefaultThresholds).
	Thresholds []float64
	// TruthFile is rewritten on every change of the ground truth ("" for none).
	TruthFile string
	// Seed makes a run repeatable.
	Seed uint64
}

// Defaults fills the zero fields (but Jitter, whose zero means none).
func (c Config) Defaults() Config {
	if c.Clients == 0 {
		c.Clients = 2000
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	if c.TTL == 0 {
		c.TTL = 20 * time.Second
	}
	if c.NegativeTTL == 0 {
		c.NegativeTTL = time.Second
	}
	if c.Tick == 0 {
		c.Tick = 100 * time.Millisecond
	}
	if c.Window == 0 {
		c.Window = time.Second
	}
	if c.Thresholds == nil {
		c.Thresholds = DefaultThresholds
	}
	c.Sticky = c.Sticky.orNone()
	return c
}

// Sticky describes the clients that ignore the DNS TTL.
type Sticky struct {
	// Fraction of the clients (0 to 1) that keep every answer for For instead of a TTL.
	Fraction float64
	// For is how long a sticky client keeps an answer.
	For time.Duration
}

// orNone is the tail, or no tail at all (the zero Sticky) when either field makes it empty.
func (s Sticky) orNone() Sticky {
	if s.For <= 0 || s.Fraction <= 0 {
		return Sticky{}
	}
	return s
}

// count is how many of n clients are sticky: the first ones, so the tail has the same size in
// every run.
func (s Sticky) count(n int) int {
	return min(n, int(math.Round(s.orNone().Fraction*float64(n))))
}

type client struct {
	region  int // -1: no answer
	expires time.Time
	credit  float64 // requests owed but not yet issued (fractional)
	sticky  bool
}

// Simulator is the set of clients and the resolver they ask.
type Simulator struct {
	cfg Config

	mu       sync.Mutex
	rng      *rand.Rand
	backends []Backend
	known    bool // backends have been set at least once
	clients  []client
	last     time.Time
	window   *Window
	tracker  *Tracker
	counts   []uint64 // scratch, per tick

	writeMu sync.Mutex

	requests   *prometheus.CounterVec
	unrouted   prometheus.Counter
	share      *prometheus.GaugeVec
	weight     *prometheus.GaugeVec
	endpoints  *prometheus.GaugeVec
	clientsPer *prometheus.GaugeVec
}

// New builds a simulator and registers its metrics with reg.
func New(cfg Config, reg prometheus.Registerer) *Simulator {
	cfg = cfg.Defaults()
	n := len(cfg.Regions)
	buckets := max(1, int(math.Round(float64(cfg.Window)/float64(cfg.Tick))))
	s := &Simulator{
		cfg:      cfg,
		rng:      rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		backends: make([]Backend, n),
		clients:  make([]client, cfg.Clients),
		window:   NewWindow(buckets, n),
		tracker:  NewTracker(cfg.Thresholds, 20),
		counts:   make([]uint64, n),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "drill_sandbox_requests_total", Help: "Requests the simulated clients sent to each region.",
		}, []string{"region"}),
		unrouted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "drill_sandbox_requests_unrouted_total", Help: "Requests of clients whose DNS query found no eligible region.",
		}),
		share: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "drill_sandbox_traffic_share", Help: "Each region's share of all requests over the simulator's sliding window (0..1).",
		}, []string{"region"}),
		weight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "drill_sandbox_region_weight", Help: "Sum of the HTTPRoute backendRef weights naming the region's Service.",
		}, []string{"region"}),
		endpoints: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "drill_sandbox_region_ready_endpoints", Help: "Ready endpoints of the region's Service.",
		}, []string{"region"}),
		clientsPer: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "drill_sandbox_clients", Help: "Clients whose cached DNS answer is the region.",
		}, []string{"region"}),
	}
	sticky := cfg.Sticky.count(cfg.Clients)
	for i := range s.clients {
		s.clients[i].region = -1
		s.clients[i].sticky = i < sticky
	}
	for _, r := range cfg.Regions {
		s.requests.WithLabelValues(r)
		s.share.WithLabelValues(r)
		s.weight.WithLabelValues(r)
		s.endpoints.WithLabelValues(r)
		s.clientsPer.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(s.requests, s.unrouted, s.share, s.weight, s.endpoints, s.clientsPer)
	}
	return s
}

// Config is the configuration in effect (defaults filled in).
func (s *Simulator) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// SetSticky changes the tail of sticky clients at now. Sticky clients, and clients that stop being
// sticky, keep their answer but get a new expiry drawn as at start (uniform over the time they now
// keep an answer), so the clients are at once spread as if the new tail had always been: a drain
// right after shows the tail it configures. It reports whether anything changed.
func (s *Simulator) SetSticky(now time.Time, sticky Sticky) bool {
	s.mu.Lock()
	sticky = sticky.orNone()
	if s.cfg.Sticky == sticky {
		s.mu.Unlock()
		return false
	}
	s.cfg.Sticky = sticky
	n := sticky.count(len(s.clients))
	for i := range s.clients {
		c := &s.clients[i]
		changed := c.sticky != (i < n)
		c.sticky = i < n
		// Before the first step, start spreads every expiry; a client without an answer asks soon.
		if s.last.IsZero() || c.region < 0 || !changed && !c.sticky {
			continue
		}
		c.expires = now.Add(time.Duration(float64(s.keep(c)) * s.rng.Float64()))
	}
	s.mu.Unlock()
	s.writeTruth()
	return true
}

// SetBackends tells the resolver what the route and the health checks say now. A region whose
// eligible weight drops to 0 starts a drain in the ground truth; one that becomes eligible again
// ends it.
func (s *Simulator) SetBackends(now time.Time, backends []Backend) {
	s.mu.Lock()
	changed := false
	for i, b := range backends {
		was, is := s.backends[i].Eligible() > 0, b.Eligible() > 0
		region := s.cfg.Regions[i]
		switch {
		case s.known && was && !is:
			share, _ := s.window.Share(i)
			changed = s.tracker.Started(region, now, share, reason(b)) || changed
		case is && !was:
			changed = s.tracker.Restored(region, now) || changed
		}
		s.weight.WithLabelValues(region).Set(b.Weight)
		s.endpoints.WithLabelValues(region).Set(float64(b.ReadyEndpoints))
	}
	copy(s.backends, backends)
	s.known = true
	s.mu.Unlock()
	if changed {
		s.writeTruth()
	}
}

func reason(b Backend) string {
	var why []string
	if b.Weight == 0 {
		why = append(why, "weight 0")
	}
	if b.ReadyEndpoints == 0 {
		why = append(why, "no ready endpoints")
	}
	return strings.Join(why, ", ")
}

// ServingRegions are the regions clients can be sent to now (eligible weight above 0), in the
// order of the configuration: the ones whose request rate readiness waits for.
func (s *Simulator) ServingRegions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var regions []string
	for i, b := range s.backends {
		if b.Eligible() > 0 {
			regions = append(regions, s.cfg.Regions[i])
		}
	}
	return regions
}

// Routable tells whether the backends are known, at least one region can be resolved to, and
// every region the route gives a weight has a ready endpoint.
func (s *Simulator) Routable() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	eligible := false
	for _, b := range s.backends {
		if b.Weight > 0 && b.ReadyEndpoints == 0 {
			return false
		}
		eligible = eligible || b.Eligible() > 0
	}
	return s.known && eligible
}

// Step advances the simulation to now: clients whose answer expired resolve again, then every
// client sends the requests its rate owes since the last step.
func (s *Simulator) Step(now time.Time) {
	s.mu.Lock()
	first := s.last.IsZero()
	if first {
		s.start(now)
	}
	dt := now.Sub(s.last).Seconds()
	if dt < 0 {
		dt = 0
	}
	s.last = now
	weights := make([]float64, len(s.backends))
	for i, b := range s.backends {
		weights[i] = b.Eligible()
	}
	clear(s.counts)
	var total, unrouted uint64
	perRegion := make([]int, len(s.backends))
	for i := range s.clients {
		c := &s.clients[i]
		if !now.Before(c.expires) {
			s.resolve(c, now, weights, 1)
		}
		c.credit += s.cfg.Rate * dt
		n := math.Floor(c.credit)
		c.credit -= n
		total += uint64(n)
		if c.region < 0 {
			unrouted += uint64(n)
			continue
		}
		s.counts[c.region] += uint64(n)
		perRegion[c.region]++
	}
	s.window.Push(s.counts, total)
	for i, r := range s.cfg.Regions {
		s.requests.WithLabelValues(r).Add(float64(s.counts[i]))
		share, _ := s.window.Share(i)
		s.share.WithLabelValues(r).Set(share)
		s.clientsPer.WithLabelValues(r).Set(float64(perRegion[i]))
	}
	s.unrouted.Add(float64(unrouted))
	changed := first
	observed := s.tracker.Observe(now, func(region string) (float64, bool) {
		for i, r := range s.cfg.Regions {
			if r != region {
				continue
			}
			share, ok := s.window.Share(i)
			// A client still holding the region is traffic not yet gone, even in a window its
			// requests (one a second, on the tick after each full credit) happen to miss: the
			// region is all drained only once no client holds it and the window is empty.
			if ok && share == 0 && perRegion[i] > 0 {
				share = math.SmallestNonzeroFloat64
			}
			return share, ok
		}
		return 0, false
	})
	s.mu.Unlock()
	if changed || observed {
		s.writeTruth()
	}
}

// start gives every client a first answer, with expiry spread over one TTL so that clients do
// not all ask again at once, and a random phase for its requests.
func (s *Simulator) start(now time.Time) {
	weights := make([]float64, len(s.backends))
	for i, b := range s.backends {
		weights[i] = b.Eligible()
	}
	for i := range s.clients {
		c := &s.clients[i]
		s.resolve(c, now, weights, s.rng.Float64())
		c.credit = s.rng.Float64()
	}
	s.last = now
}

// resolve asks the load balancer: a region with probability proportional to its eligible
// weight, kept for a jittered TTL or, by a sticky client, for Sticky.For (scaled by part, for the
// first answers); no answer is kept for NegativeTTL.
func (s *Simulator) resolve(c *client, now time.Time, weights []float64, part float64) {
	c.region = Choose(weights, s.rng.Float64())
	c.expires = now.Add(time.Duration(float64(s.keep(c)) * part))
}

// keep is how long c keeps the answer it holds.
func (s *Simulator) keep(c *client) time.Duration {
	switch {
	case c.region < 0:
		return s.cfg.NegativeTTL
	case c.sticky:
		return s.cfg.Sticky.For
	default:
		return time.Duration(float64(s.cfg.TTL) * (1 + s.cfg.Jitter*(2*s.rng.Float64()-1)))
	}
}

// Truth is the content of the truth file.
type Truth struct {
	WindowMs int64 `json:"windowMs"`
	TickMs   int64 `json:"tickMs"`
	TTLMs    int64 `json:"ttlMs"`
	// StickyFraction of the clients keep their answers for StickyForMs, ignoring the TTL.
	StickyFraction float64          `json:"stickyFraction"`
	StickyForMs    int64            `json:"stickyForMs"`
	Thresholds     []float64        `json:"thresholds"`
	Regions        map[string]Drain `json:"regions"`
	History        []Drain          `json:"history"`
}

// Truth is the ground truth now.
func (s *Simulator) Truth() Truth {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.truthLocked()
}

func (s *Simulator) truthLocked() Truth {
	return Truth{
		WindowMs: s.cfg.Window.Milliseconds(), TickMs: s.cfg.Tick.Milliseconds(), TTLMs: s.cfg.TTL.Milliseconds(),
		StickyFraction: s.cfg.Sticky.Fraction, StickyForMs: s.cfg.Sticky.For.Milliseconds(),
		Thresholds: s.cfg.Thresholds, Regions: s.tracker.Draining(), History: s.tracker.History(),
	}
}

// writeTruth rewrites the truth file with the latest state: writers queue on writeMu and each
// takes the state when its turn comes, so the last write is always the newest state.
func (s *Simulator) writeTruth() {
	if s.cfg.TruthFile == "" {
		return
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	truth := s.truthLocked()
	s.mu.Unlock()
	writeJSON(s.cfg.TruthFile, truth)
}

// writeJSON replaces the file atomically, so readers never see half of it.
func writeJSON(path string, v any) {
	if err := writeFileAtomic(path, v); err != nil {
		log.Printf("traffic: writing %s: %v", path, err)
	}
}

func writeFileAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".truth-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
