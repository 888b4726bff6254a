package main

import (
	admv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The apiserver's defaults for admissionregistration.k8s.io/v1 (applied when a policy or binding
// is created, before any request is matched): failurePolicy Fail; matchPolicy Equivalent; empty
// namespace and object selectors (everything); rule scope "*".

func defaultMatchResources(m *admv1.MatchResources) {
	if m == nil {
		return
	}
	if m.MatchPolicy == nil {
		equivalent := admv1.Equivalent
		m.MatchPolicy = &equivalent
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metav1.LabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metav1.LabelSelector{}
	}
	for _, rules := range [][]admv1.NamedRuleWithOperations{m.ResourceRules, m.ExcludeResourceRules} {
		for i := range rules {
			if rules[i].Scope == nil {
				all := admv1.AllScopes
				rules[i].Scope = &all
			}
		}
	}
}

func defaultPolicy(p *admv1.ValidatingAdmissionPolicy) {
	if p.Spec.FailurePolicy == nil {
		fail := admv1.Fail
		p.Spec.FailurePolicy = &fail
	}
	defaultMatchResources(p.Spec.MatchConstraints)
}

func defaultBinding(b *admv1.ValidatingAdmissionPolicyBinding) {
	defaultMatchResources(b.Spec.MatchResources)
}

// requiredFields are the apiserver's create-time refusals that change what a policy does here.
func policyRequired(p *admv1.ValidatingAdmissionPolicy) []problem {
	if p.Spec.MatchConstraints == nil || len(p.Spec.MatchConstraints.ResourceRules) == 0 {
		return []problem{{Kind: "ValidatingAdmissionPolicy", Name: p.Name, Path: []string{"spec", "matchConstraints"},
			Message: "spec.matchConstraints.resourceRules: Required value"}}
	}
	if len(p.Spec.Validations) == 0 && len(p.Spec.AuditAnnotations) == 0 {
		return []problem{{Kind: "ValidatingAdmissionPolicy", Name: p.Name, Path: []string{"spec"},
			Message: "spec.validations: Required value: validations or auditAnnotations must contain at least one item"}}
	}
	return nil
}

func bindingRequired(b *admv1.ValidatingAdmissionPolicyBinding) []problem {
	if len(b.Spec.ValidationActions) == 0 {
		return []problem{{Kind: "ValidatingAdmissionPolicyBinding", Name: b.Name, Path: []string{"spec"},
			Message: "spec.validationActions: Required value"}}
	}
	return nil
}
