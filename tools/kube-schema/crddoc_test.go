package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// A document whose head reads as a CRD's is checked without reading it into a map
// (checkHeaded): its answer must be check's, which reads the map first, for every document that
// may look like a CRD: valid and broken CRDs, duplicate or non-string apiVersion and kind, other
// spellings of the same strings, JSON that is not one object, and escapes.
func TestCRDDocumentsCheckedByHeadAsByMap(t *testing.T) {
	crd := crdVariant("h.example.com")
	body := strings.TrimPrefix(crd, `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",`)
	docs := append(crdVariants(),
		`{"kind":"CustomResourceDefinition","apiVersion":"apiextensions.k8s.io/v1",`+body,
		`{"apiVersion":"apiextensions.k8s.io\/v1","kind":"Custom\u0052esourceDefinition",`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","apiVersion":5,`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","kind":"Widget",`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","KIND":"Widget",`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","Kind":null,`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition",`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1 ","kind":"CustomResourceDefinition",`+body,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":[]}`,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"é\u2028"},"spec":{}}`,
		`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition"} {}`,
		`[{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition"}]`,
		`null`,
	)
	set, err := newSchemaSet(manifest().Versions[0], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	byHead := 0
	for _, d := range docs {
		raw := json.RawMessage(d)
		h := headOfDocument(raw)
		if h.ok && h.gvk == crdKindV1 {
			byHead++
		}
		forgetCRDs()
		want := set.check(raw)
		forgetCRDs()
		got := set.checkHeaded(raw, h)
		if !reflect.DeepEqual(sortedFindings(want), sortedFindings(got)) {
			t.Errorf("%.120s:\nby map  %+v\nby head %+v", d, want, got)
		}
	}
	// Not vacuous: most are checked by their head, some with findings.
	if byHead < 8 {
		t.Errorf("only %d documents checked by their head", byHead)
	}
}
