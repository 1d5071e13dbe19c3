// Package prometheus runs a Prometheus server (Debian's prometheus package) as a child process of
// the sandbox: it listens on 127.0.0.1 only, scrapes the traffic simulator every second, and keeps
// its data under the sandbox's state directory. It counts as ready once the demo runbook's query
// gives every region a rate, not merely once it has scraped: that is what a drill needs first.
package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"kubectl-drill/sandbox/internal/child"
)

// Job is the scrape job of the traffic simulator.
const Job = "drill-sandbox-traffic"

// Config says where Prometheus is and what it scrapes.
type Config struct {
	// Bin is the prometheus binary (a name looked up on PATH, or a path).
	Bin string
	// Dir is the sandbox's state directory: the config goes to <Dir>/state/prometheus.yml, the
	// data to <Dir>/state/prometheus, the log to <Dir>/logs/prometheus.log.
	Dir string
	// Target is the host:port of the simulator's /metrics.
	Target string
	// Port to listen on, on 127.0.0.1; 0 picks a free one.
	Port int
}

// Server is a running Prometheus.
type Server struct {
	URL string
	*child.Process
}

const config = `# Written by the sandbox: scrape the traffic simulator every second.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: %s
    metrics_path: %s
    static_configs:
      - targets: ['%s']
`

// Start writes the config and starts Prometheus on 127.0.0.1 (cfg.Port, or a free port). It does not wait:
// call WaitReady.
func Start(cfg Config) (*Server, error) {
	bin, err := exec.LookPath(cfg.Bin)
	if err != nil {
		return nil, fmt.Errorf("%s not found: install Debian's prometheus package (apt-get install -y --no-install-recommends prometheus; bash test/cluster/sandbox.sh up does it when run as root) or pass --prometheus=false", cfg.Bin)
	}
	target, err := url.Parse(cfg.Target)
	if err != nil {
		return nil, err
	}
	state := filepath.Join(cfg.Dir, "state")
	configFile := filepath.Join(state, "prometheus.yml")
	if err := os.WriteFile(configFile, fmt.Appendf(nil, config, Job, target.Path, target.Host), 0o644); err != nil {
		return nil, err
	}
	port := cfg.Port
	if port == 0 {
		ports, err := child.FreePorts(1)
		if err != nil {
			return nil, err
		}
		port = ports[0]
	}
	p, err := child.Start(cfg.Dir, "prometheus", bin, []string{
		"--config.file=" + configFile,
		"--web.listen-address=127.0.0.1:" + strconv.Itoa(port),
		"--storage.tsdb.path=" + filepath.Join(state, "prometheus"),
		"--storage.tsdb.retention.time=1d",
	}, nil)
	if err != nil {
		return nil, err
	}
	return &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Process: p}, nil
}

// RegionRateQuery is the query runbooks/evacuate-region.yaml (npm run demo) measures a region's
// traffic with, its measure.query with the region filled in. An irate needs two samples of the
// counter taken after the traffic started, so the first scrape alone is not enough for a drill.
func RegionRateQuery(region string) string {
	return fmt.Sprintf(`sum(irate(drill_sandbox_requests_total{region=%q}[5s]))`, region)
}

// WaitReady waits until /-/ready answers 200, the first scrape of the simulator has succeeded
// (up{job=...} is 1), and RegionRateQuery gives a rate above 0 for every one of regions: a drill
// started as soon as the sandbox is ready then finds a baseline. It polls every 100 ms, one query
// per region still without a rate.
func (s *Server) WaitReady(ctx context.Context, timeout time.Duration, regions []string) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	ready := func() bool {
		resp, err := client.Get(s.URL + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	scraped := func() bool {
		v, err := Query(ctx, client, s.URL, fmt.Sprintf(`up{job=%q}`, Job))
		return err == nil && len(v) == 1 && v[0] == 1
	}
	unrated := append([]string(nil), regions...)
	rated := func() bool {
		var still []string
		for _, region := range unrated {
			v, err := Query(ctx, client, s.URL, RegionRateQuery(region))
			if err != nil || len(v) != 1 || !(v[0] > 0) {
				still = append(still, region)
			}
		}
		unrated = still
		return len(unrated) == 0
	}
	for _, step := range []struct {
		what func() string
		done func() bool
	}{
		{func() string { return "/-/ready" }, ready},
		{func() string { return "a first scrape of the traffic simulator" }, scraped},
		{func() string {
			return fmt.Sprintf("a rate from %s for %s", RegionRateQuery("<region>"), strings.Join(unrated, ", "))
		}, rated},
	} {
		for !step.done() {
			if err := s.Err(); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("prometheus: timed out after %s waiting for %s (see %s)", timeout, step.what(), s.Log)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

// Query runs an instant query and returns the values of the vector it gives.
func Query(ctx context.Context, client *http.Client, base, query string) ([]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/query?query="+url.QueryEscape(query), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %q: status %s", query, body.Status)
	}
	var out []float64
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
