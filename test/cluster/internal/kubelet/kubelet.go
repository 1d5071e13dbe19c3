// Package kubelet simulates the kubelets of many nodes in one process: it registers nodes with
// region and zone labels, keeps them Ready with Lease heartbeats, runs the pods bound to them
// (Running and Ready with a fictional pod IP), finishes graceful deletions and completes Job pods.
// No container ever runs and no pod address is ever dialled.
//
// Pod annotations make failure paths testable:
//
//	sandbox.drill.dev/start-delay: 5s         the pod stays Pending this long after it is bound
//	sandbox.drill.dev/not-ready: "true"       the pod runs but is not Ready (may be changed live)
//	sandbox.drill.dev/termination-delay: 10s  deletion takes this long, instead of the capped grace period
//	sandbox.drill.dev/complete-after: 3s      the pod completes this long after it starts (Job pods: the default job duration)
//	sandbox.drill.dev/exit-code: "1"          the code a completing pod exits with (non-zero: Failed)
package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
)

const annotationPrefix = "sandbox.drill.dev/"

// Config shapes the simulated fleet.
type Config struct {
	Regions        []string
	ZonesPerRegion int
	NodesPerZone   int
	// GraceCap caps how long a graceful pod deletion takes, so tests need not wait 30 s per pod.
	GraceCap time.Duration
	// JobDuration is how long a Job's pod runs before it succeeds.
	JobDuration time.Duration
	// LeaseRenewInterval is how often node Leases are renewed.
	LeaseRenewInterval time.Duration
	Workers            int
}

type node struct {
	name, region, zone, internalIP string
	index                          int
	// lease is the node's Lease as last written; renewals update it without reading it first.
	// renewing is set while a renewal is in flight, so a slow one is not overtaken by the next.
	lease    *coordinationv1.Lease
	renewing atomic.Bool
}

// MaxNodes is how many nodes the address plan below has room for: node i gets the pod CIDR
// 10.(244+i/256).(i%256).0/24, so the first 256 keep the 10.244.i.0/24 of a smaller fleet.
const MaxNodes = 12 * 256

// Kubelet is the simulator.
type Kubelet struct {
	cfg    Config
	client kubernetes.Interface
	nodes  map[string]*node
	pods   corelisters.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]

	mu       sync.Mutex
	seen     map[types.UID]time.Time // when the pod was first seen bound, for start-delay
	deleting map[types.UID]time.Time // when the pod was first seen terminating
	ips      map[string]map[string]types.UID
	podIP    map[types.UID]string
}

// New builds the simulator; Run starts it.
func New(client kubernetes.Interface, cfg Config) *Kubelet {
	k := &Kubelet{
		cfg:      cfg,
		client:   client,
		nodes:    map[string]*node{},
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		seen:     map[types.UID]time.Time{},
		deleting: map[types.UID]time.Time{},
		ips:      map[string]map[string]types.UID{},
		podIP:    map[types.UID]string{},
	}
	i := 0
	for _, region := range cfg.Regions {
		for z := range cfg.ZonesPerRegion {
			zone := fmt.Sprintf("%s-%c", region, 'a'+z)
			for n := range cfg.NodesPerZone {
				name := fmt.Sprintf("%s-%d", zone, n+1)
				k.nodes[name] = &node{
					name: name, region: region, zone: zone, index: i,
					internalIP: fmt.Sprintf("10.1.%d.%d", (i+10)/256, (i+10)%256),
				}
				i++
			}
		}
	}
	return k
}

// NodeNames lists the simulated nodes.
func (k *Kubelet) NodeNames() []string {
	names := make([]string, 0, len(k.nodes))
	for name := range k.nodes {
		names = append(names, name)
	}
	return names
}

// Run serves the nodes Register registered until ctx ends.
func (k *Kubelet) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName!=" }))
	podInformer := factory.Core().V1().Pods()
	k.pods = podInformer.Lister()
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    k.enqueue,
		UpdateFunc: func(_, obj any) { k.enqueue(obj) },
		DeleteFunc: k.enqueue,
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	for range k.cfg.Workers {
		go k.work(ctx)
	}
	go k.heartbeat(ctx)
	<-ctx.Done()
	k.queue.ShutDown()
	return nil
}

// Register creates every node, Ready, and its Lease. It returns the first error, so that a node
// the API refuses stops the sandbox's start at once rather than leaving it waiting for the node.
func (k *Kubelet) Register(ctx context.Context) error {
	errs := make(chan error, len(k.nodes))
	for _, n := range k.nodes {
		go func() { errs <- k.registerNode(ctx, n) }()
	}
	for range k.nodes {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

func (k *Kubelet) registerNode(ctx context.Context, n *node) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("16"),
		corev1.ResourceMemory:           resource.MustParse("64Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	obj := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: n.name,
			Labels: map[string]string{
				"kubernetes.io/hostname":           n.name,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				"node.kubernetes.io/instance-type": "sandbox.large",
				"topology.kubernetes.io/region":    n.region,
				"topology.kubernetes.io/zone":      n.zone,
				"sandbox.drill.dev/simulated":      "true",
			},
		},
		Spec: corev1.NodeSpec{PodCIDR: k.podCIDR(n), PodCIDRs: []string{k.podCIDR(n)}},
	}
	created, err := k.client.CoreV1().Nodes().Create(ctx, obj, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("register node %s: %w", n.name, err)
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "simulated kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", LastHeartbeatTime: now, LastTransitionTime: now},
			{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", LastHeartbeatTime: now, LastTransitionTime: now},
		},
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: n.internalIP},
			{Type: corev1.NodeHostName, Address: n.name},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion: "v1.36.3-sandbox", OperatingSystem: "linux", Architecture: "amd64",
			ContainerRuntimeVersion: "sandbox://1.0", OSImage: "kubectl-drill sandbox",
		},
	}
	if _, err := k.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("node %s status: %w", n.name, err)
	}
	lease := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			Name: n.name, Namespace: corev1.NamespaceNodeLease,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.name, UID: created.UID}},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(n.name),
			LeaseDurationSeconds: ptr.To[int32](40),
			RenewTime:            &metav1.MicroTime{Time: time.Now()},
		},
	}
	if n.lease, err = k.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("node %s lease: %w", n.name, err)
	}
	return nil
}

func (k *Kubelet) podCIDR(n *node) string {
	return fmt.Sprintf("10.%d.%d.0/24", 244+n.index/256, n.index%256)
}

// heartbeat renews every node's Lease, which is what the node lifecycle controller watches. A
// round's renewals are spread evenly over the interval, each sent on its own: one after another,
// a read and a write each, a round of 1000 nodes needs 2000 answers of under 5 ms each to fit in
// 10 s, and all at once they would hold back the pods' updates behind the client's rate limit.
func (k *Kubelet) heartbeat(ctx context.Context) {
	if len(k.nodes) == 0 {
		return
	}
	nodes := make([]*node, 0, len(k.nodes))
	for _, n := range k.nodes {
		nodes = append(nodes, n)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].index < nodes[j].index })
	step := k.cfg.LeaseRenewInterval / time.Duration(len(nodes))
	timer := time.NewTimer(k.cfg.LeaseRenewInterval)
	defer timer.Stop()
	for i := 0; ; i = (i + 1) % len(nodes) {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		timer.Reset(step)
		if n := nodes[i]; n.renewing.CompareAndSwap(false, true) {
			go func() {
				defer n.renewing.Store(false)
				k.renewLease(ctx, n)
			}()
		}
	}
}

// renewLease writes the Lease as last written with a new renew time; only when someone else
// wrote it in between (a conflict) is it read again, for the next renewal.
func (k *Kubelet) renewLease(ctx context.Context, n *node) {
	leases := k.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	lease := n.lease.DeepCopy()
	lease.Spec.RenewTime = &metav1.MicroTime{Time: time.Now()}
	updated, err := leases.Update(ctx, lease, metav1.UpdateOptions{})
	if err == nil {
		n.lease = updated
		return
	}
	if ctx.Err() != nil {
		return
	}
	log.Printf("renew lease %s: %v", n.name, err)
	if apierrors.IsConflict(err) {
		if current, err := leases.Get(ctx, n.name, metav1.GetOptions{}); err == nil {
			n.lease = current
		}
	}
}

func (k *Kubelet) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		k.queue.Add(key)
	}
}

func (k *Kubelet) work(ctx context.Context) {
	for {
		key, quit := k.queue.Get()
		if quit {
			return
		}
		if err := k.sync(ctx, key); err != nil {
			if ctx.Err() == nil && !apierrors.IsNotFound(err) {
				log.Printf("sync pod %s: %v", key, err)
				k.queue.AddRateLimited(key)
			}
		} else {
			k.queue.Forget(key)
		}
		k.queue.Done(key)
	}
}

// sync moves one pod along its life: start it, complete it, or finish its deletion. Each step
// that has to wait requeues the pod for the moment it is due.
func (k *Kubelet) sync(ctx context.Context, key string) error {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	pod, err := k.pods.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	n, ours := k.nodes[pod.Spec.NodeName]
	if !ours {
		return nil
	}
	now := time.Now()
	if pod.DeletionTimestamp != nil {
		return k.finishDeletion(ctx, key, pod, now)
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return nil
	case corev1.PodRunning:
		if due, completes := k.completionTime(pod); completes {
			if now.Before(due) {
				k.queue.AddAfter(key, due.Sub(now))
				return nil
			}
			return k.complete(ctx, pod)
		}
		if ready := !notReady(pod); ready != isReady(pod) {
			return k.patchStatus(ctx, pod, k.runningStatus(pod, n, ready))
		}
		return nil
	default:
		due := k.firstSeen(pod.UID, now).Add(annotationDuration(pod, "start-delay", 0))
		if now.Before(due) {
			k.queue.AddAfter(key, due.Sub(now))
			return nil
		}
		return k.patchStatus(ctx, pod, k.runningStatus(pod, n, !notReady(pod)))
	}
}

func (k *Kubelet) finishDeletion(ctx context.Context, key string, pod *corev1.Pod, now time.Time) error {
	delay := min(time.Duration(ptr.Deref(pod.DeletionGracePeriodSeconds, 0))*time.Second, k.cfg.GraceCap)
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		delay = 0
	}
	delay = annotationDuration(pod, "termination-delay", delay)
	k.mu.Lock()
	since, ok := k.deleting[pod.UID]
	if !ok {
		since = now
		k.deleting[pod.UID] = now
	}
	k.mu.Unlock()
	if due := since.Add(delay); now.Before(due) {
		k.queue.AddAfter(key, due.Sub(now))
		return nil
	}
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return err
	}
	k.forget(pod)
	return nil
}

func (k *Kubelet) forget(pod *corev1.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.seen, pod.UID)
	delete(k.deleting, pod.UID)
	if ip, ok := k.podIP[pod.UID]; ok {
		delete(k.ips[pod.Spec.NodeName], ip)
		delete(k.podIP, pod.UID)
	}
}

func (k *Kubelet) firstSeen(uid types.UID, now time.Time) time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t, ok := k.seen[uid]; ok {
		return t
	}
	k.seen[uid] = now
	return now
}

// allocateIP gives the pod a stable address from its node's pod CIDR.
func (k *Kubelet) allocateIP(pod *corev1.Pod, n *node) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ip, ok := k.podIP[pod.UID]; ok {
		return ip
	}
	used := k.ips[n.name]
	if used == nil {
		used = map[string]types.UID{}
		k.ips[n.name] = used
	}
	for host := 2; host < 255; host++ {
		ip := fmt.Sprintf("10.%d.%d.%d", 244+n.index/256, n.index%256, host)
		if _, taken := used[ip]; !taken {
			used[ip] = pod.UID
			k.podIP[pod.UID] = ip
			return ip
		}
	}
	return ""
}

func (k *Kubelet) completionTime(pod *corev1.Pod) (time.Time, bool) {
	start := time.Now()
	if pod.Status.StartTime != nil {
		start = pod.Status.StartTime.Time
	}
	if _, ok := pod.Annotations[annotationPrefix+"complete-after"]; ok {
		return start.Add(annotationDuration(pod, "complete-after", 0)), true
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Kind == "Job" {
			return start.Add(k.cfg.JobDuration), true
		}
	}
	return time.Time{}, false
}

func (k *Kubelet) runningStatus(pod *corev1.Pod, n *node, ready bool) corev1.PodStatus {
	now := metav1.Now()
	started := now
	if pod.Status.StartTime != nil {
		started = *pod.Status.StartTime
	}
	readyStatus := corev1.ConditionFalse
	if ready {
		readyStatus = corev1.ConditionTrue
	}
	ip := k.allocateIP(pod, n)
	status := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    n.internalIP,
		HostIPs:   []corev1.HostIP{{IP: n.internalIP}},
		PodIP:     ip,
		PodIPs:    []corev1.PodIP{{IP: ip}},
		StartTime: &started,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: started},
			{Type: corev1.ContainersReady, Status: readyStatus, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: readyStatus, LastTransitionTime: now},
		},
	}
	for _, c := range pod.Spec.InitContainers {
		status.InitContainerStatuses = append(status.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, ContainerID: containerID(pod, c.Name), Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: started}},
		})
	}
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, ContainerID: containerID(pod, c.Name),
			Ready: ready, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}},
		})
	}
	return status
}

func (k *Kubelet) complete(ctx context.Context, pod *corev1.Pod) error {
	exitCode := int32(0)
	if v, ok := pod.Annotations[annotationPrefix+"exit-code"]; ok {
		if code, err := strconv.Atoi(v); err == nil {
			exitCode = int32(code)
		}
	}
	phase, reason := corev1.PodSucceeded, "Completed"
	if exitCode != 0 {
		phase, reason = corev1.PodFailed, "Error"
	}
	now := metav1.Now()
	status := corev1.PodStatus{
		Phase: phase,
		Conditions: []corev1.PodCondition{
			{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: "PodCompleted", LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "PodCompleted", LastTransitionTime: now},
		},
	}
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, ContainerID: containerID(pod, c.Name), Started: ptr.To(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: exitCode, Reason: reason, StartedAt: *pod.Status.StartTime, FinishedAt: now,
			}},
		})
	}
	return k.patchStatus(ctx, pod, status)
}

// patchStatus merges the status in with a strategic-merge patch, so conditions other components
// own (PodScheduled, DisruptionTarget) survive and no read-modify-write conflict can occur.
func (k *Kubelet) patchStatus(ctx context.Context, pod *corev1.Pod, status corev1.PodStatus) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": pod.UID},
		"status":   status,
	})
	if err != nil {
		return err
	}
	_, err = k.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	return err
}

func containerID(pod *corev1.Pod, container string) string {
	return fmt.Sprintf("sandbox://%s/%s", pod.UID, container)
}

func notReady(pod *corev1.Pod) bool {
	return pod.Annotations[annotationPrefix+"not-ready"] == "true"
}

func isReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func annotationDuration(pod *corev1.Pod, name string, fallback time.Duration) time.Duration {
	v, ok := pod.Annotations[annotationPrefix+name]
	if !ok {
		return fallback
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		log.Printf("pod %s/%s: annotation %s%s=%q is not a duration", pod.Namespace, pod.Name, annotationPrefix, name, v)
		return fallback
	}
	return d
}
