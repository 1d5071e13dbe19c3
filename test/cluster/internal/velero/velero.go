// Package velero runs real Velero in the sandbox, so that a drill can time a real restore: an
// S3-compatible store on 127.0.0.1 (test/cluster/velero/cmd/s3, gofakes3 in memory) and `velero
// server` outside the cluster, as Velero's docs allow for local development, with the official AWS
// object-store plugin. Both are child processes built from their Go modules by sandbox.sh into a
// folder of their own (velero, s3, plugins/, crds/). Velero backs up Kubernetes objects only here:
// no node agent, no volume snapshots, no file-system backup (the sandbox's pods have no data).
//
// Start installs what `velero install` would (the CRDs, the namespace, the credentials Secret, a
// BackupStorageLocation, and the server's Deployment, scaled to 0 as the docs' local run has it)
// and waits until the location is Available; BackupNamespace takes a backup and waits until it is
// Completed.
package velero

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"kubectl-drill/sandbox/internal/child"
	"kubectl-drill/sandbox/internal/wait"
	"kubectl-drill/sandbox/internal/workload"
)

const (
	// Namespace holds Velero's objects; `velero server --namespace` watches it.
	Namespace = "velero"
	// Location is the BackupStorageLocation, the server's default one.
	Location = "default"
	// Bucket is the store's bucket, there from the store's start.
	Bucket = "velero"
	// Region is what the AWS plugin signs with; the store ignores it, but the plugin asks the
	// bucket's region of a real AWS when none is given.
	Region = "us-east-1"
	// CredentialsSecret holds the AWS credentials file under CredentialsKey, the names `velero
	// install` uses; the location points at it, and Velero hands it to the plugin as a file.
	CredentialsSecret = "cloud-credentials"
	CredentialsKey    = "cloud"
	// credentials are fake: the store checks no signature.
	credentials = "[default]\naws_access_key_id = sandbox\naws_secret_access_key = sandbox-secret\n"
)

var (
	locations = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backupstoragelocations"}
	backups   = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backups"}
)

// Store is the running S3-compatible store.
type Store struct {
	*child.Process
	urlFile string
}

// StartStore starts the store from binDir; it needs nothing of the cluster, so it can start first.
func StartStore(dir, binDir string) (*Store, error) {
	// Backup logs saved by an earlier run (saveBackupLog) must not pass for this one's.
	old, _ := filepath.Glob(filepath.Join(dir, "logs", "backup-*.log.gz"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	urlFile := filepath.Join(dir, "state", "s3.url")
	p, err := child.Start(dir, "s3", filepath.Join(binDir, "s3"), []string{
		"--addr=127.0.0.1:0", "--url-file=" + urlFile, "--buckets=" + Bucket,
	}, nil)
	if err != nil {
		return nil, err
	}
	return &Store{Process: p, urlFile: urlFile}, nil
}

// URL waits for the store to listen and returns its URL.
func (s *Store) URL(ctx context.Context, timeout time.Duration) (string, error) {
	var url string
	err := wait.Until(ctx, timeout, "the S3 store's URL in "+s.urlFile, func() (bool, error) {
		if err := s.Err(); err != nil {
			return false, err
		}
		data, err := os.ReadFile(s.urlFile)
		url = strings.TrimSpace(string(data))
		return err == nil, nil
	})
	return url, err
}

// ReadVersion reads the Velero version sandbox.sh build recorded beside the binaries.
func ReadVersion(binDir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(binDir, "version"))
	return strings.TrimSpace(string(data)), err
}

// Config says where Velero is and what it talks to.
type Config struct {
	// Dir is the sandbox's state directory: Velero's temporary files (credential files, plugin
	// sockets) go to <Dir>/state/velero, its log to <Dir>/logs/velero.log.
	Dir string
	// BinDir holds velero, s3, plugins/ and crds/ (sandbox.sh build).
	BinDir string
	// Version is Velero's (the file version in BinDir: see ReadVersion).
	Version string
	// Kubeconfig is the admin kubeconfig the server uses.
	Kubeconfig string
	// Started is told the server's pid as soon as it runs, for the pid file.
	Started func(pid int) error
	// CRDsApplied is closed once every other CRD of the sandbox is Established: the server reads
	// discovery at start and then every 5 minutes, and a kind that appeared in between fails
	// every backup (PartiallyFailed, "no matches for" it), so it starts after them.
	CRDsApplied <-chan struct{}
}

// Server is a running `velero server` whose location is Available.
type Server struct {
	*child.Process
	// StoreURL is the S3 URL of the location.
	StoreURL string
	dynamic  dynamic.Interface
	logDir   string
}

// Start installs Velero's objects, starts the server and waits until the location is Available.
// On error it stops the server if it had started it.
func Start(ctx context.Context, cfg Config, store *Store, applier *workload.Applier, client kubernetes.Interface, dyn dynamic.Interface) (*Server, error) {
	n, err := applier.ApplyCRDs(ctx, os.DirFS(filepath.Join(cfg.BinDir, "crds")), ".", 60*time.Second)
	if err != nil {
		return nil, fmt.Errorf("velero CRDs: %w (bash test/cluster/sandbox.sh build puts them beside velero)", err)
	}
	// The server checks its kinds through discovery once, at start, and exits if one is missing.
	if err := waitDiscovered(ctx, client, n); err != nil {
		return nil, err
	}
	log.Printf("velero: %d CRDs established and discovered", n)
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: CredentialsSecret, Namespace: Namespace},
		StringData: map[string]string{CredentialsKey: credentials},
	}
	if _, err := client.CoreV1().Secrets(Namespace).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	if _, err := client.AppsV1().Deployments(Namespace).Create(ctx, serverDeployment(cfg.Version), metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	url, err := store.URL(ctx, 10*time.Second)
	if err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-cfg.CRDsApplied:
	}
	// The server starts before the location exists and validates it as soon as it appears, so
	// that its own start (plugin discovery, informers) overlaps the location's creation.
	p, err := startServer(cfg)
	if err != nil {
		return nil, err
	}
	log.Printf("velero: server started (pid %d)", p.Pid())
	s := &Server{Process: p, StoreURL: url, dynamic: dyn, logDir: filepath.Join(cfg.Dir, "logs")}
	if err := s.install(ctx, cfg); err != nil {
		p.Stop(5 * time.Second)
		return nil, err
	}
	return s, nil
}

// install records the server's pid, creates the location and waits until it is Available.
func (s *Server) install(ctx context.Context, cfg Config) error {
	if err := cfg.Started(s.Pid()); err != nil {
		return err
	}
	// Server-side apply, not create: the apiserver holds every create of a kind for 2 s when its
	// CRD became Established less than 2 s before (a guard for HA control planes,
	// apiextensions-apiserver's customresource_handler.go), and an apply is a patch.
	bsl := location(s.StoreURL)
	if _, err := s.dynamic.Resource(locations).Namespace(Namespace).Apply(ctx, Location, bsl, metav1.ApplyOptions{FieldManager: workload.FieldManager}); err != nil {
		return fmt.Errorf("BackupStorageLocation: %w", err)
	}
	log.Printf("velero: BackupStorageLocation %s created", Location)
	return s.waitAvailable(ctx, 60*time.Second)
}

// location is the BackupStorageLocation `velero install --provider aws` would make, pointed at
// the store: path-style requests (the store has no per-bucket host names) and the credentials
// Secret, which the server writes to a file under its TMPDIR for the plugin.
func location(storeURL string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "velero.io/v1",
		"kind":       "BackupStorageLocation",
		"metadata":   map[string]any{"name": Location, "namespace": Namespace},
		"spec": map[string]any{
			"provider":      "aws",
			"default":       true,
			"objectStorage": map[string]any{"bucket": Bucket},
			"credential":    map[string]any{"name": CredentialsSecret, "key": CredentialsKey},
			"config":        map[string]any{"region": Region, "s3ForcePathStyle": "true", "s3Url": storeURL},
		},
	}}
}

// serverDeployment is the Deployment `velero install` makes, with no replica: the server runs
// outside the cluster. Velero reads it all the same: the restore action for pods takes the image
// of its restore helper from it, and fails every restore with pods when it is missing.
func serverDeployment(version string) *appsv1.Deployment {
	labels := map[string]string{"component": "velero", "deploy": "velero"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "velero", Namespace: Namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "velero", Image: "velero/velero:" + version, Command: []string{"/velero"}, Args: []string{"server"},
				}}},
			},
		},
	}
}

func startServer(cfg Config) (*child.Process, error) {
	tmp := filepath.Join(cfg.Dir, "state", "velero")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, err
	}
	ports, err := child.FreePorts(1)
	if err != nil {
		return nil, err
	}
	return child.Start(cfg.Dir, "velero", filepath.Join(cfg.BinDir, "velero"), []string{
		"server",
		"--kubeconfig=" + cfg.Kubeconfig,
		"--namespace=" + Namespace,
		"--plugin-dir=" + filepath.Join(cfg.BinDir, "plugins"),
		// Every listener on loopback: its metrics on a free port, no profiler (its default is
		// localhost:6060, which two sandboxes would share). cmd/velero turns off the third.
		"--metrics-address=127.0.0.1:" + strconv.Itoa(ports[0]),
		"--profiler-address=",
		"--log-format=text",
	}, []string{
		// Velero's credentials directory is $TMPDIR/credentials: the sandbox's, not the machine's.
		"TMPDIR=" + tmp,
		// The plugin reads nothing of the machine's AWS setup and asks no metadata service.
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull,
	})
}

// waitDiscovered waits until discovery serves every one of Velero's n kinds.
func waitDiscovered(ctx context.Context, client kubernetes.Interface, n int) error {
	return wait.Until(ctx, 30*time.Second, fmt.Sprintf("discovery to serve Velero's %d kinds", n), func() (bool, error) {
		found := 0
		for _, gv := range []string{"velero.io/v1", "velero.io/v2alpha1"} {
			list, err := client.Discovery().ServerResourcesForGroupVersion(gv)
			if err != nil {
				return false, nil
			}
			for _, r := range list.APIResources {
				if !strings.Contains(r.Name, "/") {
					found++
				}
			}
		}
		return found == n, nil
	})
}

func (s *Server) waitAvailable(ctx context.Context, timeout time.Duration) error {
	var phase, message string
	err := wait.Until(ctx, timeout, "BackupStorageLocation "+Location+" to be Available", func() (bool, error) {
		if err := s.Err(); err != nil {
			return false, err
		}
		bsl, err := s.dynamic.Resource(locations).Namespace(Namespace).Get(ctx, Location, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		phase, _, _ = unstructured.NestedString(bsl.Object, "status", "phase")
		message, _, _ = unstructured.NestedString(bsl.Object, "status", "message")
		return phase == "Available", nil
	})
	if err != nil && phase != "" {
		return fmt.Errorf("%w (phase %s: %s; see %s)", err, phase, message, s.Log)
	}
	return err
}

// BackupNamespace backs up one namespace's objects to the location and waits until the Backup is
// Completed; any other final phase is an error.
func (s *Server) BackupNamespace(ctx context.Context, name, namespace string, timeout time.Duration) error {
	backup := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "velero.io/v1",
		"kind":       "Backup",
		"metadata":   map[string]any{"name": name, "namespace": Namespace},
		"spec": map[string]any{
			"includedNamespaces": []any{namespace},
			"storageLocation":    Location,
			"snapshotVolumes":    false,
		},
	}}
	client := s.dynamic.Resource(backups).Namespace(Namespace)
	if _, err := client.Create(ctx, backup, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("Backup %s: %w", name, err)
	}
	return wait.Until(ctx, timeout, fmt.Sprintf("Backup %s to be Completed (see %s)", name, s.Log), func() (bool, error) {
		if err := s.Err(); err != nil {
			return false, err
		}
		b, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		status, _, _ := unstructured.NestedMap(b.Object, "status")
		switch status["phase"] {
		case "Completed":
			return true, nil
		case "Failed", "FailedValidation", "PartiallyFailed":
			return false, fmt.Errorf("Backup %s: status %v (see %s)", name, status, s.saveBackupLog(ctx, name))
		}
		return false, nil
	})
}

// saveBackupLog copies the backup's own log, which Velero keeps in the store only, to the logs
// folder, and says where it is; when it cannot, it points at the server's log.
func (s *Server) saveBackupLog(ctx context.Context, name string) string {
	url := fmt.Sprintf("%s/%s/backups/%s/%s-logs.gz", s.StoreURL, Bucket, name, name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return s.Log
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s.Log
	}
	defer resp.Body.Close()
	file := filepath.Join(s.logDir, "backup-"+name+".log.gz")
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || os.WriteFile(file, data, 0o644) != nil {
		return s.Log
	}
	return file + " and " + s.Log
}
