package main

import (
	"encoding/json"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/matching"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

type vapEntry struct {
	policy    *admv1.ValidatingAdmissionPolicy
	spec      *celSpec
	validator validating.Validator
	bindings  []*admv1.ValidatingAdmissionPolicyBinding
	params    informers.GenericInformer
	scope     meta.RESTScope
}

type vapState struct {
	entries    []*vapEntry
	matcher    generic.PolicyMatcher
	rawMatcher *matching.Matcher
	namespaces corelisters.NamespaceLister
	nsIndexer  cache.Indexer
	kinds      *kindTable
	objects    admission.ObjectInterfaces
}

// vapResult is one failed validation (or configuration error) for one binding.
type vapResult struct {
	Policy  string `json:"policy"`
	Binding string `json:"binding"`
	// Action is Deny, Warn or Audit (the binding's validationActions).
	Action string `json:"action"`
	// Message is the validation's message; Text what the apiserver prints with it.
	Message string `json:"message"`
	Text    string `json:"text"`
	// Validation is the index of the failed validation (-1: not one validation).
	Validation int `json:"validation"`
	// Error: the expression failed (failurePolicy decided), it did not evaluate to false.
	Error bool `json:"error,omitempty"`
}

type vapUnknown struct {
	Policy  string `json:"policy"`
	Binding string `json:"binding,omitempty"`
	Reason  string `json:"reason"`
}

type vapAnswer struct {
	Results []vapResult  `json:"results"`
	Unknown []vapUnknown `json:"unknown"`
}

func newVapState(kinds *kindTable) *vapState {
	if kinds == nil {
		kinds = newKindTable(nil)
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	lister := corelisters.NewNamespaceLister(indexer)
	raw := matching.NewMatcher(lister, absentNamespaces{})
	return &vapState{
		matcher:    generic.NewPolicyMatcher(raw),
		rawMatcher: raw,
		namespaces: lister,
		nsIndexer:  indexer,
		kinds:      kinds,
		objects:    admission.NewObjectInterfacesFromScheme(runtime.NewScheme()),
	}
}

func vapSpec(p *admv1.ValidatingAdmissionPolicy) *celSpec {
	return &celSpec{
		kind: "ValidatingAdmissionPolicy", name: p.Name, base: []string{"spec"},
		variables: p.Spec.Variables, validations: p.Spec.Validations,
		matchConditions: p.Spec.MatchConditions, matchConditionsKey: "matchConditions",
		auditAnnotations: p.Spec.AuditAnnotations, failurePolicy: p.Spec.FailurePolicy,
		hasParams: p.Spec.ParamKind != nil, hasAuthorizer: true,
		matcherType: "policy", matcherName: p.Name,
	}
}

// loadVap compiles the policies, attaches their bindings and indexes params and Namespaces.
func loadVap(req *request, kinds *kindTable) (*vapState, []problem) {
	s := newVapState(kinds)
	var problems []problem
	byName := map[string]*vapEntry{}
	for _, raw := range req.Policies {
		p := &admv1.ValidatingAdmissionPolicy{}
		if err := json.Unmarshal(raw, p); err != nil {
			problems = append(problems, problem{Kind: "ValidatingAdmissionPolicy", Path: []string{"spec"}, Message: err.Error()})
			continue
		}
		defaultPolicy(p)
		if errs := policyRequired(p); len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		e := &vapEntry{policy: p, spec: vapSpec(p)}
		var errs []problem
		e.validator, errs = compileSpec(e.spec)
		problems = append(problems, errs...)
		if len(errs) > 0 {
			continue
		}
		if pk := p.Spec.ParamKind; pk != nil {
			e.params, e.scope = s.paramInformer(pk, req.Params)
		}
		s.entries = append(s.entries, e)
		byName[p.Name] = e
	}
	for _, raw := range req.Bindings {
		b := &admv1.ValidatingAdmissionPolicyBinding{}
		if err := json.Unmarshal(raw, b); err != nil {
			problems = append(problems, problem{Kind: "ValidatingAdmissionPolicyBinding", Path: []string{"spec"}, Message: err.Error()})
			continue
		}
		defaultBinding(b)
		if errs := bindingRequired(b); len(errs) > 0 {
			problems = append(problems, errs...)
			continue
		}
		if e := byName[b.Spec.PolicyName]; e != nil {
			e.bindings = append(e.bindings, b)
		}
	}
	for _, n := range req.Namespaces {
		ns := &corev1.Namespace{}
		if runtime.DefaultUnstructuredConverter.FromUnstructured(n, ns) == nil && ns.Name != "" {
			_ = s.nsIndexer.Add(ns)
		}
	}
	return s, problems
}
