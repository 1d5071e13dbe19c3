// Package controlplane starts a real Kubernetes control plane on loopback: embedded etcd, and
// kube-apiserver, kube-controller-manager and kube-scheduler as child processes built from
// k8s.io/kubernetes. Nothing listens on, or connects to, anything but 127.0.0.1.
//
// Users reach the apiserver through a fault proxy (internal/faults), which the user kubeconfigs
// name, so tests can make it refuse or answer 429/503; the control plane's own components and the
// supervisor's clients talk to the apiserver directly. The apiserver can be restarted (killed and
// started again on the same port) and paused (SIGSTOP) while the sandbox runs; such an exit is
// not one that stops the sandbox.
package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"kubectl-drill/sandbox/internal/child"
	"kubectl-drill/sandbox/internal/faults"
	"kubectl-drill/sandbox/internal/pki"
)

// Config says where the control plane keeps its state and finds its binaries.
type Config struct {
	Dir    string // state directory (.sandbox); its state/ is wiped on start (see KeepState)
	BinDir string // holds kube-apiserver, kube-controller-manager, kube-scheduler
	// APIQPS is the client rate of the controller-manager and scheduler: the default 20/s makes
	// a thousand pods take most of a minute to become Ready.
	APIQPS int
	// KeepState leaves <Dir>/state as it is: the caller has emptied it already, and has put
	// state of its own there since.
	KeepState bool
}

// ControlPlane is a running control plane.
type ControlPlane struct {
	cfg       Config
	etcd      *embed.Etcd
	processes []*child.Process
	ca        *pki.Authority
	// server is what users connect to (the fault proxy), direct the apiserver itself.
	server, direct string
	proxy          *faults.Proxy
	apiserverArgs  []string
	exited         chan error

	// mu guards processes[0] (the apiserver, replaced by a restart) and deliberate.
	mu sync.Mutex
	// deliberate holds the processes stopped on purpose: their exit does not stop the sandbox.
	deliberate map[*child.Process]bool

	// AdminKubeconfig is a system:masters kubeconfig; RestrictedKubeconfig is a user that may
	// only get/list/watch (its RBAC is created by the caller).
	AdminKubeconfig, RestrictedKubeconfig string
	// RestrictedUser is the user name in RestrictedKubeconfig.
	RestrictedUser string
	// Admin is the REST config of the admin kubeconfig, for the sandbox's own clients.
	Admin *rest.Config
}

const (
	contextName    = "drill-sandbox"
	restrictedUser = "drill-restricted"
	serviceCIDR    = "10.96.0.0/16"
)

// Start brings up etcd, then the apiserver (waiting for /readyz), then the controllers.
func Start(ctx context.Context, cfg Config) (*ControlPlane, error) {
	if !cfg.KeepState {
		if err := os.RemoveAll(cfg.Dir + "/state"); err != nil {
			return nil, err
		}
	}
	cp := &ControlPlane{cfg: cfg, RestrictedUser: restrictedUser, exited: make(chan error, 8), deliberate: map[*child.Process]bool{}}
	for _, d := range []string{"pki", "state", "logs"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	ports, err := child.FreePorts(4)
	if err != nil {
		return nil, err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	if err := cp.startEtcd(etcdURL, fmt.Sprintf("http://127.0.0.1:%d", ports[1])); err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	cp.direct = fmt.Sprintf("https://127.0.0.1:%d", ports[2])
	cp.server = fmt.Sprintf("https://127.0.0.1:%d", ports[3])
	if err := cp.writeCredentials(); err != nil {
		return nil, err
	}
	cp.proxy, err = faults.NewProxy(fmt.Sprintf("127.0.0.1:%d", ports[3]), fmt.Sprintf("127.0.0.1:%d", ports[2]),
		cp.path("pki", "apiserver.crt"), cp.path("pki", "apiserver.key"))
	if err != nil {
		return nil, err
	}
	if err := cp.startAPIServer(etcdURL, ports[2]); err != nil {
		return nil, err
	}
	if err := cp.waitReady(ctx, 60*time.Second); err != nil {
		return nil, err
	}
	if err := cp.startControllers(); err != nil {
		return nil, err
	}
	return cp, nil
}

// Server is the URL users connect to: the fault proxy in front of the apiserver.
func (cp *ControlPlane) Server() string { return cp.server }

// Proxy is the fault proxy in front of the apiserver.
func (cp *ControlPlane) Proxy() *faults.Proxy { return cp.proxy }

// Pids lists the child processes, for the pid file.
func (cp *ControlPlane) Pids() []int {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	pids := make([]int, 0, len(cp.processes))
	for _, p := range cp.processes {
		pids = append(pids, p.Pid())
	}
	return pids
}

// Exited reports a child process that stopped other than on purpose, so the supervisor can stop too.
func (cp *ControlPlane) Exited() <-chan error { return cp.exited }

// Stop terminates the processes in reverse start order, then etcd.
func (cp *ControlPlane) Stop(timeout time.Duration) {
	if cp.proxy != nil {
		cp.proxy.Close()
	}
	cp.mu.Lock()
	processes := append([]*child.Process(nil), cp.processes...)
	for _, p := range processes {
		cp.deliberate[p] = true
	}
	cp.mu.Unlock()
	for i := len(processes) - 1; i >= 0; i-- {
		processes[i].Stop(timeout)
	}
	if cp.etcd != nil {
		cp.etcd.Close()
	}
}

// RestartAPIServer kills the apiserver (SIGKILL, as a crash would), starts it again on the same
// port and waits until it is ready. Users' connections are refused from the kill until then.
// It returns the new process id, for the pid file.
func (cp *ControlPlane) RestartAPIServer(ctx context.Context) (int, error) {
	cp.mu.Lock()
	old := cp.processes[0]
	cp.deliberate[old] = true
	cp.mu.Unlock()
	cp.proxy.Down()
	_ = old.Signal(syscall.SIGCONT)
	_ = old.Signal(syscall.SIGKILL)
	<-old.Done()
	p, err := child.Start(cp.cfg.Dir, "kube-apiserver", filepath.Join(cp.cfg.BinDir, "kube-apiserver"), cp.apiserverArgs, nil)
	if err != nil {
		return 0, err
	}
	cp.mu.Lock()
	cp.processes[0] = p
	cp.mu.Unlock()
	cp.watchExit(p)
	if err := cp.waitReady(ctx, 60*time.Second); err != nil {
		return 0, err
	}
	return p.Pid(), cp.proxy.Up()
}

// PauseAPIServer stops the apiserver (SIGSTOP) for d: connections are accepted and nothing is
// answered, as with a server stuck in a long GC pause or on a frozen machine.
func (cp *ControlPlane) PauseAPIServer(d time.Duration) error {
	cp.mu.Lock()
	p := cp.processes[0]
	cp.mu.Unlock()
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	time.AfterFunc(d, func() { _ = p.Signal(syscall.SIGCONT) })
	return nil
}

func (cp *ControlPlane) watchExit(p *child.Process) {
	go func() {
		<-p.Done()
		cp.mu.Lock()
		deliberate := cp.deliberate[p]
		cp.mu.Unlock()
		if !deliberate {
			cp.exited <- p.Err()
		}
	}()
}

func (cp *ControlPlane) path(parts ...string) string {
	return filepath.Join(append([]string{cp.cfg.Dir}, parts...)...)
}

func (cp *ControlPlane) logFile(name string) string { return cp.path("logs", name+".log") }

func (cp *ControlPlane) startEtcd(clientURL, peerURL string) error {
	ec := embed.NewConfig()
	ec.Name = "sandbox"
	ec.Dir = cp.path("state", "etcd")
	cu, _ := url.Parse(clientURL)
	pu, _ := url.Parse(peerURL)
	ec.ListenClientUrls, ec.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.LogLevel = zapcore.ErrorLevel.String()
	ec.LogOutputs = []string{cp.logFile("etcd")}
	// A sandbox is thrown away on every start: durability buys nothing and fsync costs seconds.
	ec.UnsafeNoFsync = true
	e, err := embed.StartEtcd(ec)
	if err != nil {
		return err
	}
	select {
	case <-e.Server.ReadyNotify():
		cp.etcd = e
		return nil
	case <-time.After(30 * time.Second):
		e.Close()
		return errors.New("not ready after 30s")
	}
}

func (cp *ControlPlane) writeCredentials() error {
	dir := cp.path("pki")
	ca, err := pki.NewAuthority(dir)
	if err != nil {
		return err
	}
	cp.ca = ca
	if _, err := ca.ServingCert("apiserver",
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")}); err != nil {
		return err
	}
	if _, _, err := pki.ServiceAccountKey(dir); err != nil {
		return err
	}
	// Users go through the fault proxy; the control plane's components do not.
	clients := []struct{ file, user, group, server string }{
		{"kubeconfig", "drill-admin", "system:masters", cp.server},
		{"kubeconfig-restricted", restrictedUser, "", cp.server},
		{"state/controller-manager.kubeconfig", "system:kube-controller-manager", "", cp.direct},
		{"state/scheduler.kubeconfig", "system:kube-scheduler", "", cp.direct},
	}
	for _, c := range clients {
		var groups []string
		if c.group != "" {
			groups = append(groups, c.group)
		}
		id, err := ca.ClientCert(filepath.Base(c.file), c.user, groups...)
		if err != nil {
			return err
		}
		name := contextName
		if c.user == restrictedUser {
			name += "-restricted"
		}
		if err := clientcmd.WriteToFile(kubeconfig(name, c.server, ca.CertPEM, id), cp.path(c.file)); err != nil {
			return err
		}
	}
	cp.AdminKubeconfig, cp.RestrictedKubeconfig = cp.path("kubeconfig"), cp.path("kubeconfig-restricted")
	// The supervisor's own clients (the simulated kubelets, the traffic simulator) are part of the
	// cluster, not its users: a fault set for users does not reach them.
	cp.Admin, err = clientcmd.BuildConfigFromFlags(cp.direct, cp.AdminKubeconfig)
	return err
}

func kubeconfig(name, server string, caPEM []byte, id pki.Identity) clientcmdapi.Config {
	return clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{contextName: {Server: server, CertificateAuthorityData: caPEM}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{name: {ClientCertificateData: id.CertPEM, ClientKeyData: id.KeyPEM}},
		Contexts:       map[string]*clientcmdapi.Context{name: {Cluster: contextName, AuthInfo: name}},
		CurrentContext: name,
	}
}

// egressSelector sends everything the apiserver would open towards the cluster (node and pod
// proxy, logs, exec, port-forward) to a socket that does not exist, so it fails at once: pod and
// node addresses in the sandbox are fictional and must never be dialled.
const egressSelector = `apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: %s
`

func (cp *ControlPlane) startAPIServer(etcdURL string, port int) error {
	egress := cp.path("state", "egress-selector.yaml")
	if err := os.WriteFile(egress, fmt.Appendf(nil, egressSelector, cp.path("state", "no-egress.sock")), 0o644); err != nil {
		return err
	}
	cp.apiserverArgs = []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + cp.path("state", "apiserver"),
		"--tls-cert-file=" + cp.path("pki", "apiserver.crt"),
		"--tls-private-key-file=" + cp.path("pki", "apiserver.key"),
		"--client-ca-file=" + cp.path("pki", "ca.crt"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + cp.path("pki", "sa.pub"),
		"--service-account-signing-key-file=" + cp.path("pki", "sa.key"),
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--service-cluster-ip-range=" + serviceCIDR,
		// The built-in kubernetes Service cannot take a loopback endpoint.
		"--endpoint-reconciler-type=none",
		"--egress-selector-config-file=" + egress,
		"--allow-privileged=true",
		"--profiling=false",
		"--event-ttl=1h",
	}
	return cp.spawn("kube-apiserver", cp.apiserverArgs...)
}

const schedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: %s
  qps: %d
  burst: %d
leaderElection:
  leaderElect: false
`

func (cp *ControlPlane) startControllers() error {
	qps := strconv.Itoa(cp.cfg.APIQPS)
	burst := strconv.Itoa(2 * cp.cfg.APIQPS)
	if err := cp.spawn("kube-controller-manager",
		"--kubeconfig="+cp.path("state", "controller-manager.kubeconfig"),
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+cp.path("pki", "sa.key"),
		"--root-ca-file="+cp.path("pki", "ca.crt"),
		"--cluster-signing-cert-file="+cp.path("pki", "ca.crt"),
		"--cluster-signing-key-file="+cp.path("pki", "ca.key"),
		"--service-cluster-ip-range="+serviceCIDR,
		"--cert-dir="+cp.path("state", "controller-manager"),
		// Left unset, the controller-manager creates /usr/libexec/kubernetes/kubelet-plugins/...
		"--flex-volume-plugin-dir="+cp.path("state", "flexvolume"),
		"--kube-api-qps="+qps,
		"--kube-api-burst="+burst,
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
		"--concurrent-service-endpoint-syncs=10",
		"--concurrent-gc-syncs=20",
		"--profiling=false",
	); err != nil {
		return err
	}
	schedCfg := cp.path("state", "scheduler.yaml")
	if err := os.WriteFile(schedCfg, fmt.Appendf(nil, schedulerConfig, cp.path("state", "scheduler.kubeconfig"), cp.cfg.APIQPS, 2*cp.cfg.APIQPS), 0o644); err != nil {
		return err
	}
	return cp.spawn("kube-scheduler",
		"--config="+schedCfg,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--profiling=false",
	)
}

func (cp *ControlPlane) spawn(name string, args ...string) error {
	p, err := child.Start(cp.cfg.Dir, name, filepath.Join(cp.cfg.BinDir, name), args, nil)
	if err != nil {
		return err
	}
	cp.mu.Lock()
	cp.processes = append(cp.processes, p)
	cp.mu.Unlock()
	cp.watchExit(p)
	return nil
}

func (cp *ControlPlane) waitReady(ctx context.Context, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cp.ca.CertPEM)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(timeout)
	for {
		// /readyz is readable without credentials (system:public-info-viewer).
		resp, err := client.Get(cp.direct + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready after %s (see %s)", timeout, cp.logFile("kube-apiserver"))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
