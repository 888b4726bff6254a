package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// forgetCRDs empties the process-wide memories of decoded and checked CRDs, as in a new process.
func forgetCRDs() {
	crdsDecodedMu.Lock()
	crdsDecoded = map[[32]byte]*decodingCRD{}
	repoCRDsRead = map[[32]byte]readCRDResult{}
	crdsDecodedMu.Unlock()
	crdChecksMu.Lock()
	crdChecks = map[[32]byte]*crdCheck{}
	crdChecksMu.Unlock()
}

// crdVariant: widgetCRD in its own group, changed by the replacements (old, new, ...).
func crdVariant(group string, replacements ...string) string {
	doc := strings.ReplaceAll(widgetCRD, "example.com", group)
	return strings.NewReplacer(replacements...).Replace(doc)
}

// CRDs a repository may hold: valid ones, one whose CEL rule does not compile and one whose
// schema is not structural (findings of the API server's validation, at paths in the version as
// written), one that does not decode (served: a string).
func crdVariants() []string {
	return []string{
		crdVariant("a.example.com"),
		crdVariant("b.example.com", "self.min <= self.max", "self.min <= "),
		crdVariant("c.example.com", `"label":{"type":"string","maxLength":5}`, `"label":{"maxLength":5}`),
		crdVariant("d.example.com", `"served":true`, `"served":"yes"`),
		crdVariant("e.example.com"),
	}
}

// The CRD documents of a request are checked ahead on a goroutine of their own (crdcheck.go),
// side by side with the making of the schema set and the pool, each CRD decoded once for both
// uses: every document's answer, and the CRD errors, must be those of each document checked alone
// in a new process (with the bundled CRD files it needs, read on a goroutine of their own while
// the repository's are). `go test -race -run CRD .` also proves nothing is written side by side.
func TestCRDChecksAheadAnswerAsAlone(t *testing.T) {
	version := manifest().Versions[0]
	variants := crdVariants()
	var crds, docs []json.RawMessage
	for _, v := range variants {
		crds = append(crds, json.RawMessage(v))
	}
	for round := 0; round < 3; round++ {
		for i, v := range variants {
			// The same CRD twice in a row: both its answers ask for one check at once.
			docs = append(docs, json.RawMessage(v), json.RawMessage(v))
			group := string("abcde"[i]) + ".example.com"
			docs = append(docs, json.RawMessage(`{"apiVersion":"`+group+`/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"huge"}}`))
		}
		for _, d := range differentialDocuments {
			docs = append(docs, json.RawMessage(d))
		}
		// Of a bundled CRD (Flux's, read on a goroutine while the repository's are).
		docs = append(docs, json.RawMessage(`{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"k","namespace":"f"},"spec":{"interval":"1m","prune":"yes","sourceRef":{"kind":"GitRepository","name":"r"},"bogus":1}}`))
	}
	line, _ := json.Marshal(map[string]any{"version": version, "crds": crds, "documents": docs})
	forgetCRDs()
	got := validateRequest(line)
	if got.Error != "" || len(got.Results) != len(docs) {
		t.Fatalf("answer: %+v", got)
	}
	forgetCRDs()
	bundled := bundledFor(documentHeads(docs))
	if len(bundled) == 0 {
		t.Fatal("no bundled CRD file for Flux's Kustomization")
	}
	alone, err := newSchemaSet(version, crds, bundled)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.CRDErrors, alone.crdErrors) || len(got.CRDErrors) != 2 {
		t.Errorf("crdErrors: got %+v, alone %+v (want the non-structural and the undecodable CRD)", got.CRDErrors, alone.crdErrors)
	}
	seen := map[string]bool{}
	for i, d := range docs {
		forgetCRDs()
		want := alone.check(d)
		if !reflect.DeepEqual(sortedFindings(want), sortedFindings(got.Results[i])) {
			t.Errorf("document %d %.80s:\nwant %v\ngot  %v", i, d, want, got.Results[i])
		}
		for _, f := range want.Findings {
			seen[fmt.Sprint(f.Path...)] = true
		}
	}
	// Not vacuous: the CRDs' findings are there, at the paths of the versions as written.
	for _, path := range []string{fmt.Sprint("spec", "versions", 0, "schema", "openAPIV3Schema", "properties", "spec", "x-kubernetes-validations", 0, "rule"), "", fmt.Sprint("spec", "bogus")} {
		if !seen[path] {
			t.Errorf("no finding at %q among %v", path, seen)
		}
	}
}

// A CRD asked for by several goroutines at once is decoded once: all of them get the same object.
func TestCRDDecodedOnceSideBySide(t *testing.T) {
	forgetCRDs()
	raw := []byte(crdVariant("once.example.com"))
	sum := [32]byte{1}
	got := make([]decodedCRDResult, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = decodedCRD(sum, raw)
		}()
	}
	wg.Wait()
	for i, r := range got {
		if r.err != nil || r.crd == nil || r.crd != got[0].crd {
			t.Fatalf("goroutine %d: %+v (first: %p)", i, r, got[0].crd)
		}
	}
}

// A repository CRD one of whose versions, not served, has no schema (the API server refuses it)
// made the whole request an internal error (kubectl-validate's documents are made of every
// version: a nil pointer). It is now an unusable CRD (a crdError, its kind without a schema) and
// the other documents are answered.
func TestCRDWithAVersionWithoutSchemaIsUnusable(t *testing.T) {
	crd := crdVariant("u.example.com", `"versions":[`, `"versions":[{"name":"v0","served":false,"storage":false},`)
	docs := []json.RawMessage{
		json.RawMessage(`{"apiVersion":"u.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small"}}`),
		json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":1}}`),
	}
	line, _ := json.Marshal(map[string]any{"crds": []json.RawMessage{json.RawMessage(crd)}, "documents": docs})
	got := validateRequest(line)
	if got.Error != "" || len(got.Results) != 2 {
		t.Fatalf("answer: %+v", got)
	}
	if len(got.CRDErrors) != 1 || got.CRDErrors[0].Index != 0 || !strings.Contains(got.CRDErrors[0].Message, "version v0 has no schema") {
		t.Errorf("crdErrors: %+v", got.CRDErrors)
	}
	if len(got.Results[0].Findings) != 1 || got.Results[0].Findings[0].Rule != "PCV007" {
		t.Errorf("the Widget: %+v (want PCV007: its CRD is unusable)", got.Results[0])
	}
	set, err := newSchemaSet(manifest().Versions[0], nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := set.check(docs[1]); !reflect.DeepEqual(sortedFindings(want), sortedFindings(got.Results[1])) || len(want.Findings) == 0 {
		t.Errorf("the ConfigMap: %+v, alone %+v", got.Results[1], want)
	}
}
