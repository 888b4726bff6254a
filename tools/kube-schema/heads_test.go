package main

import (
	"encoding/json"
	"reflect"
	"testing"

	sigsjson "sigs.k8s.io/json"
)

// A document that is one of the request's CRDs has its head read with the CRD's (one pass over
// its JSON): the same head as read alone, whatever the CRD's fields hold (a group that is not a
// string makes the one pass fail: each is then read on its own), and the same group and kind of
// the CRD as read alone.
func TestCRDHeadsReadOnceAsAlone(t *testing.T) {
	crds := []json.RawMessage{
		json.RawMessage(crdVariant("a.example.com")),
		json.RawMessage(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":{"group":5,"names":{"kind":"X"}}}`),
		json.RawMessage(`{"apiVersion":7,"kind":"CustomResourceDefinition","spec":{"group":"g.io","names":{"kind":"Y"}}}`),
		json.RawMessage(`{"apiVersion":"apiextensions.k8s.io/v1","KIND":"CustomResourceDefinition","spec":{"group":"h.io","names":{"kind":"Z"}},"spec":{"group":"i.io","names":{"kind":"W"}}}`),
		json.RawMessage(`{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":[]}`),
		json.RawMessage(`{"apiVersion":"a/b/c","kind":"K"}`),
		json.RawMessage(`not json`),
	}
	var docs []json.RawMessage
	for _, c := range crds {
		docs = append(docs, c)
		// The same length, other bytes.
		other := append(json.RawMessage(nil), c...)
		other[len(other)-2] ^= 1
		docs = append(docs, other)
	}
	docs = append(docs, json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMap"}`))
	list := newCRDList(crds)
	got := list.documentHeads(docs)
	for i, d := range docs {
		if want := documentHead(d); got[i] != want {
			t.Errorf("document %d %s: head %+v, alone %+v", i, d, got[i], want)
		}
	}
	for i, c := range crds {
		var alone struct {
			Spec crdSpecHead `json:"spec"`
		}
		err := sigsjson.UnmarshalCaseSensitivePreserveInts(c, &alone)
		read := err == nil && alone.Spec.Names.Kind != ""
		if list.read[i] != read || read && (list.kinds[i].Group != alone.Spec.Group || list.kinds[i].Kind != alone.Spec.Names.Kind) {
			t.Errorf("CRD %d: %v %v, alone %v %+v", i, list.read[i], list.kinds[i], read, alone)
		}
	}
	if !reflect.DeepEqual(documentHeads(docs), got) {
		t.Errorf("documentHeads differs from the list's")
	}
}
