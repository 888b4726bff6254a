package main

import (
	"encoding/json"
	"testing"
)

// meterCRD: a CRD of the same name whose spec.size is of the given type.
func meterCRD(sizeType string) string {
	return `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",` +
		`"metadata":{"name":"meters.changed.example.com"},"spec":{"group":"changed.example.com",` +
		`"names":{"kind":"Meter","plural":"meters","singular":"meter","listKind":"MeterList"},"scope":"Namespaced",` +
		`"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",` +
		`"properties":{"spec":{"type":"object","properties":{"size":{"type":"` + sizeType + `"}}}}}}}]}}`
}

// A repository CRD changed between requests in one process (same name, new content, sent under
// the same CRD set id and then named by it alone): each request is answered by the content it
// sends, never by what an earlier one cached under the CRD's name or the set's id.
func TestCRDChangedBetweenRequestsIsReadAgain(t *testing.T) {
	doc := json.RawMessage(`{"apiVersion":"changed.example.com/v1","kind":"Meter","metadata":{"name":"g","namespace":"a"},"spec":{"size":"big"}}`)
	for round, c := range []struct {
		typ string
		bad bool
	}{{"integer", true}, {"string", false}, {"integer", true}, {"string", false}} {
		crds, err := crdSetOf("repo", []json.RawMessage{json.RawMessage(meterCRD(c.typ))})
		if err != nil {
			t.Fatal(err)
		}
		crdDoc := json.RawMessage(meterCRD(c.typ))
		a := checkWith(manifest().Versions[0], crds, []json.RawMessage{doc, crdDoc})
		got := a.Results[0].Findings
		if bad := len(got) > 0; bad != c.bad {
			t.Errorf("round %d (%s): findings %+v, crdErrors %+v", round, c.typ, got, a.CRDErrors)
		}
		if len(a.Results[1].Findings) != 0 || a.Results[1].Error != "" {
			t.Errorf("round %d CRD doc: %+v", round, a.Results[1])
		}
		// Later requests naming the set only.
		again, err := crdSetOf("repo", nil)
		if err != nil {
			t.Fatal(err)
		}
		b := checkWith(manifest().Versions[0], again, []json.RawMessage{doc})
		if bad := len(b.Results[0].Findings) > 0; bad != c.bad {
			t.Errorf("round %d by id: %+v", round, b.Results[0])
		}
	}
}
