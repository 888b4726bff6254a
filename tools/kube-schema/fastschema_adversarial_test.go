package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

// Hand-written schemas at the edges of what the fast path models (number formats and bounds,
// formats without a type, enums, oneOf/anyOf/allOf, open and closed objects, nullable, lists),
// each against every value of a set of awkward values (as unstructured JSON decoding gives them:
// int64 or float64): whatever the fast path accepts, kube-openapi's validator must accept.
var adversarialSchemas = []string{
	`{}`,
	`{"type":"integer"}`,
	`{"type":"integer","format":"int32"}`,
	`{"type":"integer","format":"int64","maximum":9223372036854775807}`,
	`{"type":"integer","minimum":0,"exclusiveMinimum":true}`,
	`{"type":"integer","maximum":1e300}`,
	`{"type":"integer","multipleOf":0.5}`,
	`{"type":"integer","multipleOf":3}`,
	`{"type":"integer","format":"int32","maximum":4294967295}`,
	`{"type":"integer","minimum":-9223372036854775808}`,
	`{"type":"integer","minimum":-1e300,"exclusiveMinimum":true}`,
	`{"type":"number","format":"float","maximum":1e39}`,
	`{"type":"number","format":"float","multipleOf":1e-50}`,
	`{"type":"string","maxLength":0}`,
	`{"items":{"type":"string"}}`,
	`{"enum":[]}`,
	`{"type":"string","format":"int-or-string"}`,
	`{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]}`,
	`{"type":"object","properties":{"a":{}},"additionalProperties":false}`,
	`{"type":"object","required":["a"]}`,
	`{"type":"string","pattern":"(["}`,
	`{"type":"number","format":"float","maximum":1}`,
	`{"type":"number","format":"double"}`,
	`{"type":"number","format":"int32"}`,
	`{"type":"number","multipleOf":0.1}`,
	`{"type":"number","minimum":-0}`,
	`{"format":"int32"}`,
	`{"format":"date-time"}`,
	`{"format":"byte"}`,
	`{"type":"string","format":"int64"}`,
	`{"type":"string","format":"date-time"}`,
	`{"type":"string","format":"byte"}`,
	`{"type":"string","format":"no-such-format"}`,
	`{"type":"string","minLength":1}`,
	`{"type":"string","maxLength":1}`,
	`{"type":"string","pattern":"^a+$"}`,
	`{"type":"string","enum":["a","","1"]}`,
	`{"enum":["1","true"]}`,
	`{"type":"boolean","format":"int32"}`,
	`{"type":"object","format":"date-time"}`,
	`{"type":"array","format":"int32","items":{"type":"integer"}}`,
	`{"type":"array","maxItems":1,"items":{"type":"string"}}`,
	`{"type":"string","nullable":true}`,
	`{"anyOf":[{"type":"integer"},{"type":"string"}]}`,
	`{"oneOf":[{"type":"integer"},{"type":"string"}]}`,
	`{"oneOf":[{"type":"number"},{"type":"string"}]}`,
	`{"oneOf":[{"type":"integer","format":"int32"},{"type":"string"}]}`,
	`{"oneOf":[{"type":"array"},{"type":"object"}]}`,
	`{"allOf":[{"type":"integer"},{"minimum":2}]}`,
	`{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}}`,
	`{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
	`{"type":"object","additionalProperties":{"type":"integer","format":"int32"}}`,
	`{"type":"object","properties":{"a":{"type":"integer"}},"additionalProperties":{"type":"string"}}`,
	`{"type":"object","maxProperties":1,"minProperties":1}`,
	`{"type":"object","properties":{"a":{"type":"object","properties":{"b":{"type":"integer","maximum":1}}}}}`,
}

var adversarialValues = []string{
	`0`, `-0`, `1`, `1.0`, `1.5`, `-1`, `1e3`, `2147483648`, `-2147483649`, `9223372036854775807`,
	`9223372036854775808`, `-9223372036854775808`, `1e308`, `3.4028235e38`, `3.5e38`, `0.30000000000000004`,
	`""`, `"a"`, `"aa"`, `"1"`, `"true"`, `"2024-01-01T00:00:00Z"`, `"2024-13-01"`, `"aGk="`, `"!"`,
	`true`, `false`, `null`, `[]`, `[1]`, `[1.5]`, `["a","b"]`, `[null]`, `{}`, `{"a":"x"}`, `{"a":1}`,
	`{"a":null}`, `{"b":"x"}`, `{"a":"x","b":1}`, `{"a":{"b":2}}`, `{"a":{"b":1.0}}`,
}

func TestFastPathAdversarialSchemas(t *testing.T) {
	for _, s := range adversarialSchemas {
		var sch spec.Schema
		if err := json.Unmarshal([]byte(s), &sch); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		fast := compileFast(&sch, strfmt.Default, 0)
		real := validate.NewSchemaValidator(&sch, nil, "", strfmt.Default)
		for _, v := range adversarialValues {
			var value any
			if err := utiljson.Unmarshal([]byte(v), &value); err != nil {
				t.Fatalf("%s: %v", v, err)
			}
			if fast.valid(value) {
				if res := real.Validate(value); !res.IsValid() {
					t.Errorf("schema %s, value %s: the fast path accepts, kube-openapi refuses: %v", s, v, res.Errors)
				}
			}
		}
	}
}

// The same through a request: a repository CRD whose integer field has maximum
// 9223372036854775807 (a float64 past int64's range: kube-openapi refuses every value with
// "Maximum boundary value must be of type integer with format int64"). The fast path took the
// bound as a float and answered valid: the document passed in silence.
func TestFastPathLeavesOutOfRangeBoundsToKubeOpenAPI(t *testing.T) {
	crd := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",` +
		`"metadata":{"name":"gauges.bounds.example.com"},"spec":{"group":"bounds.example.com",` +
		`"names":{"kind":"Gauge","plural":"gauges","singular":"gauge","listKind":"GaugeList"},"scope":"Namespaced",` +
		`"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",` +
		`"properties":{"spec":{"type":"object","properties":{"size":{"type":"integer","format":"int64",` +
		`"maximum":9223372036854775807}}}}}}}]}}`
	crds, err := crdSetOf("", []json.RawMessage{json.RawMessage(crd)})
	if err != nil {
		t.Fatal(err)
	}
	doc := json.RawMessage(`{"apiVersion":"bounds.example.com/v1","kind":"Gauge","metadata":{"name":"g","namespace":"a"},"spec":{"size":3}}`)
	a := checkWith(manifest().Versions[0], crds, []json.RawMessage{doc})
	if a.Error != "" || len(a.Results) != 1 || len(a.CRDErrors) != 0 {
		t.Fatalf("answer: %+v", a)
	}
	var messages []string
	for _, f := range a.Results[0].Findings {
		messages = append(messages, f.Message)
	}
	if !slices.ContainsFunc(messages, func(m string) bool { return strings.Contains(m, "Maximum boundary") }) {
		t.Errorf("want kube-openapi's error for the out-of-range maximum, got %+v", a.Results[0])
	}
}
