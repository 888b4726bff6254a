package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"testing/fstest"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
)

// crdIntOrString: the same along a custom resource's structural schema.
func crdIntOrString(s *structuralschema.Structural, v any, path []any, out *[]finding) {
	if s == nil {
		return
	}
	if s.XIntOrString {
		if !intOrString(v) {
			*out = append(*out, intOrStringFinding(path, v))
		}
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if p, ok := s.Properties[k]; ok {
				crdIntOrString(&p, c, with(path, k), out)
			} else if s.AdditionalProperties != nil {
				crdIntOrString(s.AdditionalProperties.Structural, c, with(path, k), out)
			}
		}
	case []any:
		for i, c := range x {
			crdIntOrString(s.Items, c, with(path, i), out)
		}
	}
}

// intOrStringLeaves: what may stand where an int-or-string (or any other) value goes.
var intOrStringLeaves = []any{"http", float64(8080), 1.5, true, nil, []any{float64(1)}, map[string]any{"a": "b"}, float64(1 << 40), -0.0}

// randomAlong: a value along s, each property present at random, some unknown fields (for
// additionalProperties), and at random any leaf where an object, list or int-or-string goes.
func randomAlong(r *rand.Rand, s *structuralschema.Structural, depth int) any {
	if s == nil || depth > 12 || r.Intn(8) == 0 {
		return intOrStringLeaves[r.Intn(len(intOrStringLeaves))]
	}
	if s.XIntOrString {
		return intOrStringLeaves[r.Intn(len(intOrStringLeaves))]
	}
	if s.Items != nil && (s.Type == "array" || r.Intn(3) == 0) {
		list := make([]any, r.Intn(3))
		for i := range list {
			list[i] = randomAlong(r, s.Items, depth+1)
		}
		return list
	}
	obj := map[string]any{}
	for name, p := range s.Properties {
		if r.Intn(2) == 0 {
			obj[name] = randomAlong(r, &p, depth+1)
		}
	}
	for i := r.Intn(2); i > 0; i-- {
		var extra *structuralschema.Structural
		if s.AdditionalProperties != nil {
			extra = s.AdditionalProperties.Structural
		}
		obj[fmt.Sprintf("extra%d", r.Intn(3))] = randomAlong(r, extra, depth+1)
	}
	return obj
}

func sortedIntOrString(fs []finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		b, _ := json.Marshal(f)
		out[i] = string(b)
	}
	sort.Strings(out)
	return out
}

// The int-or-string walk compiled once per kind finds what the walk along the whole schema finds,
// on random values of every bundled CRD kind (Flux CD, Argo CD), the test CRDs and the corpus's
// CRDs when ../shared/corpus is there.
func TestIntOrStringTreeAsTheWholeSchemaWalk(t *testing.T) {
	var kinds []*crdKind
	all := fstest.MapFS{}
	entries, _ := fs.ReadDir(embedded, "schemas/crds")
	for _, e := range entries {
		b, _ := embedded.ReadFile("schemas/crds/" + e.Name())
		all[e.Name()] = &fstest.MapFile{Data: b}
	}
	bundled, _, err := bundledCRDs(all)
	if err != nil || len(bundled) == 0 {
		t.Fatalf("no bundled CRDs (run npm run build:schema): %v", err)
	}
	kinds = append(kinds, bundled...)
	crds := []json.RawMessage{json.RawMessage(crdVariants()[0]), json.RawMessage(meterCRD("integer"))}
	// The corpus's (prometheus-operator's ports and others), and its custom resources.
	docs := corpusDocuments(t)
	for _, d := range docs {
		if documentHead(d).gvk == crdKindV1 {
			crds = append(crds, d)
		}
	}
	for _, c := range crds {
		d := decodeCRDForTest(c)
		if d == nil {
			continue
		}
		ks, err := crdKinds(d)
		if err == nil {
			kinds = append(kinds, ks...)
		}
	}
	r := rand.New(rand.NewSource(19))
	withIntOrString, found := 0, 0
	for _, k := range kinds {
		if k.structural == nil {
			continue
		}
		if k.intOrStringTree() != nil {
			withIntOrString++
		}
		values := []any{}
		for i := 0; i < 200; i++ {
			values = append(values, randomAlong(r, k.structural, 0))
		}
		for _, d := range docs {
			if h := documentHead(d); h.gvk == k.gvk {
				var obj map[string]any
				_ = json.Unmarshal(d, &obj)
				values = append(values, obj)
			}
		}
		for _, v := range values {
			var want, got []finding
			crdIntOrString(k.structural, v, nil, &want)
			k.intOrStringTree().walk(v, nil, &got)
			if !reflect.DeepEqual(sortedIntOrString(want), sortedIntOrString(got)) {
				t.Fatalf("%v: the whole walk %v, the tree %v", k.gvk, want, got)
			}
			found += len(want)
		}
	}
	// Not vacuous: kinds with int-or-string fields, and findings.
	if withIntOrString < 3 || found < 50 {
		t.Errorf("%d kinds with int-or-string fields, %d findings", withIntOrString, found)
	}
	t.Logf("%d kinds, %d with int-or-string fields, %d findings", len(kinds), withIntOrString, found)
}

func decodeCRDForTest(raw json.RawMessage) *apiextensions.CustomResourceDefinition {
	crd, err := decodeCRD(raw)
	if err != nil {
		return nil
	}
	return crd
}
