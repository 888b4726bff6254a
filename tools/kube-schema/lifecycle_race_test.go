package main

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The lifecycle findings worked out once per kind are given to every document of that kind, in the
// pool's goroutines side by side: each gets its own copy (`go test -race -run Lifecycle .`), and
// the answers are those a document checked alone gets.
func TestLifecycleFindingsSideBySideAreEachDocumentsOwn(t *testing.T) {
	version := manifest().Versions[0]
	kinds := []string{
		`{"apiVersion":"extensions/v1beta1","kind":"Ingress","metadata":{"name":"i"}}`,
		`{"apiVersion":"autoscaling/v2beta2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"}}`,
		`{"apiVersion":"resource.k8s.io/v1beta1","kind":"DeviceClass","metadata":{"name":"d"},"spec":{"bogus":1}}`,
		`{"apiVersion":"storage.k8s.io/v1beta1","kind":"VolumeAttributesClass","metadata":{"name":"v"},"driverName":"x","bogus":1}`,
	}
	var docs []json.RawMessage
	for i := 0; i < 16; i++ {
		for _, d := range kinds {
			docs = append(docs, json.RawMessage(d))
		}
	}
	pooled, err := newSchemaSet(version, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := pooled.checkAll(docs, documentHeads(docs))
	alone, err := newSchemaSet(version, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		want := alone.check(d)
		if !reflect.DeepEqual(sortedFindings(want), sortedFindings(got[i])) {
			t.Errorf("document %d %s:\nwant %v\ngot  %v", i, d, want, got[i])
		}
	}
}
