package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/yaml"
)

// A CRD kind's entry made from its CRD alone (crdentry.go) must be the one kubectl-validate makes
// from the whole documents of the set: the same schema, structural schema and scope, for every
// version of every bundled CRD, the corpus's CRDs (when ../shared/corpus is there) and generated
// CRDs (groups kubectl-validate patches and others; defaults, enums, formats, CEL rules, list
// types, int-or-string, embedded resources, metadata of their own, versions not served); and every
// answer must be the same, on minimal objects, the corpus's documents and random values along
// each kind's schema.

// entryCase: the CRDs of one schema set.
type entryCase struct {
	name    string
	repo    []json.RawMessage
	bundled []string
}

func entryCases(t *testing.T) []entryCase {
	entries, err := fs.ReadDir(embedded, "schemas/crds")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no bundled CRDs (run npm run build:schema): %v", err)
	}
	var bundled []string
	for _, e := range entries {
		bundled = append(bundled, e.Name())
	}
	cases := []entryCase{{name: "bundled", bundled: bundled}}
	var corpus []json.RawMessage
	for _, d := range corpusDocuments(t) {
		if documentHead(d).gvk == crdKindV1 {
			corpus = append(corpus, d)
		}
	}
	if len(corpus) == 0 {
		t.Log("no corpus CRDs: that case is skipped")
	} else {
		cases = append(cases, entryCase{name: "corpus", repo: corpus})
	}
	var generated []json.RawMessage
	// Kinds in a built-in group (its document merged with the built-in one) and in the core group.
	inApps := strings.NewReplacer(`"group":"example.com"`, `"group":"apps"`, `"widgets.example.com"`, `"widgets.apps"`).Replace(widgetCRD)
	inCore := strings.NewReplacer(`"group":"example.com"`, `"group":""`, `"widgets.example.com"`, `"widgets"`).Replace(widgetCRD)
	for _, c := range append(crdVariants(), widgetCRD, meterCRD("integer"), inApps, inCore) {
		generated = append(generated, json.RawMessage(c))
	}
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 80; i++ {
		generated = append(generated, generatedCRD(r, i))
	}
	// The repository's Flux CRDs over the bundled ones (a Flux repository holds them): one of the
	// same group, versions and kind with a schema of its own, which the entry must take.
	generated = append(generated, overridingCRD(t, bundled[0]))
	return append(cases, entryCase{name: "generated", repo: generated, bundled: bundled[:2]})
}

// overridingCRD: the first CRD of a bundled file, every version's spec replaced by a schema of
// its own (a repository's copy of another release of it).
func overridingCRD(t *testing.T, file string) json.RawMessage {
	t.Helper()
	b, err := fs.ReadFile(embedded, "schemas/crds/"+file)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(b), "\n---") {
		var crd map[string]any
		if yaml.Unmarshal([]byte(doc), &crd) != nil || crd["kind"] != "CustomResourceDefinition" {
			continue
		}
		versions, _ := crd["spec"].(map[string]any)["versions"].([]any)
		for _, v := range versions {
			props := v.(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)["properties"].(map[string]any)
			props["spec"] = map[string]any{"type": "object", "required": []any{"overridden"},
				"properties": map[string]any{"overridden": map[string]any{"type": "integer", "minimum": 3}}}
		}
		out, err := json.Marshal(crd)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no CRD in %s", file)
	return nil
}

func entrySchema(e kindEntry) *spec.Schema {
	return reflect.ValueOf(e).Elem().FieldByName("Schema").Interface().(*spec.Schema)
}

// sameEntry: kubectl-validate's entry for gvk in the set made without direct entries, and ours.
func sameEntry(t *testing.T, theirs *schemaSet, k *crdKind, alone func(*crdKind) (kindEntry, bool)) bool {
	t.Helper()
	gvk := k.gvk
	_, _, _ = theirs.validator.Parse(minimalObject(gvk))
	want, wantOK := entryOf(theirs.validator, gvk)
	var wantSS, gotSS any
	if wantOK {
		ss, err := want.StructuralSchema()
		wantOK, wantSS = err == nil, ss
	}
	got, gotOK := alone(k)
	if gotOK {
		gotSS, _ = got.StructuralSchema()
	}
	if wantOK != gotOK {
		t.Errorf("%v: kubectl-validate made an entry: %v, alone: %v", gvk, wantOK, gotOK)
		return false
	}
	if !wantOK {
		return false
	}
	if !reflect.DeepEqual(entrySchema(want), entrySchema(got)) {
		t.Errorf("%v: the schemas differ", gvk)
	}
	if !reflect.DeepEqual(wantSS, gotSS) {
		a, _ := json.Marshal(wantSS)
		b, _ := json.Marshal(gotSS)
		t.Errorf("%v: the structural schemas differ:\n%.600s\n%.600s", gvk, a, b)
	}
	if want.IsNamespaceScoped() != got.IsNamespaceScoped() {
		t.Errorf("%v: namespaced %v, alone %v", gvk, want.IsNamespaceScoped(), got.IsNamespaceScoped())
	}
	return true
}

func withDirect(on bool, fn func()) {
	was := directEntries
	directEntries = on
	defer func() { directEntries = was }()
	fn()
}

func sortedKinds(s *schemaSet) []*crdKind {
	var out []*crdKind
	for _, k := range s.crds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *crdKind) int { return strings.Compare(a.gvk.String(), b.gvk.String()) })
	return out
}

func TestCRDEntriesAsKubectlValidates(t *testing.T) {
	version := manifest().Versions[0]
	for _, c := range entryCases(t) {
		forgetSets()
		var theirs *schemaSet
		withDirect(false, func() { theirs = mustSet(t, version, c.repo, c.bundled) })
		ours := mustSet(t, version, c.repo, c.bundled)
		compared, patched := 0, 0
		for _, k := range sortedKinds(ours) {
			if _, ok := ours.directEntry(k.gvk); !ok {
				continue
			}
			made := func(k *crdKind) (kindEntry, bool) { e, _, ok := k.entry(); return e, ok }
			if sameEntry(t, theirs, k, made) {
				compared++
			}
			// The structural schema made by kubectl-validate from the JSON, too.
			var slow kindEntry
			withStructural(false, func() { slow, _ = entryAlone(k) })
			sameEntry(t, theirs, k, func(*crdKind) (kindEntry, bool) { return slow, slow != nil })
			if probePatched(k) {
				patched++
			}
		}
		t.Logf("%s: %d kinds compared, %d of groups kubectl-validate patches", c.name, compared, patched)
		if compared < 3 || (c.name == "generated" && patched == 0) {
			t.Errorf("%s: %d kinds compared, %d patched: the case compares too little", c.name, compared, patched)
		}
		sameAnswers(t, c, theirs, ours)
	}
}

func withStructural(on bool, fn func()) {
	was := directStructural
	directStructural = on
	defer func() { directStructural = was }()
	fn()
}

// probePatched: whether kubectl-validate patches the kind's group (its byte-format patch).
func probePatched(k *crdKind) bool {
	_, probed, ok := entriesAlone(k)
	if !ok {
		return false
	}
	_, ok = withProbeMetadata(k.structural, probed)
	return !ok
}

func mustSet(t *testing.T, version string, repo []json.RawMessage, bundled []string) *schemaSet {
	t.Helper()
	s, err := newSchemaSet(version, repo, bundled)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sameAnswers: each set's answer to minimal objects, the corpus's documents and random values of
// each CRD kind, the direct entries off in theirs and on in ours.
func sameAnswers(t *testing.T, c entryCase, theirs, ours *schemaSet) {
	t.Helper()
	r := rand.New(rand.NewSource(19))
	docs := corpusDocuments(t)
	for _, k := range sortedKinds(ours) {
		docs = append(docs, minimalObject(k.gvk))
		for i := 0; i < 12; i++ {
			v, _ := randomAlong(r, k.structural, 0).(map[string]any)
			if v == nil {
				v = map[string]any{}
			}
			v["apiVersion"], v["kind"] = k.gvk.GroupVersion().String(), k.gvk.Kind
			if i%3 != 0 {
				v["metadata"] = map[string]any{"name": fmt.Sprintf("n%d", i)}
			}
			b, _ := json.Marshal(v)
			docs = append(docs, b)
		}
	}
	differ, findings := 0, 0
	for _, d := range docs {
		var want, got result
		withDirect(false, func() { want = theirs.checkSafely(d, docHead{}) })
		got = ours.checkSafely(d, docHead{})
		findings += len(want.Findings)
		if !reflect.DeepEqual(sortedFindings(want), sortedFindings(got)) {
			if differ++; differ <= 3 {
				t.Errorf("%s: %.300s\nkubectl-validate's entries: %+v\nours: %+v", c.name, d, want, got)
			}
		}
	}
	t.Logf("%s: %d documents, %d findings, %d answers differ", c.name, len(docs), findings, differ)
	if findings == 0 {
		t.Errorf("%s: no findings: nothing compared", c.name)
	}
}

// generatedCRD: a CRD of its own group (every fourth one of a group kubectl-validate patches), one
// or two versions (the second not always served), a random structural schema.
func generatedCRD(r *rand.Rand, i int) json.RawMessage {
	group := fmt.Sprintf("g%d.example.com", i)
	if i%4 == 0 {
		group = fmt.Sprintf("g%d.sigs.k8s.io", i)
	}
	scope := []string{"Namespaced", "Cluster"}[r.Intn(2)]
	version := func(name string, served, storage bool) map[string]any {
		props := map[string]any{"spec": genSchema(r, 0), "status": genSchema(r, 1)}
		if r.Intn(4) == 0 {
			props["metadata"] = map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string", "maxLength": 20}}}
		}
		root := map[string]any{"type": "object", "properties": props}
		if r.Intn(6) == 0 {
			root["x-kubernetes-preserve-unknown-fields"] = true
		}
		return map[string]any{"name": name, "served": served, "storage": storage, "schema": map[string]any{"openAPIV3Schema": root}}
	}
	versions := []any{version("v1", true, true)}
	if r.Intn(2) == 0 {
		versions = append(versions, version("v2", r.Intn(2) == 0, false))
	}
	crd := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "things." + group},
		"spec": map[string]any{"group": group, "scope": scope, "versions": versions,
			"names": map[string]any{"kind": "Thing", "plural": "things", "singular": "thing", "listKind": "ThingList"}},
	}
	b, _ := json.Marshal(crd)
	return b
}

// genSchema: a random structural schema.
func genSchema(r *rand.Rand, depth int) map[string]any {
	defaults := []any{1, 2.5, "a", true, map[string]any{}, map[string]any{"a": 1}, []any{}, []any{"x", 2}, nil}
	var s map[string]any
	switch kind := r.Intn(9); {
	case depth > 3 || kind < 3:
		s = genLeaf(r)
	case kind < 6:
		props := map[string]any{}
		for j := r.Intn(4); j >= 0; j-- {
			props[fmt.Sprintf("f%d", j)] = genSchema(r, depth+1)
		}
		s = map[string]any{"type": "object", "properties": props}
		if r.Intn(4) == 0 {
			s["required"] = []any{"f0"}
		}
		if r.Intn(5) == 0 {
			s["x-kubernetes-validations"] = []any{map[string]any{"rule": "has(self.f0) || true", "message": "m"}}
		}
		if r.Intn(8) == 0 {
			s["x-kubernetes-map-type"] = []string{"atomic", "granular"}[r.Intn(2)]
		}
	case kind < 7:
		s = map[string]any{"type": "object", "additionalProperties": genSchema(r, depth+1)}
	case kind < 8:
		s = map[string]any{"type": "array", "items": genSchema(r, depth+1), "maxItems": r.Intn(5)}
		if r.Intn(3) == 0 {
			s["x-kubernetes-list-type"] = []string{"atomic", "set"}[r.Intn(2)]
			if s["x-kubernetes-list-type"] == "set" {
				s["items"] = map[string]any{"type": "string"}
			}
		}
	default:
		s = map[string]any{"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true}
	}
	if r.Intn(5) == 0 {
		s["default"] = defaults[r.Intn(len(defaults))]
	}
	if r.Intn(6) == 0 {
		s["nullable"] = true
	}
	if r.Intn(3) == 0 {
		s["description"] = "d"
	}
	return s
}

func genLeaf(r *rand.Rand) map[string]any {
	switch r.Intn(7) {
	case 0:
		return map[string]any{"type": "string", "format": []string{"byte", "date-time", "int-or-string", "uuid", ""}[r.Intn(5)], "maxLength": 8}
	case 1:
		return map[string]any{"type": "string", "enum": []any{"a", "b"}, "pattern": "^[ab]$"}
	case 2:
		return map[string]any{"type": "integer", "format": "int32", "minimum": -3, "maximum": 3e9, "multipleOf": 2}
	case 3:
		return map[string]any{"type": "number", "exclusiveMinimum": true, "minimum": 0.5}
	case 4:
		return map[string]any{"x-kubernetes-int-or-string": true}
	case 5:
		return map[string]any{"type": "boolean"}
	default:
		return map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}
	}
}

// A kind defined twice by the repository's CRDs, or by a version that is not served, keeps
// kubectl-validate's own reading (which definition its documents keep is not crds').
func TestCRDEntriesNotMadeForAmbiguousKinds(t *testing.T) {
	forgetSets()
	version := manifest().Versions[0]
	one := crdVariant("twice.example.com")
	two := strings.Replace(crdVariant("twice.example.com"), `"widgets.twice.example.com"`, `"widgets2.twice.example.com"`, 1)
	s := mustSet(t, version, []json.RawMessage{json.RawMessage(one), json.RawMessage(two)}, nil)
	gvk := schema.GroupVersionKind{Group: "twice.example.com", Version: "v1", Kind: "Widget"}
	if _, ok := s.directEntry(gvk); ok {
		t.Errorf("a kind two CRDs define got an entry of its own")
	}
	single := mustSet(t, version, []json.RawMessage{json.RawMessage(one)}, nil)
	if _, ok := single.directEntry(gvk); !ok {
		t.Errorf("a kind one CRD defines got no entry of its own")
	}
}
