package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	admv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
)

// templateIn is a ConstraintTemplate's K8sNativeValidation source (code[].source).
type templateIn struct {
	Name   string          `json:"name"`
	Source json.RawMessage `json:"source"`
	// Path is where the source sits in the template document.
	Path []string `json:"path"`
}

// gkSource is the K8sNativeValidation source as Gatekeeper reads it (note `matchCondition`).
type gkSource struct {
	Validations     []admv1.Validation     `json:"validations,omitempty"`
	FailurePolicy   *string                `json:"failurePolicy,omitempty"`
	MatchConditions []admv1.MatchCondition `json:"matchCondition,omitempty"`
	Variables       []admv1.Variable       `json:"variables,omitempty"`
	GenerateVAP     *bool                  `json:"generateVAP,omitempty"`
}

// Gatekeeper's reserved names: its variables `params` (the constraint's spec.parameters) and
// `anyObject` (object, or oldObject on DELETE), and the prefix of its own match conditions.
const (
	gkParams   = "params"
	gkObject   = "anyObject"
	gkReserved = "gatekeeper_internal_"
)

type gkTemplate struct {
	validator validating.Validator
}

func gkInternalVariables() []admv1.Variable {
	return []admv1.Variable{
		{Name: gkObject, Expression: `has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object`},
		{Name: gkParams, Expression: `!has(params.spec) ? null : !has(params.spec.parameters) ? null: params.spec.parameters`},
	}
}

func compileTemplate(t templateIn) (*gkTemplate, []problem) {
	fail := func(path []string, message string) (*gkTemplate, []problem) {
		return nil, []problem{{Kind: "ConstraintTemplate", Name: t.Name, Path: path, Message: message}}
	}
	src := &gkSource{}
	if err := json.Unmarshal(t.Source, src); err != nil {
		return fail(t.Path, "its K8sNativeValidation source cannot be read: "+err.Error())
	}
	failure := admv1.Fail
	if src.FailurePolicy != nil {
		switch *src.FailurePolicy {
		case string(admv1.Fail), string(admv1.Ignore):
			failure = admv1.FailurePolicyType(*src.FailurePolicy)
		default:
			return fail(append(t.Path, "failurePolicy"), "invalid failure policy: unrecognized failure policy: "+*src.FailurePolicy)
		}
	}
	for i, m := range src.MatchConditions {
		if strings.HasPrefix(m.Name, gkReserved) {
			return fail(append(t.Path, "matchCondition", fmt.Sprint(i), "name"), fmt.Sprintf("invalid match condition: %s is not a valid match condition; cannot have %q as a prefix", m.Name, gkReserved))
		}
	}
	for i, v := range src.Variables {
		if strings.HasPrefix(v.Name, gkReserved) || v.Name == gkParams || v.Name == gkObject {
			return fail(append(t.Path, "variables", fmt.Sprint(i), "name"), fmt.Sprintf("invalid variable: %s is a reserved variable name", v.Name))
		}
	}
	spec := &celSpec{
		kind: "ConstraintTemplate", name: t.Name, base: t.Path,
		internal: gkInternalVariables(), variables: src.Variables, validations: src.Validations,
		matchConditions: src.MatchConditions, matchConditionsKey: "matchCondition", failurePolicy: &failure,
		hasParams: true, validationsWithoutParams: true,
		matcherType: "validatingadmissionpolicy", matcherName: t.Name,
	}
	validator, problems := compileSpec(spec)
	if len(problems) > 0 {
		return nil, problems
	}
	return &gkTemplate{validator: validator}, nil
}

type gkAnswer struct {
	Messages []string `json:"messages"`
	Error    string   `json:"error,omitempty"`
}

// gatekeeper evaluates one constraint of a CEL template on one object, as Gatekeeper's
// K8sNativeValidation driver does: the constraint is the policy's params; each deny is a result.
func (s *server) gatekeeper(req *request) interface{} {
	t := s.templates[req.Template]
	if t == nil {
		return gkAnswer{Error: fmt.Sprintf("unknown constraint template validator: %s", req.Template)}
	}
	u := &unstructured.Unstructured{Object: req.Object}
	gvk := u.GroupVersionKind()
	where := s.vap.kinds.lookup(gvk, u.GetNamespace() != "")
	gvr := gvk.GroupVersion().WithResource(where.Resource)
	attrs := admission.NewAttributesRecord(u, nil, gvk, u.GetNamespace(), u.GetName(), gvr, "", admission.Create, &metav1.CreateOptions{}, false, &user.DefaultInfo{})
	va, err := admission.NewVersionedAttributes(attrs, gvk, s.vap.objects)
	if err != nil {
		return gkAnswer{Error: err.Error()}
	}
	var namespace *corev1.Namespace
	if req.Namespace != nil {
		namespace = &corev1.Namespace{}
		if runtime.DefaultUnstructuredConverter.FromUnstructured(req.Namespace, namespace) != nil {
			namespace = nil
		}
	}
	constraint := &unstructured.Unstructured{Object: req.Constraint}
	r := t.validator.Validate(context.Background(), gvr, va, constraint, namespace, celconfig.PerCallLimit, nil)
	answer := gkAnswer{Messages: []string{}}
	for _, d := range r.Decisions {
		if d.Action == validating.ActionDeny {
			answer.Messages = append(answer.Messages, d.Message)
		}
	}
	return answer
}
