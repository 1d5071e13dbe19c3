package traffic

import (
	"math"
	"math/rand/v2"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

func TestChooseIsProportionalToWeights(t *testing.T) {
	weights := []float64{100, 0, 300, 100}
	rng := rand.New(rand.NewPCG(1, 2))
	counts := make([]int, len(weights))
	const n = 200000
	for range n {
		counts[Choose(weights, rng.Float64())]++
	}
	if counts[1] != 0 {
		t.Fatalf("a weight-0 index was chosen %d times", counts[1])
	}
	for i, want := range []float64{0.2, 0, 0.6, 0.2} {
		if got := float64(counts[i]) / n; math.Abs(got-want) > 0.005 {
			t.Errorf("index %d chosen %.4f of the time, want %.2f", i, got, want)
		}
	}
}

func TestChooseEdges(t *testing.T) {
	if got := Choose([]float64{0, 0}, 0.3); got != -1 {
		t.Fatalf("no weight: %d", got)
	}
	if got := Choose(nil, 0.3); got != -1 {
		t.Fatalf("no region: %d", got)
	}
	if got := Choose([]float64{1, 0, 1, 0}, 0.9999999999); got != 2 {
		t.Fatalf("top of the range: %d", got)
	}
	if got := Choose([]float64{1, 0, 1}, 0); got != 0 {
		t.Fatalf("bottom of the range: %d", got)
	}
}

func TestBackendsFromRouteAndSlices(t *testing.T) {
	regions := []string{"eu-west", "us-east", "ap-south"}
	ref := func(name string, weight *int32) gatewayv1.HTTPBackendRef {
		return gatewayv1.HTTPBackendRef{BackendRef: gatewayv1.BackendRef{
			BackendObjectReference: gatewayv1.BackendObjectReference{Name: gatewayv1.ObjectName(name), Port: ptr.To(gatewayv1.PortNumber(80))},
			Weight:                 weight,
		}}
	}
	other := ref("frontend-us-east", ptr.To[int32](50))
	other.Namespace = ptr.To(gatewayv1.Namespace("elsewhere"))
	route := &gatewayv1.HTTPRoute{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "storefront"},
		Spec: gatewayv1.HTTPRouteSpec{Rules: []gatewayv1.HTTPRouteRule{
			{BackendRefs: []gatewayv1.HTTPBackendRef{
				ref("frontend-eu-west", ptr.To[int32](100)),
				ref("frontend-us-east", ptr.To[int32](0)),
				ref("frontend-ap-south", nil), // unset: 1
				ref("frontend-mars", ptr.To[int32](100)),
				other,
			}},
			{BackendRefs: []gatewayv1.HTTPBackendRef{ref("frontend-eu-west", ptr.To[int32](20))}},
		}},
	}
	slice := func(ns, service string, ready ...*bool) *discoveryv1.EndpointSlice {
		s := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Labels: map[string]string{discoveryv1.LabelServiceName: service},
		}}
		for _, r := range ready {
			s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.244.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: r}})
		}
		return s
	}
	got := Backends(regions, "frontend-", route, []*discoveryv1.EndpointSlice{
		slice("shop", "frontend-eu-west", ptr.To(true), ptr.To(false)),
		slice("shop", "frontend-eu-west", nil),
		slice("shop", "frontend-us-east", ptr.To(true)),
		slice("shop", "frontend-ap-south", ptr.To(false)),
		slice("elsewhere", "frontend-ap-south", ptr.To(true)),
	})
	want := []Backend{{Weight: 120, ReadyEndpoints: 2}, {Weight: 0, ReadyEndpoints: 1}, {Weight: 1, ReadyEndpoints: 0}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: %+v, want %+v", regions[i], got[i], want[i])
		}
		if got[i].Eligible() != []float64{120, 0, 0}[i] {
			t.Errorf("%s eligible %v", regions[i], got[i].Eligible())
		}
	}
	if none := Backends(regions, "frontend-", nil, nil); none[0].Weight != 0 || none[0].Eligible() != 0 {
		t.Errorf("no route: %+v", none)
	}
}

func TestRouteAcceptedNeedsEveryParentAtTheCurrentGeneration(t *testing.T) {
	accepted := func(gen int64) gatewayv1.RouteParentStatus {
		return gatewayv1.RouteParentStatus{ControllerName: ControllerName, Conditions: []metav1.Condition{
			{Type: "Accepted", Status: metav1.ConditionTrue, ObservedGeneration: gen},
		}}
	}
	route := &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	route.Spec.ParentRefs = []gatewayv1.ParentReference{{Name: "public"}}
	if routeAccepted(route) {
		t.Fatal("no status yet")
	}
	route.Status.Parents = []gatewayv1.RouteParentStatus{accepted(2)}
	if routeAccepted(route) {
		t.Fatal("an older generation is not accepted")
	}
	route.Status.Parents = []gatewayv1.RouteParentStatus{accepted(3)}
	if !routeAccepted(route) {
		t.Fatal("the current generation is accepted")
	}
	route.Spec.ParentRefs = append(route.Spec.ParentRefs, gatewayv1.ParentReference{Name: "other"})
	if routeAccepted(route) {
		t.Fatal("every parent needs a status")
	}
}
