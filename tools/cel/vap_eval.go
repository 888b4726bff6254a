package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
)

// unknownNamespace marks the error of a Namespace the repository does not hold.
const unknownNamespace = "portcullis: not in the repository: namespace "

// absentNamespaces is the "cluster" behind the Namespace lister: it has nothing, and says so.
type absentNamespaces struct{ kubernetes.Interface }
type absentCore struct{ corev1client.CoreV1Interface }
type absentNamespace struct {
	corev1client.NamespaceInterface
}

func (absentNamespaces) CoreV1() corev1client.CoreV1Interface  { return absentCore{} }
func (absentCore) Namespaces() corev1client.NamespaceInterface { return absentNamespace{} }
func (absentNamespace) Get(_ context.Context, name string, _ metav1.GetOptions) (*corev1.Namespace, error) {
	return nil, errors.New(unknownNamespace + name)
}

// staticInformer serves the repository's params as a synced informer would.
type staticInformer struct{ lister cache.GenericLister }
type syncedInformer struct{ cache.SharedIndexInformer }

func (i staticInformer) Informer() cache.SharedIndexInformer { return syncedInformer{} }
func (i staticInformer) Lister() cache.GenericLister         { return i.lister }
func (syncedInformer) HasSynced() bool                       { return true }

var _ informers.GenericInformer = staticInformer{}

func (s *vapState) paramInformer(pk *admv1.ParamKind, objects []map[string]interface{}) (informers.GenericInformer, meta.RESTScope) {
	gv, _ := schema.ParseGroupVersion(pk.APIVersion)
	gvk := gv.WithKind(pk.Kind)
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	namespaced := false
	for _, o := range objects {
		u := &unstructured.Unstructured{Object: o}
		if u.GroupVersionKind() != gvk {
			continue
		}
		namespaced = namespaced || u.GetNamespace() != ""
		_ = indexer.Add(u)
	}
	where := s.kinds.lookup(gvk, namespaced)
	scope := meta.RESTScopeRoot
	if where.Namespaced {
		scope = meta.RESTScopeNamespace
	}
	gr := schema.GroupResource{Group: gvk.Group, Resource: where.Resource}
	return staticInformer{lister: cache.NewGenericLister(indexer, gr)}, scope
}

// request is one object's CREATE as the apiserver's admission chain sees it.
type admissionRequest struct {
	attrs     admission.Attributes
	namespace string
	// nsObject is the object's Namespace from the repository (nil: cluster-scoped or absent).
	nsObject *corev1.Namespace
	nsAbsent bool
}

func (s *vapState) request(object map[string]interface{}) (*admissionRequest, string) {
	u := &unstructured.Unstructured{Object: object}
	gvk := u.GroupVersionKind()
	where := s.kinds.lookup(gvk, u.GetNamespace() != "")
	ns := u.GetNamespace()
	if !where.Namespaced {
		ns = ""
	}
	gvr := gvk.GroupVersion().WithResource(where.Resource)
	r := &admissionRequest{namespace: ns}
	r.attrs = admission.NewAttributesRecord(u, nil, gvk, ns, u.GetName(), gvr, "", admission.Create, &metav1.CreateOptions{}, false, &user.DefaultInfo{})
	if ns != "" && !(gvk.Group == "" && gvk.Kind == "Namespace") {
		n, err := s.namespaces.Get(ns)
		r.nsObject, r.nsAbsent = n, err != nil
	}
	if where.Namespaced && u.GetNamespace() == "" {
		return r, "the object names no namespace: the namespace it is applied in is not in the repository"
	}
	return r, ""
}

// evaluate runs every policy and binding on one object at CREATE, as the apiserver's dispatcher
// does, but keeps every failed validation (the apiserver stops its message at the first).
func (s *vapState) evaluate(object map[string]interface{}) interface{} {
	answer := vapAnswer{Results: []vapResult{}, Unknown: []vapUnknown{}}
	if len(s.entries) == 0 {
		return answer
	}
	req, noNamespace := s.request(object)
	for _, e := range s.entries {
		results, unknown := s.evaluatePolicy(e, req, noNamespace)
		answer.Results = append(answer.Results, results...)
		answer.Unknown = append(answer.Unknown, unknown...)
	}
	return answer
}

// evaluateAs evaluates with `namespace` standing in for the repository's version of that
// Namespace (the base's version of one the change relabels), then puts the repository's back.
func (s *vapState) evaluateAs(object, namespace map[string]interface{}) interface{} {
	ns := &corev1.Namespace{}
	if namespace == nil || runtime.DefaultUnstructuredConverter.FromUnstructured(namespace, ns) != nil || ns.Name == "" {
		return s.evaluate(object)
	}
	old, err := s.namespaces.Get(ns.Name)
	_ = s.nsIndexer.Update(ns)
	defer func() {
		if err == nil {
			_ = s.nsIndexer.Update(old)
		} else {
			_ = s.nsIndexer.Delete(ns)
		}
	}()
	return s.evaluate(object)
}

func isUnknownNamespace(err error) bool {
	return err != nil && strings.Contains(err.Error(), unknownNamespace)
}

func (s *vapState) evaluatePolicy(e *vapEntry, req *admissionRequest, noNamespace string) ([]vapResult, []vapUnknown) {
	var results []vapResult
	var unknown []vapUnknown
	p := e.policy
	unknownBecause := func(binding, reason string) { unknown = append(unknown, vapUnknown{p.Name, binding, reason}) }
	matches, matchResource, matchKind, err := s.matcher.DefinitionMatches(req.attrs, s.objects, validating.NewValidatingAdmissionPolicyAccessor(p))
	if isUnknownNamespace(err) {
		unknownBecause("", fmt.Sprintf("its namespaceSelector needs the labels of Namespace %s, which is not in the repository", req.namespace))
		return nil, unknown
	}
	if err != nil {
		return configError(req.attrs, p, nil, err), nil
	}
	if !matches {
		return nil, nil
	}
	for _, b := range e.bindings {
		matches, err := s.matcher.BindingMatches(req.attrs, s.objects, validating.NewValidatingAdmissionPolicyBindingAccessor(b))
		if isUnknownNamespace(err) {
			unknownBecause(b.Name, fmt.Sprintf("its binding's namespaceSelector needs the labels of Namespace %s, which is not in the repository", req.namespace))
			continue
		}
		if err != nil {
			results = append(results, configError(req.attrs, p, b, err)...)
			continue
		}
		if !matches {
			continue
		}
		if noNamespace != "" && (selects(p.Spec.MatchConstraints) || selects(b.Spec.MatchResources) || e.spec.mentions("namespaceObject") || b.Spec.ParamRef != nil) {
			unknownBecause(b.Name, noNamespace)
			continue
		}
		if req.nsAbsent && e.spec.mentions("namespaceObject") {
			unknownBecause(b.Name, fmt.Sprintf("it reads namespaceObject, and Namespace %s is not in the repository", req.namespace))
			continue
		}
		if e.spec.mentions("authorizer") {
			unknownBecause(b.Name, "it asks the cluster's authorizer, which only the cluster can answer")
			continue
		}
		params, err := generic.CollectParams(p.Spec.ParamKind, e.params, e.scope, b.Spec.ParamRef, req.namespace, nil, nil)
		if err != nil {
			results = append(results, configError(req.attrs, p, b, err)...)
			continue
		}
		results = append(results, s.validate(e, b, req, params, matchResource, matchKind)...)
	}
	return results, unknown
}

// selects reports whether match resources carry a namespace selector that selects less than all.
func selects(m *admv1.MatchResources) bool {
	return m != nil && m.NamespaceSelector != nil && (len(m.NamespaceSelector.MatchLabels) > 0 || len(m.NamespaceSelector.MatchExpressions) > 0)
}

// configError is the dispatcher's answer to a policy or binding it cannot apply.
func configError(a admission.Attributes, p *admv1.ValidatingAdmissionPolicy, b *admv1.ValidatingAdmissionPolicyBinding, err error) []vapResult {
	policy := admv1.Fail
	if p.Spec.FailurePolicy != nil {
		policy = *p.Spec.FailurePolicy
	}
	var message string
	switch {
	case policy == admv1.Ignore:
		return nil
	case policy != admv1.Fail:
		message = fmt.Errorf("unrecognized failure policy: '%v'", policy).Error()
	case b == nil:
		message = fmt.Errorf("failed to configure policy: %w", err).Error()
	default:
		message = fmt.Errorf("failed to configure binding: %w", err).Error()
	}
	binding := ""
	if b != nil {
		binding = b.Name
	}
	return []vapResult{{Policy: p.Name, Binding: binding, Action: "Deny", Message: message, Text: deniedText(a, p.Name, binding, message), Validation: -1, Error: true}}
}

// deniedText is the apiserver's error for a denied request (admission.NewForbidden's text:
// `<resource> "<name>" is forbidden: ValidatingAdmissionPolicy ...`).
func deniedText(a admission.Attributes, policy, binding, message string) string {
	text := fmt.Sprintf("ValidatingAdmissionPolicy '%s' with binding '%s' denied request: %s", policy, binding, message)
	if binding == "" {
		text = fmt.Sprintf("ValidatingAdmissionPolicy '%s' denied request: %s", policy, message)
	}
	return admission.NewForbidden(a, errors.New(text)).Error()
}

// warnedText is the apiserver's warning (Warn) for a failed validation; audit records the same failure.
func warnedText(policy, binding, message string) string {
	return fmt.Sprintf("Validation failed for ValidatingAdmissionPolicy '%s' with binding '%s': %s", policy, binding, message)
}

func (s *vapState) validate(e *vapEntry, b *admv1.ValidatingAdmissionPolicyBinding, req *admissionRequest, params []runtime.Object, matchResource schema.GroupVersionResource, matchKind schema.GroupVersionKind) []vapResult {
	var results []vapResult
	if len(params) == 0 {
		return nil
	}
	va, err := admission.NewVersionedAttributes(req.attrs, matchKind, s.objects)
	if err != nil {
		return configError(req.attrs, e.policy, b, fmt.Errorf("failed to convert object version: %w", err))
	}
	for _, param := range params {
		r := e.validator.Validate(context.Background(), matchResource, va, param, req.nsObject, celconfig.RuntimeCELCostBudget, nil)
		for i, d := range r.Decisions {
			if d.Action != validating.ActionDeny {
				continue
			}
			index := -1
			if len(r.Decisions) == len(e.policy.Spec.Validations) {
				index = i
			}
			for _, action := range b.Spec.ValidationActions {
				text := warnedText(e.policy.Name, b.Name, d.Message)
				if action == admv1.Deny {
					text = deniedText(req.attrs, e.policy.Name, b.Name, d.Message)
				}
				results = append(results, vapResult{
					Policy: e.policy.Name, Binding: b.Name, Action: string(action), Message: d.Message,
					Text: text, Validation: index, Error: d.Evaluation == validating.EvalError,
				})
			}
		}
		for _, a := range r.AuditAnnotations {
			if a.Action == validating.AuditAnnotationActionError {
				results = append(results, vapResult{
					Policy: e.policy.Name, Binding: b.Name, Action: "Deny", Message: a.Error,
					Text: deniedText(req.attrs, e.policy.Name, b.Name, a.Error), Validation: -1, Error: true,
				})
			}
		}
	}
	return results
}
