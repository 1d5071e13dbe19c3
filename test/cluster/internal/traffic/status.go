package traffic

import (
	"context"
	"log"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// ControllerName is the GatewayClass controller the simulated load balancer plays.
const ControllerName = "sandbox.drill.dev/gateway-controller"

// The load balancer reports what it has taken in, as a Gateway API implementation does: the
// GatewayClass and the route's Gateways are Accepted (and the Gateways Programmed), and the route
// is Accepted by each parent with observedGeneration set to the generation it now follows. A drain
// action can thus wait for the route change to be picked up.

// acceptRoute writes the route's status when it does not yet show route's generation as accepted.
func acceptRoute(ctx context.Context, client dynamic.Interface, obj *unstructured.Unstructured, route *gatewayv1.HTTPRoute) error {
	if routeAccepted(route) {
		return nil
	}
	now := metav1.Now()
	status := gatewayv1.HTTPRouteStatus{}
	for _, ref := range route.Spec.ParentRefs {
		status.Parents = append(status.Parents, gatewayv1.RouteParentStatus{
			ParentRef:      ref,
			ControllerName: ControllerName,
			Conditions: []metav1.Condition{
				condition(string(gatewayv1.RouteConditionAccepted), string(gatewayv1.RouteReasonAccepted), "the simulated load balancer follows this route", route.Generation, now),
				condition(string(gatewayv1.RouteConditionResolvedRefs), string(gatewayv1.RouteReasonResolvedRefs), "backends are resolved by Service name", route.Generation, now),
			},
		})
	}
	return updateStatus(ctx, client, httpRoutes, obj, &status)
}

func routeAccepted(route *gatewayv1.HTTPRoute) bool {
	if len(route.Status.Parents) != len(route.Spec.ParentRefs) {
		return false
	}
	for _, p := range route.Status.Parents {
		accepted := false
		for _, c := range p.Conditions {
			if c.Type == string(gatewayv1.RouteConditionAccepted) && c.Status == metav1.ConditionTrue && c.ObservedGeneration == route.Generation {
				accepted = true
			}
		}
		if p.ControllerName != ControllerName || !accepted {
			return false
		}
	}
	return true
}

// acceptGateways marks the GatewayClasses of ControllerName Accepted and their Gateways in
// namespace Accepted and Programmed, once at start (best effort: errors are logged).
func acceptGateways(ctx context.Context, client dynamic.Interface, namespace string) {
	classes := gatewayv1.SchemeGroupVersion.WithResource("gatewayclasses")
	gateways := gatewayv1.SchemeGroupVersion.WithResource("gateways")
	now := metav1.Now()
	ours := map[string]bool{}
	list, err := client.Resource(classes).List(ctx, metav1.ListOptions{})
	if err != nil {
		log.Printf("traffic: GatewayClasses: %v", err)
		return
	}
	for i := range list.Items {
		obj := &list.Items[i]
		var class gatewayv1.GatewayClass
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &class); err != nil || class.Spec.ControllerName != ControllerName {
			continue
		}
		ours[class.Name] = true
		status := gatewayv1.GatewayClassStatus{Conditions: []metav1.Condition{
			condition(string(gatewayv1.GatewayClassConditionStatusAccepted), string(gatewayv1.GatewayClassReasonAccepted), "the sandbox's simulated load balancer", class.Generation, now),
		}}
		if err := updateStatus(ctx, client, classes, obj, &status); err != nil {
			log.Printf("traffic: GatewayClass %s: %v", class.Name, err)
		}
	}
	gws, err := client.Resource(gateways).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		log.Printf("traffic: Gateways: %v", err)
		return
	}
	for i := range gws.Items {
		obj := &gws.Items[i]
		var gw gatewayv1.Gateway
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &gw); err != nil || !ours[string(gw.Spec.GatewayClassName)] {
			continue
		}
		status := gatewayv1.GatewayStatus{Conditions: []metav1.Condition{
			condition(string(gatewayv1.GatewayConditionAccepted), string(gatewayv1.GatewayReasonAccepted), "the sandbox's simulated load balancer", gw.Generation, now),
			condition(string(gatewayv1.GatewayConditionProgrammed), string(gatewayv1.GatewayReasonProgrammed), "simulated: no address is served", gw.Generation, now),
		}}
		if err := updateStatus(ctx, client, gateways, obj, &status); err != nil {
			log.Printf("traffic: Gateway %s/%s: %v", namespace, gw.Name, err)
		}
	}
}

func condition(kind, reason, message string, generation int64, now metav1.Time) metav1.Condition {
	return metav1.Condition{
		Type: kind, Status: metav1.ConditionTrue, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: now,
	}
}

// updateStatus replaces the status of obj (a copy is sent: the informer's cache is not touched).
func updateStatus(ctx context.Context, client dynamic.Interface, gvr schema.GroupVersionResource, obj *unstructured.Unstructured, status any) error {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(status)
	if err != nil {
		return err
	}
	updated := obj.DeepCopy()
	updated.Object["status"] = content
	_, err = client.Resource(gvr).Namespace(obj.GetNamespace()).UpdateStatus(ctx, updated, metav1.UpdateOptions{FieldManager: "drill-sandbox-traffic"})
	return err
}
