package traffic

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Backend is what the global load balancer knows of one region.
type Backend struct {
	// Weight is the sum of the route's backendRef weights naming the region's Service.
	Weight float64
	// ReadyEndpoints counts the ready endpoints of the region's Service (its health check).
	ReadyEndpoints int
}

// Eligible is the weight the resolver uses: the route weight while the region passes its health
// check (at least one ready endpoint), else 0.
func (b Backend) Eligible() float64 {
	if b.ReadyEndpoints == 0 {
		return 0
	}
	return b.Weight
}

// Backends maps regions to their route weight and ready endpoints. Region r's Service is
// servicePrefix+r in the route's namespace. Every backendRef of every rule that names it (kind
// Service, core group) adds its weight (1 when unset, as in the Gateway API). An endpoint is ready
// unless its ready condition is false (unset means ready, as in the EndpointSlice API). A nil
// route gives every region weight 0.
func Backends(regions []string, servicePrefix string, route *gatewayv1.HTTPRoute, slices []*discoveryv1.EndpointSlice) []Backend {
	out := make([]Backend, len(regions))
	index := make(map[string]int, len(regions))
	for i, r := range regions {
		index[servicePrefix+r] = i
	}
	if route != nil {
		for _, rule := range route.Spec.Rules {
			for _, ref := range rule.BackendRefs {
				if ref.Kind != nil && *ref.Kind != "Service" || ref.Group != nil && *ref.Group != "" {
					continue
				}
				if ref.Namespace != nil && string(*ref.Namespace) != route.Namespace {
					continue
				}
				i, ok := index[string(ref.Name)]
				if !ok {
					continue
				}
				weight := int32(1)
				if ref.Weight != nil {
					weight = *ref.Weight
				}
				out[i].Weight += float64(weight)
			}
		}
	}
	for _, s := range slices {
		if route != nil && s.Namespace != route.Namespace {
			continue
		}
		i, ok := index[s.Labels[discoveryv1.LabelServiceName]]
		if !ok {
			continue
		}
		for _, e := range s.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				out[i].ReadyEndpoints++
			}
		}
	}
	return out
}

// Choose picks an index with probability proportional to its weight, given u uniform in [0, 1);
// -1 when every weight is 0 (no region to answer with).
func Choose(weights []float64, u float64) int {
	sum := 0.0
	for _, w := range weights {
		sum += max(w, 0)
	}
	if sum <= 0 {
		return -1
	}
	target := u * sum
	last := -1
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		last = i
		if target < w {
			return i
		}
		target -= w
	}
	return last // u*sum rounded up to sum: the last eligible index
}
