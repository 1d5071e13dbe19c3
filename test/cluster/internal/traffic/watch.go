package traffic

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

var (
	httpRoutes     = gatewayv1.SchemeGroupVersion.WithResource("httproutes")
	endpointSlices = schema.GroupVersionResource{Group: discoveryv1.GroupName, Version: "v1", Resource: "endpointslices"}
	configMaps     = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// ClientsConfigMap names the ConfigMap, in the route's namespace, that shapes the clients while
// the simulator runs: `stickyFraction` (0 to 1) of the clients keep every answer for `stickyFor`
// (a Go duration) instead of the TTL. Without it, or with either key missing or 0, no client is
// sticky. A value that does not parse is logged and the tail stays as it was.
const ClientsConfigMap = "traffic-clients"

// Source says which objects feed the resolver.
type Source struct {
	// Namespace and Route name the HTTPRoute; Services are ServicePrefix+region in Namespace.
	Namespace, Route, ServicePrefix string
}

// Watch keeps the simulator's backends in step with the HTTPRoute and the EndpointSlices of the
// regions' Services, through informers of the dynamic client. It returns once the informers have
// synced and the simulator has been told the first state; they run until ctx ends.
func Watch(ctx context.Context, client dynamic.Interface, src Source, sim *Simulator) error {
	var services []string
	for _, r := range sim.cfg.Regions {
		services = append(services, src.ServicePrefix+r)
	}
	factory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, src.Namespace, nil)
	routes := factory.ForResource(httpRoutes)
	sliceFactory := dynamicinformer.NewFilteredDynamicSharedInformerFactory(client, 0, src.Namespace, func(o *metav1.ListOptions) {
		o.LabelSelector = fmt.Sprintf("%s in (%s)", discoveryv1.LabelServiceName, strings.Join(services, ","))
	})
	slices := sliceFactory.ForResource(endpointSlices)
	clients := factory.ForResource(configMaps)

	// The two informers call update concurrently; each call reads both caches whole, and mu keeps
	// one from overwriting a newer state with an older one.
	var mu sync.Mutex
	update := func() {
		mu.Lock()
		defer mu.Unlock()
		var route *gatewayv1.HTTPRoute
		routeObj, err := routes.Lister().ByNamespace(src.Namespace).Get(src.Route)
		if err == nil {
			route = &gatewayv1.HTTPRoute{}
			if err := fromUnstructured(routeObj, route); err != nil {
				log.Printf("traffic: HTTPRoute %s/%s: %v", src.Namespace, src.Route, err)
				route = nil
			}
		}
		objs, _ := slices.Lister().ByNamespace(src.Namespace).List(labels.Everything())
		typed := make([]*discoveryv1.EndpointSlice, 0, len(objs))
		for _, obj := range objs {
			s := &discoveryv1.EndpointSlice{}
			if err := fromUnstructured(obj, s); err != nil {
				log.Printf("traffic: EndpointSlice: %v", err)
				continue
			}
			typed = append(typed, s)
		}
		sim.SetBackends(time.Now(), Backends(sim.cfg.Regions, src.ServicePrefix, route, typed))
		if route != nil {
			// A conflict means a newer version is on its way to the cache, and with it a new call.
			if err := acceptRoute(ctx, client, routeObj.(*unstructured.Unstructured), route); err != nil {
				log.Printf("traffic: status of HTTPRoute %s/%s: %v", src.Namespace, src.Route, err)
			}
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { update() },
		UpdateFunc: func(any, any) { update() },
		DeleteFunc: func(any) { update() },
	}
	for _, inf := range []cache.SharedIndexInformer{routes.Informer(), slices.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return err
		}
	}
	updateClients := func() {
		var data map[string]string
		if obj, err := clients.Lister().ByNamespace(src.Namespace).Get(ClientsConfigMap); err == nil {
			data, _, _ = unstructured.NestedStringMap(obj.(*unstructured.Unstructured).Object, "data")
		}
		sticky, err := ParseSticky(data)
		if err != nil {
			log.Printf("traffic: ConfigMap %s/%s: %v", src.Namespace, ClientsConfigMap, err)
			return
		}
		sim.SetSticky(time.Now(), sticky)
	}
	if _, err := clients.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { updateClients() },
		UpdateFunc: func(any, any) { updateClients() },
		DeleteFunc: func(any) { updateClients() },
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	sliceFactory.Start(ctx.Done())
	for gvr, ok := range factory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("informer for %s did not sync", gvr)
		}
	}
	for gvr, ok := range sliceFactory.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("informer for %s did not sync", gvr)
		}
	}
	acceptGateways(ctx, client, src.Namespace)
	updateClients()
	update()
	return nil
}

// ParseSticky reads the tail from the data of ClientsConfigMap.
func ParseSticky(data map[string]string) (Sticky, error) {
	var sticky Sticky
	if v, ok := data["stickyFraction"]; ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 || f > 1 {
			return Sticky{}, fmt.Errorf("stickyFraction %q is not a number from 0 to 1", v)
		}
		sticky.Fraction = f
	}
	if v, ok := data["stickyFor"]; ok {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < 0 {
			return Sticky{}, fmt.Errorf("stickyFor %q is not a duration like 40s", v)
		}
		sticky.For = d
	}
	return sticky, nil
}

func fromUnstructured(obj runtime.Object, into any) error {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("unexpected %T", obj)
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}

// Run steps the simulator every Tick until ctx ends.
func (s *Simulator) Run(ctx context.Context) {
	ticker := time.NewTicker(s.cfg.Tick)
	defer ticker.Stop()
	s.Step(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.Step(time.Now())
		}
	}
}

// Serve exposes reg at /metrics on a free port of 127.0.0.1 and returns its URL.
func Serve(ctx context.Context, reg *prometheus.Registry) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return "http://" + l.Addr().String() + "/metrics", nil
}
