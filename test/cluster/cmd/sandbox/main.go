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
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"kubectl-drill/sandbox/demo"
	"kubectl-drill/sandbox/internal/controlplane"
	"kubectl-drill/sandbox/internal/kubelet"
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
}

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
	_ = fs.Parse(os.Args[2:])

	if *binDir == "" {
		exe, err := os.Executable()
		if err != nil {
			log.Fatal(err)
		}
		*binDir = filepath.Dir(exe)
	}
	absDir, err := filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, absDir, *binDir, *withDemo, *qps, kubelet.Config{
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

func run(ctx context.Context, dir, binDir string, withDemo bool, qps int, fleet kubelet.Config) error {
	start := time.Now()
	phases := map[string]int{}
	mark := func(phase string) {
		phases[phase] = int(time.Since(start).Milliseconds())
		log.Printf("%s after %s", phase, time.Since(start).Round(time.Millisecond))
	}
	readyFile := filepath.Join(dir, "ready")
	_ = os.Remove(readyFile)

	cp, err := controlplane.Start(ctx, controlplane.Config{Dir: dir, BinDir: binDir, APIQPS: qps})
	if cp != nil {
		defer cp.Stop(10 * time.Second)
	}
	if err != nil {
		return err
	}
	defer os.Remove(readyFile)
	if err := writePids(dir, cp.Pids()); err != nil {
		return err
	}
	mark("apiserverReady")

	cfg := *cp.Admin
	cfg.QPS, cfg.Burst = float32(qps), 2*qps
	client, err := kubernetes.NewForConfig(&cfg)
	if err != nil {
		return err
	}
	if err := grantReadOnly(ctx, client, cp.RestrictedUser); err != nil {
		return err
	}
	sim := kubelet.New(client, fleet)
	simDone := make(chan error, 1)
	go func() { simDone <- sim.Run(ctx) }()
	if err := waitNodesReady(ctx, client, len(sim.NodeNames()), 60*time.Second); err != nil {
		return err
	}
	mark("nodesReady")
	if err := waitServiceAccount(ctx, client, "default", 60*time.Second); err != nil {
		return err
	}
	mark("serviceAccountsReady")
	if withDemo {
		applier, err := workload.NewApplier(&cfg)
		if err != nil {
			return err
		}
		if err := applier.ApplyDir(ctx, demo.Files, ".", 120*time.Second); err != nil {
			return fmt.Errorf("demo workload: %w", err)
		}
		mark("demoReady")
	}
	data, err := json.MarshalIndent(state{
		Pid: os.Getpid(), Server: cp.Server(), Kubeconfig: cp.AdminKubeconfig, RestrictedKubeconfig: cp.RestrictedKubeconfig,
		Nodes: len(sim.NodeNames()), StartedAt: start, PhasesMs: phases,
	}, "", "  ")
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
	}
}

// writePids records the supervisor and every child, so sandbox.sh down can make sure none is left.
func writePids(dir string, children []int) error {
	lines := []string{fmt.Sprint(os.Getpid())}
	for _, pid := range children {
		lines = append(lines, fmt.Sprint(pid))
	}
	return os.WriteFile(filepath.Join(dir, "sandbox.pid"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
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

func waitNodesReady(ctx context.Context, client kubernetes.Interface, want int, timeout time.Duration) error {
	return poll(ctx, timeout, fmt.Sprintf("%d nodes Ready", want), func() bool {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false
		}
		ready := 0
		for _, n := range nodes.Items {
			if nodeReady(&n) {
				ready++
			}
		}
		return ready == want
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
	return poll(ctx, timeout, "default ServiceAccount in "+namespace, func() bool {
		_, err := client.CoreV1().ServiceAccounts(namespace).Get(ctx, "default", metav1.GetOptions{})
		return err == nil
	})
}

func poll(ctx context.Context, timeout time.Duration, what string, done func() bool) error {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
