package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
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

// Distinct CRDs checked side by side each decode their CRD for the first time: the process-wide
// cache of decoded CRDs is written from several goroutines at once, which Go stops with a fatal
// "concurrent map writes" (not a panic a goroutine can recover: the whole process ends).
func TestPoolDecodesDistinctCRDsSideBySide(t *testing.T) {
	version := manifest().Versions[0]
	set, err := newSchemaSet(version, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var docs []json.RawMessage
	for i := 0; i < 400; i++ {
		docs = append(docs, json.RawMessage(strings.ReplaceAll(widgetCRD, "example.com", fmt.Sprintf("e%d.example.com", i))))
	}
	for i, r := range set.checkAll(docs, documentHeads(docs)) {
		if r.Error != "" || len(r.Findings) != 0 {
			t.Errorf("CRD %d: %+v", i, r)
		}
	}
}
