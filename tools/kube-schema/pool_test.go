package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"
)

// checkAll validates the documents of compiled kinds (and CRDs) in a pool of goroutines: each
// document's answer must be the one check gives it alone, in order, whatever runs side by side.
// `go test -race -run Pool .` also proves the pool reads only what is made already.
func TestPoolAnswersAsOneByOne(t *testing.T) {
	version := manifest().Versions[0]
	crds := []json.RawMessage{json.RawMessage(widgetCRD)}
	var docs []json.RawMessage
	for i := 0; i < 6; i++ {
		for _, d := range differentialDocuments {
			docs = append(docs, json.RawMessage(d))
		}
		docs = append(docs, json.RawMessage(widgetCRD), json.RawMessage(`{"apiVersion":"example.com/v1","kind":"Gizmo"}`), json.RawMessage(`[1]`))
	}
	pooled, err := newSchemaSet(version, crds, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Twice: the first request compiles the kinds, the second is validated by the pool only.
	for round := 0; round < 2; round++ {
		got := pooled.checkAll(docs, documentHeads(docs))
		alone, err := newSchemaSet(version, crds, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range docs {
			want := alone.check(d)
			if !reflect.DeepEqual(sortedFindings(want), sortedFindings(got[i])) {
				t.Errorf("round %d, document %d %s:\nwant %v\ngot  %v", round, i, d, want, got[i])
			}
		}
	}
}

// sortedFindings: a result with its findings in one order (causes come in map order).
func sortedFindings(r result) result {
	out := result{Error: r.Error, Findings: append([]finding(nil), r.Findings...)}
	sort.Slice(out.Findings, func(i, j int) bool {
		return fmt.Sprint(out.Findings[i]) < fmt.Sprint(out.Findings[j])
	})
	return out
}
