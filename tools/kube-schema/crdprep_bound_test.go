package main

import (
	"encoding/json"
	"testing"
)

// A long process (the app keeps one kube-schema per worker) is sent the same CRD as a document in
// request after request, none with a document of its kind: the CRD waits once for a document of
// its kinds, not once per request (each a copy looked at again whenever a new kind is read).
func TestCRDWaitingForItsKindsHeldOnce(t *testing.T) {
	forgetSets()
	forgetPrep()
	defer forgetPrep()
	crd := json.RawMessage(compactJSON(t, crdVariants()[0]))
	for i := 0; i < 20; i++ {
		prefetchCRDChecks([]json.RawMessage{crd}, []docHead{documentHead(crd)})
		waitPrefetchIdle(t)
	}
	prepMu.Lock()
	waiting := len(prepWaiting)
	prepMu.Unlock()
	if waiting != 1 {
		t.Errorf("the CRD waits %d times for documents of its kinds, want once", waiting)
	}
}
