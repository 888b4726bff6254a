package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
)

var unknownField = regexp.MustCompile(`^unknown field "(.*)"$`)

// check validates one object (JSON) as the API server would accept it for creation with strict
// field validation: the unknown fields (PCV002), then the pruned and defaulted object against the
// schema (PCV001) and the CRD's CEL rules (PCV006).
func (s *schemaSet) check(raw json.RawMessage) result {
	return s.checkHeaded(raw, docHead{})
}

// checkHeaded: check, given the document's head as read already (documentHeads'). A CRD is not
// read into a map (megabytes of schemas; its check reads its JSON, and a map only for a finding's
// path): a head read as a CRD's means its JSON is an object whose apiVersion and kind are the
// strings "apiextensions.k8s.io/v1" and "CustomResourceDefinition" (the head's case-sensitive
// reading checks the whole JSON first, takes the last of duplicate fields as the map does, and
// fails on a field that is not a string), which is all check reads of the map before checkCRD.
func (s *schemaSet) checkHeaded(raw json.RawMessage, h docHead) result {
	if h.ok && h.gvk == crdKindV1 {
		return s.checkKind(raw, nil, crdKindV1, crdKindV1.GroupVersion().String(), crdKindV1.Kind)
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return result{Error: "not a JSON object: " + err.Error()}
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	if apiVersion == "" || kind == "" {
		return result{}
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return one("PCV001", []any{"apiVersion"}, err.Error())
	}
	return s.checkKind(raw, obj, gv.WithKind(kind), apiVersion, kind)
}

// checkKind: check of a document of kind gvk (obj: the document read, nil for a CRD).
func (s *schemaSet) checkKind(raw json.RawMessage, obj map[string]any, gvk schema.GroupVersionKind, apiVersion, kind string) result {
	findings, removed := s.lifecycleFindings(gvk)
	if removed {
		return result{Findings: findings}
	}
	if !s.known(gvk) {
		if why, ok := s.unserved[gvk]; ok {
			return one("PCV003", []any{"apiVersion"}, fmt.Sprintf("%s %s is not served: %s", apiVersion, kind, why))
		}
		if builtinGroups()[gvk.Group] {
			return one("PCV001", []any{"kind"}, fmt.Sprintf("Kubernetes %s serves no kind %s in %s", s.version, kind, apiVersion))
		}
		return one("PCV007", []any{"kind"}, fmt.Sprintf("no schema known for %s %s (not in Kubernetes %s, the bundled Flux CD and Argo CD CRDs, or the repository's CRDs): not validated", apiVersion, kind, s.version))
	}
	if gvk == crdKindV1 {
		return result{Findings: append(findings, s.checkCRD(raw, obj)...)}
	}
	unknown, parsed, err := s.parse(gvk, obj)
	findings = append(findings, unknown...)
	if err != nil {
		return result{Findings: append(findings, finding{Rule: "PCV001", Path: []any{}, Message: err.Error()})}
	}
	findings = append(findings, s.validate(gvk, parsed)...)
	if k, ok := s.crds[gvk]; ok {
		k.intOrStringTree().walk(obj, nil, &findings)
	} else {
		findings = append(findings, builtinIntOrString(gvk, obj)...)
	}
	return result{Findings: findings}
}

func one(rule string, path []any, message string) result {
	return result{Findings: []finding{{Rule: rule, Path: path, Message: message}}}
}

// parse decodes as the API server's strict decoder does: every unknown field is a finding, then
// the object without them is decoded again (pruned and defaulted) so that the rest is validated.
func (s *schemaSet) parse(gvk schema.GroupVersionKind, obj map[string]any) ([]finding, *unstructured.Unstructured, error) {
	var findings []finding
	for attempt := 0; attempt < 2; attempt++ {
		doc, err := encodeObject(obj)
		if err != nil {
			return findings, nil, err
		}
		parsed, err := s.parseDocument(gvk, doc)
		if err == nil {
			return findings, parsed, nil
		}
		unknown, others := unknownFields(err)
		if len(unknown) == 0 || attempt > 0 {
			if len(others) == 0 {
				return findings, nil, err
			}
			return findings, nil, errors.Join(others...)
		}
		for _, printed := range unknown {
			path := jsonPath(obj, printed)
			findings = append(findings, finding{Rule: "PCV002", Path: path, Message: fmt.Sprintf("unknown field %q", printed)})
			removeAt(obj, path)
		}
	}
	return findings, nil, fmt.Errorf("could not decode the object")
}

// unknownFields: the paths of the unknown fields a strict decoding error names, and its other
// errors (a duplicate field is left out: the YAML reading reports it, PCS005).
func unknownFields(err error) (paths []string, others []error) {
	var list []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	} else if strict, ok := runtime.AsStrictDecodingError(err); ok {
		list = strict.Errors()
	} else {
		return nil, []error{err}
	}
	for _, e := range list {
		var fe *field.Error
		if errors.As(e, &fe) && fe.Detail == "value provided for unknown field" {
			paths = append(paths, fe.Field)
			continue
		}
		if m := unknownField.FindStringSubmatch(e.Error()); m != nil {
			paths = append(paths, m[1])
			continue
		}
		if strings.HasPrefix(e.Error(), "duplicate field") {
			continue
		}
		others = append(others, e)
	}
	return paths, others
}

// validate: the API server's create validation (kubectl-validate runs apiextensions-apiserver's
// strategy), each field error at its path; the errors the CEL rules give are PCV006.
func (s *schemaSet) validate(gvk schema.GroupVersionKind, obj *unstructured.Unstructured) []finding {
	if obj == nil {
		return nil
	}
	celErrs := map[string]bool{}
	if k, ok := s.crds[gvk]; ok {
		copied := runtime.DeepCopyJSONValue(obj.Object)
		errs, _ := k.celValidator().Validate(context.TODO(), nil, k.structural, copied, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range errs {
			celErrs[e.Field+"\x00"+e.ErrorBody()] = true
		}
	}
	_, isCRD := s.crds[gvk]
	err := s.validateObject(obj)
	if err == nil {
		return nil
	}
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Details == nil || len(status.Status().Details.Causes) == 0 {
		return []finding{{Rule: "PCV001", Path: []any{}, Message: err.Error()}}
	}
	causes := status.Status().Details.Causes
	fields := map[string]bool{}
	for _, c := range causes {
		fields[c.Field] = true
	}
	var out []finding
	for _, c := range causes {
		if (!isCRD && skipForBuiltin(c)) || incomplete(c) {
			continue
		}
		if placed, ok := unplaced(c); ok {
			if fields[placed.Field] {
				continue // the same value's error at its field is reported already
			}
			c = placed
		}
		rule := "PCV001"
		if celErrs[c.Field+"\x00"+c.Message] {
			rule = "PCV006"
		}
		out = append(out, finding{Rule: rule, Path: jsonPath(obj.Object, c.Field), Message: causeMessage(c)})
	}
	return out
}

// skipForBuiltin: a built-in kind's name follows that kind's own rule (RBAC names may hold ':'),
// which its OpenAPI document does not carry; the custom-resource rule would be wrong for it.
// A name that is missing altogether is refused for every kind (kubectl: "resource name may not be
// empty"): that cause is kept.
func skipForBuiltin(c metav1.StatusCause) bool {
	if c.Type == metav1.CauseTypeFieldValueRequired {
		return false
	}
	return c.Field == "metadata.name" || c.Field == "metadata.generateName"
}

// kube-openapi's format check names no field ("<nil>: Invalid value: \"\": Checked value must be
// of type integer with format int32 in spec.replicas"): the field it names at the end is the one.
var unplacedCause = regexp.MustCompile(`^(?:<nil>: )?Invalid value: "": (.*) in ([A-Za-z0-9_.\[\]-]+)$`)

// ...and its oneOf check names it in quotes: `"spec.x" must validate one and only one schema (oneOf)`.
var unplacedOneOf = regexp.MustCompile(`^(?:<nil>: )?Invalid value: "": "([^"]+)" (must validate .*)$`)

func unplaced(c metav1.StatusCause) (metav1.StatusCause, bool) {
	if c.Field != "" && c.Field != "<nil>" {
		return c, false
	}
	if m := unplacedCause.FindStringSubmatch(c.Message); m != nil {
		return metav1.StatusCause{Type: c.Type, Field: m[2], Message: "Invalid value: " + m[1]}, true
	}
	if m := unplacedOneOf.FindStringSubmatch(c.Message); m != nil {
		return metav1.StatusCause{Type: c.Type, Field: m[1], Message: "Invalid value: " + m[2]}, true
	}
	return c, false
}

// The quantity pattern the schemas carry (scripts/kube-schema.mjs), said in words.
var quantityPattern = regexp.MustCompile(` in body should match '\^\(\\\+\|-\)\?\(\(\[0-9\]\+.*'$`)

func causeMessage(c metav1.StatusCause) string {
	msg := quantityPattern.ReplaceAllString(c.Message, " must be a Kubernetes quantity (such as 250m, 1.5, 512Mi or 2Gi)")
	if c.Field == "" || strings.HasPrefix(msg, c.Field) {
		return msg
	}
	return c.Field + ": " + msg
}

// incomplete: the API server's note that CEL rules were skipped because of the other errors.
func incomplete(c metav1.StatusCause) bool {
	return strings.Contains(c.Message, "some validation rules were not checked")
}
