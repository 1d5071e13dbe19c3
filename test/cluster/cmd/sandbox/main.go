// Command sandbox runs kubectl-drill's test cluster in the foreground: a real control plane on
// loopback, simulated nodes across regions and zones, and the demo workload. test/cluster/sandbox.sh
// starts it in the background and stops it; SIGTERM or SIGINT stops everything it started.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"kubectl-drill/sandbox/demo"
	"kubectl-drill/sandbox/internal/child"
	"kubectl-drill/sandbox/internal/controlplane"
	"kubectl-drill/sandbox/internal/faults"
	"kubectl-drill/sandbox/internal/kubelet"
	"kubectl-drill/sandbox/internal/prometheus"
	"kubectl-drill/sandbox/internal/traffic"
	"kubectl-drill/sandbox/internal/velero"
	"kubectl-drill/sandbox/internal/wait"
	"kubectl-drill/sandbox/internal/workload"
)

// state is written to <dir>/ready once the sandbox can be used; its timings feed the README.
type state struct {
	Pid                  int            `json:"pid"`
	Server               string         `json:"server"`
	Kubeconfig           string         `json:"kubeconfig"`
	RestrictedKubeconfig string         `json:"restrictedKubeconfig"`
	Nodes                int            `json:"nodes"`
	StartedAt            time.Time      `json:"startedAt"`
	PhasesMs             map[string]int `json:"phasesMs"`
	// TrafficMetricsURL is the traffic simulator's /metrics, TrafficTruthFile its ground truth.
	TrafficMetricsURL string        `json:"trafficMetricsURL,omitempty"`
	TrafficTruthFile  string        `json:"trafficTruthFile,omitempty"`
	Traffic           *trafficState `json:"traffic,omitempty"`
	PrometheusURL     string        `json:"prometheusURL,omitempty"`
	// FaultsURL takes fault requests (internal/faults.Serve): restart, pause, 429/503.
	FaultsURL string       `json:"faultsURL"`
	Velero    *veleroState `json:"velero,omitempty"`
}

// veleroState tells a drill where Velero is and what it can restore.
type veleroState struct {
	Version               string `json:"version"`
	Namespace             string `json:"namespace"`
	BackupStorageLocation string `json:"backupStorageLocation"`
	// BaselineBackup is a Completed Backup of BaselineNamespace, taken once the demo was applied.
	BaselineBackup    string `json:"baselineBackup,omitempty"`
	BaselineNamespace string `json:"baselineNamespace,omitempty"`
	S3URL             string `json:"s3URL"`
	Bucket            string `json:"bucket"`
}

// trafficState is the simulator's configuration, for tests that need its timings.
type trafficState struct {
	Route         string   `json:"route"`
	ServicePrefix string   `json:"servicePrefix"`
	Regions       []string `json:"regions"`
	Clients       int      `json:"clients"`
	RatePerClient float64  `json:"ratePerClient"`
	TTLMs         int64    `json:"ttlMs"`
	TTLJitter     float64  `json:"ttlJitter"`
	WindowMs      int64    `json:"windowMs"`
	TickMs        int64    `json:"tickMs"`
}

// options are the flags of run beyond the fleet's.
type options struct {
	dir, binDir, gatewayCRDs string
	withDemo                 bool
	qps                      int
	traffic                  bool
	trafficCfg               traffic.Config
	route                    string
	prometheus               bool
	prometheusBin            string
	prometheusPort           int
	velero                   bool
	veleroDir                string
}

// Velero's baseline: a backup of the demo's namespace, taken before the sandbox is ready.
const (
	baselineBackup    = "shop-baseline"
	baselineNamespace = "shop"
)

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	if len(os.Args) < 2 || os.Args[1] != "run" {
		fmt.Fprintln(os.Stderr, "usage: sandbox run [flags]  (use test/cluster/sandbox.sh up|down)")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	dir := fs.String("dir", ".sandbox", "state directory")
	binDir := fs.String("bin", "", "directory holding kube-apiserver, kube-controller-manager, kube-scheduler (default: beside this binary)")
	regions := fs.String("regions", "eu-west,us-east,ap-south", "comma-separated regions")
	zones := fs.Int("zones-per-region", 2, "zones per region")
	nodesPerZone := fs.Int("nodes-per-zone", 2, "nodes per zone")
	graceCap := fs.Duration("grace-cap", time.Second, "longest a graceful pod deletion takes")
	jobDuration := fs.Duration("job-duration", 2*time.Second, "how long a Job's pod runs before it succeeds")
	qps := fs.Int("qps", 200, "client rate of the controller-manager, scheduler and simulated kubelets")
	withDemo := fs.Bool("demo", true, "apply the demo workload")
	gatewayCRDs := fs.String("gateway-crds", "", "directory of the Gateway API CRD manifests applied at start (default: gateway-api beside this binary; \"none\" to skip)")
	withTraffic := fs.Bool("traffic", true, "run the traffic simulator (needs the demo)")
	clients := fs.Int("traffic-clients", 2000, "simulated clients")
	rate := fs.Float64("traffic-rate", 1, "requests per second of each client")
	ttl := fs.Duration("traffic-ttl", 10*time.Second, "how long a client keeps its DNS answer, on average")
	jitter := fs.Float64("traffic-ttl-jitter", 0.5, "each TTL is drawn uniformly from TTL x [1-jitter, 1+jitter]")
	window := fs.Duration("traffic-window", time.Second, "sliding window over which shares are measured (a multiple of 100ms)")
	seed := fs.Uint64("traffic-seed", 0, "random seed of the simulator (0: a new one each start)")
	route := fs.String("traffic-route", "shop/storefront", "namespace/name of the HTTPRoute the load balancer follows")
	withPrometheus := fs.Bool("prometheus", true, "run Prometheus, scraping the traffic simulator")
	prometheusBin := fs.String("prometheus-bin", "prometheus", "the prometheus binary")
	prometheusPort := fs.Int("prometheus-port", 0, "port of Prometheus on 127.0.0.1 (0: a free one)")
	withVelero := fs.Bool("velero", true, "run Velero and its S3 store, and back up the demo's namespace")
	veleroDir := fs.String("velero-dir", "", "directory holding velero, s3, plugins/ and crds/ (bash test/cluster/sandbox.sh up passes the one sandbox.sh build made)")
	_ = fs.Parse(os.Args[2:])

	if *binDir == "" {
		exe, err := os.Executable()
		if err != nil {
			log.Fatal(err)
		}
		*binDir = filepath.Dir(exe)
	}
	if *gatewayCRDs == "" {
		*gatewayCRDs = filepath.Join(*binDir, "gateway-api")
	}
	if *withVelero && *veleroDir == "" {
		log.Fatal("need --velero-dir (bash test/cluster/sandbox.sh up passes it) or --velero=false")
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	if nodes := len(strings.Split(*regions, ",")) * *zones * *nodesPerZone; nodes > kubelet.MaxNodes {
		log.Fatalf("%d nodes: the sandbox has addresses for %d", nodes, kubelet.MaxNodes)
	}
	if *clients < 1 || *rate <= 0 || *ttl <= 0 || *jitter < 0 || *jitter >= 1 || *window <= 0 {
		log.Fatal("need --traffic-clients >= 1, --traffic-rate > 0, --traffic-ttl > 0, 0 <= --traffic-ttl-jitter < 1, --traffic-window > 0")
	}
	absDir, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	opts := options{
		dir: absDir, binDir: *binDir, gatewayCRDs: *gatewayCRDs, withDemo: *withDemo, qps: *qps,
		traffic: *withTraffic && *withDemo, route: *route,
		trafficCfg: traffic.Config{
			Regions: strings.Split(*regions, ","), Clients: *clients, Rate: *rate, TTL: *ttl, Jitter: *jitter,
			Window: *window, Seed: *seed, TruthFile: filepath.Join(absDir, "traffic-truth.json"),
		},
		prometheus: *withPrometheus && *withTraffic && *withDemo, prometheusBin: *prometheusBin, prometheusPort: *prometheusPort,
		velero: *withVelero, veleroDir: *veleroDir,
	}
	if err := run(ctx, opts, kubelet.Config{
		Regions:            strings.Split(*regions, ","),
		ZonesPerRegion:     *zones,
		NodesPerZone:       *nodesPerZone,
		GraceCap:           *graceCap,
		JobDuration:        *jobDuration,
		LeaseRenewInterval: 10 * time.Second,
		Workers:            16,
	}); err != nil {
		log.Printf("sandbox: %v", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, opts options, fleet kubelet.Config) error {
	dir, binDir, withDemo, qps := opts.dir, opts.binDir, opts.withDemo, opts.qps
	start := time.Now()
	var phasesMu sync.Mutex
	phases := map[string]int{}
	// mark is called from the goroutines that start things in parallel too.
	mark := func(phase string) {
		phasesMu.Lock()
		defer phasesMu.Unlock()
		phases[phase] = int(time.Since(start).Milliseconds())
		log.Printf("%s after %s", phase, time.Since(start).Round(time.Millisecond))
	}
	readyFile := filepath.Join(dir, "ready")
	_ = os.Remove(readyFile)
	_ = os.Remove(opts.trafficCfg.TruthFile) // the last run's; the simulator writes its own

	// The state of the last run goes; controlplane.Start would do it, but Prometheus starts first:
	// it scrapes nothing before its target discovery settles (5 s after its start, hard-coded in
	// Prometheus 2.42), so starting it with the control plane takes that wait off the critical path.
	// The traffic simulator serves its metrics from the start (all zero until it runs), and so does
	// Velero's S3 store, which needs nothing of the cluster.
	if err := os.RemoveAll(filepath.Join(dir, "state")); err != nil {
		return err
	}
	for _, d := range []string{"state", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	pids := &pidFile{dir: dir}
	var (
		sim        *traffic.Simulator
		metricsURL string
		prom       *prometheus.Server
		store      *velero.Store
		// children are watched after start-up: the first of them to exit stops the sandbox.
		children []*child.Process
		err      error
	)
	if opts.velero {
		if store, err = velero.StartStore(dir, opts.veleroDir); err != nil {
			return err
		}
		defer store.Stop(5 * time.Second)
		children = append(children, store.Process)
		if err := pids.add(store.Pid()); err != nil {
			return err
		}
	}
	if opts.traffic {
		reg := promclient.NewRegistry()
		sim = traffic.New(opts.trafficCfg, reg)
		if metricsURL, err = traffic.Serve(ctx, reg); err != nil {
			return err
		}
		if opts.prometheus {
			prom, err = prometheus.Start(prometheus.Config{Bin: opts.prometheusBin, Dir: dir, Target: metricsURL, Port: opts.prometheusPort})
			if err != nil {
				return err
			}
			defer prom.Stop(5 * time.Second)
			children = append(children, prom.Process)
			if err := pids.add(prom.Pid()); err != nil {
				return err
			}
		}
	}

	cp, err := controlplane.Start(ctx, controlplane.Config{Dir: dir, BinDir: binDir, APIQPS: qps, KeepState: true})
	if cp != nil {
		defer cp.Stop(10 * time.Second)
	}
	if err != nil {
		return err
	}
	defer os.Remove(readyFile)
	if err := pids.add(cp.Pids()...); err != nil {
		return err
	}
	mark("apiserverReady")
	faultsURL, err := faults.Serve(ctx, cp, func(pid int) error { return pids.add(pid) })
	if err != nil {
		return err
	}

	cfg := *cp.Admin
	cfg.QPS, cfg.Burst = float32(qps), 2*qps
	client, err := kubernetes.NewForConfig(&cfg)
	if err != nil {
		return err
	}
	if err := grantReadOnly(ctx, client, cp.RestrictedUser); err != nil {
		return err
	}
	applier, err := workload.NewApplier(&cfg)
	if err != nil {
		return err
	}
	// The Gateway API CRDs are applied while the nodes register; the demo needs them, and so
	// does Velero's server (see velero.Config.CRDsApplied): crdsDone is closed once crdsErr is set.
	crdsDone := make(chan struct{})
	var crdsErr error
	go func() {
		defer close(crdsDone)
		if opts.gatewayCRDs == "none" {
			return
		}
		if _, err := os.Stat(opts.gatewayCRDs); err != nil {
			crdsErr = fmt.Errorf("gateway API CRDs: %w (bash test/cluster/sandbox.sh build puts them beside the binaries)", err)
			return
		}
		n, err := applier.ApplyCRDs(ctx, os.DirFS(opts.gatewayCRDs), ".", 60*time.Second)
		if err != nil {
			crdsErr = fmt.Errorf("gateway API CRDs: %w", err)
			return
		}
		log.Printf("%d Gateway API CRDs established", n)
	}()

	// Velero installs and starts alongside everything else; its baseline backup waits for the
	// demo to be applied, then runs while the traffic starts and Prometheus gets its first rates.
	demoApplied := make(chan struct{})
	veleroDone := make(chan veleroResult, 1)
	if opts.velero {
		dyn, err := dynamic.NewForConfig(&cfg)
		if err != nil {
			return err
		}
		go func() {
			veleroDone <- startVelero(ctx, opts, cp.AdminKubeconfig, store, applier, client, dyn, pids, mark, crdsDone, demoApplied)
		}()
	}

	kubelets := kubelet.New(client, fleet)
	if err := kubelets.Register(ctx); err != nil {
		return err
	}
	mark("nodesRegistered")
	simDone := make(chan error, 1)
	go func() { simDone <- kubelets.Run(ctx) }()
	if err := waitNodesReady(ctx, client, len(kubelets.NodeNames())); err != nil {
		return err
	}
	mark("nodesReady")
	if err := waitServiceAccount(ctx, client, "default", 60*time.Second); err != nil {
		return err
	}
	mark("serviceAccountsReady")
	<-crdsDone
	if crdsErr != nil {
		return crdsErr
	}
	mark("gatewayAPIReady")
	if withDemo {
		if err := applier.ApplyDir(ctx, demo.Files, ".", 120*time.Second); err != nil {
			return fmt.Errorf("demo workload: %w", err)
		}
		mark("demoReady")
	}
	close(demoApplied)
	ready := state{
		Pid: os.Getpid(), Server: cp.Server(), Kubeconfig: cp.AdminKubeconfig, RestrictedKubeconfig: cp.RestrictedKubeconfig,
		Nodes: len(kubelets.NodeNames()), StartedAt: start, PhasesMs: phases, FaultsURL: faultsURL,
	}
	if sim != nil {
		if err := startTraffic(ctx, &cfg, opts.route, sim); err != nil {
			return fmt.Errorf("traffic simulator: %w", err)
		}
		mark("trafficReady")
		c := sim.Config()
		ready.TrafficMetricsURL, ready.TrafficTruthFile = metricsURL, c.TruthFile
		ready.Traffic = &trafficState{
			Route: opts.route, ServicePrefix: servicePrefix, Regions: c.Regions, Clients: c.Clients, RatePerClient: c.Rate,
			TTLMs: c.TTL.Milliseconds(), TTLJitter: c.Jitter, WindowMs: c.Window.Milliseconds(), TickMs: c.Tick.Milliseconds(),
		}
	}
	if prom != nil {
		// Every region the simulator sends traffic to has a rate in Prometheus: a drill started
		// now finds its baseline (runbooks/evacuate-region.yaml's first step needs one).
		if err := prom.WaitReady(ctx, 60*time.Second, sim.ServingRegions()); err != nil {
			return err
		}
		mark("prometheusReady")
		ready.PrometheusURL = prom.URL
	}
	if opts.velero {
		v := <-veleroDone
		if v.server != nil {
			defer v.server.Stop(5 * time.Second)
			children = append(children, v.server.Process)
		}
		if v.err != nil {
			return fmt.Errorf("velero: %w", v.err)
		}
		ready.Velero = v.state
	}
	phasesMu.Lock()
	data, err := json.MarshalIndent(ready, "", "  ")
	phasesMu.Unlock()
	if err != nil {
		return err
	}
	if err := os.WriteFile(readyFile, data, 0o644); err != nil {
		return err
	}
	log.Printf("sandbox ready: %s", cp.Server())

	select {
	case <-ctx.Done():
		log.Printf("stopping")
		return nil
	case err := <-cp.Exited():
		return err
	case err := <-simDone:
		return fmt.Errorf("simulated kubelet stopped: %v", err)
	case err := <-child.FirstExit(children...):
		return err
	}
}

// veleroResult is what startVelero hands back: the server, once it has started, and the facts
// for the ready file.
type veleroResult struct {
	server *velero.Server
	state  *veleroState
	err    error
}

// startVelero installs Velero, starts its server once the other CRDs are established
// (crdsApplied closed), waits for its location to be Available, then, once the demo is applied
// (demoApplied closed), backs up its namespace.
func startVelero(ctx context.Context, opts options, kubeconfig string, store *velero.Store, applier *workload.Applier,
	client kubernetes.Interface, dyn dynamic.Interface, pids *pidFile, mark func(string), crdsApplied, demoApplied <-chan struct{}) veleroResult {
	version, err := velero.ReadVersion(opts.veleroDir)
	if err != nil {
		return veleroResult{err: err}
	}
	server, err := velero.Start(ctx, velero.Config{
		Dir: opts.dir, BinDir: opts.veleroDir, Version: version, Kubeconfig: kubeconfig,
		Started:     func(pid int) error { return pids.add(pid) },
		CRDsApplied: crdsApplied,
	}, store, applier, client, dyn)
	if err != nil {
		return veleroResult{err: err}
	}
	mark("veleroReady")
	st := &veleroState{Version: version, Namespace: velero.Namespace, BackupStorageLocation: velero.Location, S3URL: server.StoreURL, Bucket: velero.Bucket}
	select {
	case <-ctx.Done():
		return veleroResult{server: server, err: ctx.Err()}
	case <-demoApplied:
	}
	if opts.withDemo {
		if err := server.BackupNamespace(ctx, baselineBackup, baselineNamespace, 60*time.Second); err != nil {
			return veleroResult{server: server, err: err}
		}
		mark("veleroBaselineBackupCompleted")
		st.BaselineBackup, st.BaselineNamespace = baselineBackup, baselineNamespace
	}
	return veleroResult{server: server, state: st}
}

// servicePrefix names the regions' Services in the route: frontend-<region>.
const servicePrefix = "frontend-"

// startTraffic starts the informers that feed the simulator, waits until every region the route
// names can be resolved to (its Service has a ready endpoint), then starts the clients.
func startTraffic(ctx context.Context, cfg *rest.Config, route string, sim *traffic.Simulator) error {
	namespace, name, ok := strings.Cut(route, "/")
	if !ok {
		return fmt.Errorf("--traffic-route %q is not namespace/name", route)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if err := traffic.Watch(ctx, dyn, traffic.Source{Namespace: namespace, Route: name, ServicePrefix: servicePrefix}, sim); err != nil {
		return err
	}
	if err := wait.Until(ctx, 60*time.Second, "every region of the route to have a ready endpoint", func() (bool, error) { return sim.Routable(), nil }); err != nil {
		return err
	}
	go sim.Run(ctx)
	return nil
}

// pidFile records the supervisor and every child as it starts, so sandbox.sh down can make sure
// none is left; children start from several goroutines.
type pidFile struct {
	dir      string
	mu       sync.Mutex
	children []int
}

func (f *pidFile) add(pids ...int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.children = append(f.children, pids...)
	lines := []string{fmt.Sprint(os.Getpid())}
	for _, pid := range f.children {
		lines = append(lines, fmt.Sprint(pid))
	}
	return os.WriteFile(filepath.Join(f.dir, "sandbox.pid"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// grantReadOnly lets the restricted user get, list and watch everything, and nothing else.
func grantReadOnly(ctx context.Context, client kubernetes.Interface, user string) error {
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "drill:read-only"},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"},
		}},
	}
	if _, err := client.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		return err
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "drill:read-only"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	_, err := client.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{})
	return err
}

// waitNodesReady waits for the node lifecycle controller to have seen every node healthy: a
// minute, or 100 ms a node for fleets above 600 (1000 nodes took 32 s from registered to Ready
// at load 12 on 2 cores).
func waitNodesReady(ctx context.Context, client kubernetes.Interface, want int) error {
	timeout := max(time.Minute, time.Duration(want)*100*time.Millisecond)
	return wait.Until(ctx, timeout, fmt.Sprintf("%d nodes Ready", want), func() (bool, error) {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, n := range nodes.Items {
			if nodeReady(&n) {
				ready++
			}
		}
		return ready == want, nil
	})
}

// nodeReady is Ready=True and free of the taints the node lifecycle controller adds until it
// has seen the node healthy; the scheduler avoids a node that still carries them.
func nodeReady(n *corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return false
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitServiceAccount waits for the service-account controller: until a namespace has its
// default ServiceAccount, admission rejects every pod in it.
func waitServiceAccount(ctx context.Context, client kubernetes.Interface, namespace string, timeout time.Duration) error {
	return wait.Until(ctx, timeout, "default ServiceAccount in "+namespace, func() (bool, error) {
		_, err := client.CoreV1().ServiceAccounts(namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
}
