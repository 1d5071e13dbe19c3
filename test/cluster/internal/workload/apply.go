// Package workload applies manifests to the sandbox with server-side apply and waits for the
// Deployments they hold, the way `kubectl apply` followed by `kubectl rollout status` would.
package workload

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/utils/ptr"
)

// FieldManager is the field manager of everything the sandbox applies.
const FieldManager = "drill-sandbox"

// Applier applies manifest files.
type Applier struct {
	client  kubernetes.Interface
	dynamic dynamic.Interface
	mapper  *restmapper.DeferredDiscoveryRESTMapper
}

// NewApplier builds an Applier from a REST config.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Applier{client: client, dynamic: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))}, nil
}

// ApplyDir applies every *.yaml file of dir in name order. After each file it waits until the
// Deployments in it have been seen by their controller, so that a later file changing the same
// Deployment's template makes a new revision rather than replacing the first one unseen. At the
// end it waits for every Deployment it applied to finish rolling out.
func (a *Applier) ApplyDir(ctx context.Context, files fs.FS, dir string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return err
	}
	var deployments []types.NamespacedName
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, err := fs.ReadFile(files, path.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		applied, err := a.applyFile(ctx, data)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		for _, d := range applied {
			if err := a.waitDeployment(ctx, d, observed); err != nil {
				return fmt.Errorf("%s: %w", e.Name(), err)
			}
			if !slices.Contains(deployments, d) {
				deployments = append(deployments, d)
			}
		}
	}
	for _, d := range deployments {
		if err := a.waitDeployment(ctx, d, rolledOut); err != nil {
			return err
		}
	}
	return nil
}

// ApplyCRDs applies every *.yaml file of dir in name order (CustomResourceDefinitions and
// whatever comes with them), waits until every CustomResourceDefinition among them is Established,
// and makes the new kinds known to later applies.
func (a *Applier) ApplyCRDs(ctx context.Context, files fs.FS, dir string, timeout time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return 0, err
	}
	var crds []string
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, err := fs.ReadFile(files, path.Join(dir, e.Name()))
		if err != nil {
			return 0, err
		}
		err = a.apply(ctx, data, func(obj *unstructured.Unstructured) {
			if obj.GroupVersionKind().GroupKind() == crdKind {
				crds = append(crds, obj.GetName())
			}
		})
		if err != nil {
			return 0, fmt.Errorf("%s: %w", e.Name(), err)
		}
	}
	crdClient := a.dynamic.Resource(schema.GroupVersionResource{Group: crdKind.Group, Version: "v1", Resource: "customresourcedefinitions"})
	for _, name := range crds {
		for {
			crd, err := crdClient.Get(ctx, name, metav1.GetOptions{})
			if err == nil && established(crd) {
				break
			}
			select {
			case <-ctx.Done():
				return 0, fmt.Errorf("CustomResourceDefinition %s not Established: %w", name, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	a.mapper.Reset()
	return len(crds), nil
}

var crdKind = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}

func established(crd *unstructured.Unstructured) bool {
	conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conditions {
		if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

func (a *Applier) applyFile(ctx context.Context, data []byte) ([]types.NamespacedName, error) {
	var deployments []types.NamespacedName
	err := a.apply(ctx, data, func(obj *unstructured.Unstructured) {
		gvk := obj.GroupVersionKind()
		if gvk.Group == "apps" && gvk.Kind == "Deployment" {
			deployments = append(deployments, types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()})
		}
	})
	return deployments, err
}

// apply applies every object of a file with server-side apply, calling applied for each.
func (a *Applier) apply(ctx context.Context, data []byte, applied func(*unstructured.Unstructured)) error {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := decoder.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if len(obj.Object) == 0 {
			continue
		}
		gvk := obj.GroupVersionKind()
		mapping, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		// A kind whose CustomResourceDefinition was just established may take a moment to show
		// up in discovery.
		for retryUntil := time.Now().Add(10 * time.Second); meta.IsNoMatchError(err) && time.Now().Before(retryUntil) && ctx.Err() == nil; {
			time.Sleep(200 * time.Millisecond)
			a.mapper.Reset()
			mapping, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		var resource dynamic.ResourceInterface = a.dynamic.Resource(mapping.Resource)
		if mapping.Scope.Name() == "namespace" {
			resource = a.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		}
		if _, err := resource.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
			return fmt.Errorf("apply %s %s/%s: %w", gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
		}
		applied(obj)
	}
}

func observed(d *appsv1.Deployment) bool {
	return d.Status.ObservedGeneration >= d.Generation
}

// rolledOut is kubectl rollout status' notion of done.
func rolledOut(d *appsv1.Deployment) bool {
	want := ptr.Deref(d.Spec.Replicas, 1)
	return observed(d) && d.Status.UpdatedReplicas == want && d.Status.Replicas == want && d.Status.AvailableReplicas == want
}

func (a *Applier) waitDeployment(ctx context.Context, name types.NamespacedName, done func(*appsv1.Deployment) bool) error {
	for {
		d, err := a.client.AppsV1().Deployments(name.Namespace).Get(ctx, name.Name, metav1.GetOptions{})
		if err == nil && done(d) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("deployment %s: %w", name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
