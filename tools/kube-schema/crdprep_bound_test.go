package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
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

// A CRD whose decoding panicked (kept for its documents' own answers, decodedCRD) is not made
// ready: the goroutine checking ahead must meet that panic again as it met it in the check, not
// end the process.
func TestCRDPreparedAheadSurvivesADecodingPanic(t *testing.T) {
	forgetSets()
	forgetPrep()
	defer forgetPrep()
	crd := json.RawMessage(compactJSON(t, crdVariants()[0]))
	sum := sha256.Sum256(crd)
	broken := &decodingCRD{panicked: "decoding panicked"}
	broken.once.Do(func() {})
	crdsDecodedMu.Lock()
	crdsDecoded[sum] = broken
	crdsDecodedMu.Unlock()
	defer func() {
		crdsDecodedMu.Lock()
		delete(crdsDecoded, sum)
		delete(repoCRDsRead, sum)
		crdsDecodedMu.Unlock()
	}()
	doc := json.RawMessage(`{"apiVersion":"a.example.com/v1","kind":"Widget","metadata":{"name":"w"}}`)
	prefetchCRDChecks([]json.RawMessage{doc, crd}, []docHead{documentHead(doc), documentHead(crd)})
	waitPrefetchIdle(t)
}

// Documents may name any kind: the kinds noted for the CRDs made ready ahead are bounded, in a
// long process as in one request of many made-up kinds.
func TestKindsNotedForPreparingBounded(t *testing.T) {
	forgetPrep()
	defer forgetPrep()
	var heads []docHead
	for i := 0; i < maxSeenKinds+500; i++ {
		doc := json.RawMessage(fmt.Sprintf(`{"apiVersion":"made-up.example.com/v1","kind":"K%d","metadata":{"name":"n"}}`, i))
		heads = append(heads, documentHead(doc))
	}
	noteHeads(heads)
	prepMu.Lock()
	n := len(seenKinds)
	prepMu.Unlock()
	if n > maxSeenKinds {
		t.Errorf("%d kinds noted, the bound is %d", n, maxSeenKinds)
	}
}
