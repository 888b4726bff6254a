package main

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A CRD's kinds are made ready ahead when the CRD comes as a document and documents of its kinds
// were read too: `check` sends the checked files' objects first (a ServiceMonitor among them gets
// PCV007, no schema without the repository's CRDs), then, once it has that answer, the same
// documents again with the repository's CRDs; kube-schema read those CRDs among the objects long
// before. Their kinds' structural schemas, kubectl-validate entries, compiled kinds and CEL
// validators (each made once per process and CRD version, from the CRD alone: crdentry.go) are
// made on the goroutine that checks CRD documents ahead, once its queue is empty, instead of
// after that round trip. Only the served versions some document read so far has (a kind no
// document uses costs nothing); a CRD read before any document of its kinds waits until one is
// read. A schema set takes these kinds only where it would make the same (directEntry), so
// nothing here changes an answer; a panic is left for the set's own making to meet again.

// docKind: a document's kind.
type docKind = schema.GroupVersionKind

var (
	prepMu sync.Mutex
	// seenKinds: the kinds of the documents read so far.
	seenKinds = map[docKind]bool{}
	// prepareAhead: whether kinds are made ready ahead (the tests compare both ways).
	prepareAhead = true
	// prepQueue: CRD documents checked ahead whose kinds are to be made ready; prepWaiting: those
	// with a served kind no document read so far has.
	prepQueue, prepWaiting []json.RawMessage
)

// noteHeads records the kinds of a request's documents (prefetchCRDChecks', as each is read) and
// gives whether CRDs waiting for documents of their kinds are to be looked at again.
func noteHeads(heads []docHead) bool {
	prepMu.Lock()
	defer prepMu.Unlock()
	added := false
	for _, h := range heads {
		if h.ok && h.gvk != crdKindV1 && !seenKinds[h.gvk] {
			seenKinds[h.gvk], added = true, true
		}
	}
	if !added || len(prepWaiting) == 0 {
		return false
	}
	prepQueue, prepWaiting = append(prepQueue, prepWaiting...), nil
	return true
}

// queuePrep: a CRD document whose kinds may be made ready once the checks ahead are done.
func queuePrep(raw json.RawMessage) {
	if !prepareAhead {
		return
	}
	prepMu.Lock()
	prepQueue = append(prepQueue, raw)
	prepMu.Unlock()
}

// nextPrep: the next CRD document to make ready, if any.
func nextPrep() (json.RawMessage, bool) {
	prepMu.Lock()
	defer prepMu.Unlock()
	if len(prepQueue) == 0 {
		return nil, false
	}
	raw := prepQueue[0]
	prepQueue = prepQueue[1:]
	return raw, true
}

// prepareKinds makes ready the served kinds of a CRD that documents read so far have.
func prepareKinds(raw json.RawMessage) {
	read := readRepoCRD(sha256.Sum256(raw), raw)
	if read.err != nil {
		return
	}
	waits := false
	defer func() {
		if waits {
			prepMu.Lock()
			prepWaiting = append(prepWaiting, raw)
			prepMu.Unlock()
		}
	}()
	for _, k := range read.kinds {
		prepMu.Lock()
		seen := seenKinds[k.gvk]
		prepMu.Unlock()
		if k.unserved != "" {
			continue
		}
		if !seen {
			waits = true
			continue
		}
		func() {
			defer func() { _ = recover() }()
			k.compiledKind()
			k.celValidator()
			k.intOrStringTree()
		}()
	}
}
