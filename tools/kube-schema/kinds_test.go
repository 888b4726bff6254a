package main

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The compiled kinds (kinds.go) must answer exactly as kubectl-validate's own Parse and Validate:
// the same object and the same errors for each document, in every carried version. Run after
// `npm run build:schema` (the schemas are embedded): cd tools/kube-schema && go test .
const widgetCRD = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
"metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced",
"names":{"kind":"Widget","plural":"widgets","singular":"widget","listKind":"WidgetList"},
"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",
"properties":{"spec":{"type":"object","required":["size"],
"x-kubernetes-validations":[{"rule":"self.min <= self.max","message":"min must not exceed max"}],
"properties":{"size":{"type":"string","enum":["small","large"]},"port":{"x-kubernetes-int-or-string":true},
"min":{"type":"integer","default":1},"max":{"type":"integer","default":2},"label":{"type":"string","maxLength":5},
"extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
"template":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true}}}}}}}]}}`

var differentialDocuments = []string{
	`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"a"},"spec":{"size":"small","port":"http","min":1,"max":3}}`,
	`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"W_1"},"spec":{"size":"medium","port":1.5,"min":5,"max":3,"label":"toolong","x":1}}`,
	`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small","template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"bogus":1}},"status":{"a":1},"top":true}`,
	// A raw DEL and a raw C1 control (encoding/json leaves both unescaped): refused by YAML.
	"{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"},\"spec\":{\"size\":\"small\",\"label\":\"a\x7fb\"}}",
	"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"a\":\"\u0085\"}}",
	`{"apiVersion":"example.com/v1","kind":"Widget","metadata":"m","spec":[]}`,
	`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"bad key!":"v"},"annotations":{"a":1}},"data":{"a":1,"b":"é"}}`,
	`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":"80","protocol":"TCPP"}],"type":"Nope"}}`,
	`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":2.5,"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"containers":[{"name":"x","securityContex":{},"resources":{"limits":{"cpu":"2x"}}}]}}}}`,
	`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:x"},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"],"extra":1}]}`,
	`{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"x","image":"i"}],"restartPolicy":"Never"}}}}}}`,
}

// errorLines: an error's lines (or its causes), sorted: kube-openapi's validator gives them in
// map order, which varies from run to run with either path.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	if status, ok := err.(apierrors.APIStatus); ok && status.Status().Details != nil {
		for _, c := range status.Status().Details.Causes {
			out = append(out, string(c.Type)+"|"+c.Field+"|"+c.Message)
		}
	} else {
		out = strings.Split(err.Error(), "\n")
	}
	sort.Strings(out)
	return out
}

func TestCompiledKindsAnswerAsKubectlValidate(t *testing.T) {
	for _, version := range manifest().Versions {
		set, err := newSchemaSet(version, []json.RawMessage{json.RawMessage(widgetCRD)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range differentialDocuments {
			var head struct{ APIVersion, Kind string }
			_ = json.Unmarshal([]byte(doc), &head)
			gv, _ := schema.ParseGroupVersion(head.APIVersion)
			gvk := gv.WithKind(head.Kind)
			// kubectl-validate first (it reads the kind's schema), then the compiled kind.
			_, want, wantErr := set.validator.Parse([]byte(doc))
			got, gotErr := set.parseDocument(gvk, []byte(doc))
			if set.kinds[gvk] == nil {
				t.Fatalf("%s %s: not compiled (kubectl-validate's cache not reached?)", version, gvk)
			}
			if !reflect.DeepEqual(errorLines(wantErr), errorLines(gotErr)) || !reflect.DeepEqual(want, got) {
				t.Errorf("%s %s: parse\nwant %v %v\ngot  %v %v", version, doc, want, wantErr, got, gotErr)
				continue
			}
			if want == nil {
				continue
			}
			wantV, gotV := set.validator.Validate(want), set.validateObject(got)
			if !reflect.DeepEqual(errorLines(wantV), errorLines(gotV)) {
				t.Errorf("%s %s: validate\nwant %v\ngot  %v", version, doc, errorLines(wantV), errorLines(gotV))
			}
		}
	}
}

// A document's kind, for the CRDs a request decodes and for the pool, is read as check reads it
// (and as the API server does): case-sensitively. encoding/json also takes "KIND" for "kind", so a
// Widget with a "KIND":"Gizmo" field was read as a Gizmo: the Widget CRD was left out and the
// Widget reported as having no schema (a notice) instead of validated (its unknown field, its enum).
func TestDocumentHeadsReadCaseSensitively(t *testing.T) {
	version := manifest().Versions[0]
	crds, err := crdSetOf("", []json.RawMessage{json.RawMessage(widgetCRD)})
	if err != nil {
		t.Fatal(err)
	}
	doc := json.RawMessage(`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"a"},"spec":{"size":"bogus"},"KIND":"Gizmo","APIVERSION":"v1"}`)
	a := checkWith(version, crds, []json.RawMessage{doc})
	if a.Error != "" || len(a.Results) != 1 {
		t.Fatalf("answer: %+v", a)
	}
	rules := map[string]bool{}
	for _, f := range a.Results[0].Findings {
		rules[f.Rule] = true
	}
	if rules["PCV007"] || !rules["PCV001"] || !rules["PCV002"] {
		t.Errorf("want the Widget validated (PCV001 enum, PCV002 unknown fields), got %+v", a.Results[0].Findings)
	}
}
