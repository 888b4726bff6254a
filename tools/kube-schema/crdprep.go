package main

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
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

// prepItem: a CRD document to make ready, by the SHA-256 of its JSON (raw: nil for one whose kinds
// were read already: the request's bytes are not held while it waits).
type prepItem struct {
	sum [32]byte
	raw json.RawMessage
}

var (
	prepMu sync.Mutex
	// seenKinds: the kinds of the documents read so far, true for one asked again with the
	// repository's CRDs (no built-in group, no bundled CRD file).
	seenKinds = map[docKind]bool{}
	// prepareAhead: whether kinds are made ready ahead (the tests compare both ways).
	prepareAhead = true
	// maxSeenKinds: how many kinds seenKinds holds at most (documents may name any kind; one past
	// it is not noted, and a CRD of it is only not made ready ahead).
	maxSeenKinds = 1 << 14
	// prepQueue: CRD documents checked ahead whose kinds are to be made ready; prepWaiting: those
	// with a served kind no document read so far has.
	prepQueue, prepWaiting []prepItem
)

// noteHeads records the kinds of a request's documents (prefetchCRDChecks', as each is read) and
// gives whether CRDs waiting for documents of their kinds are to be looked at again.
func noteHeads(heads []docHead) bool {
	prepMu.Lock()
	defer prepMu.Unlock()
	added := false
	for _, h := range heads {
		if _, known := seenKinds[h.gvk]; !h.ok || known || h.gvk == crdKindV1 || len(seenKinds) >= maxSeenKinds {
			continue
		}
		// In a Flux repository, the gotk CRDs among the files define kinds the bundled CRDs
		// answer: those are not asked again with the repository's CRDs, nor made ready.
		asked := !builtinGroups()[h.gvk.Group] && len(bundledFor([]docHead{h})) == 0
		seenKinds[h.gvk] = asked
		added = added || asked
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
	prepQueue = append(prepQueue, prepItem{sha256.Sum256(raw), raw})
	prepMu.Unlock()
}

// nextPrep: the next CRD document to make ready, if any.
func nextPrep() (prepItem, bool) {
	prepMu.Lock()
	defer prepMu.Unlock()
	if len(prepQueue) == 0 {
		return prepItem{}, false
	}
	item := prepQueue[0]
	prepQueue = prepQueue[1:]
	return item, true
}

// prepareKinds makes ready the served kinds of a CRD that documents read so far have and that
// are asked again with the repository's CRDs; it waits for documents of its other served kinds.
func prepareKinds(item prepItem) {
	var read readCRDResult
	if item.raw != nil {
		read = readRepoCRD(item.sum, item.raw)
	} else {
		crdsDecodedMu.Lock()
		r, ok := repoCRDsRead[item.sum]
		crdsDecodedMu.Unlock()
		if !ok {
			return
		}
		read = r
	}
	if read.err != nil {
		return
	}
	waits := false
	for _, k := range read.kinds {
		prepMu.Lock()
		asked, seen := seenKinds[k.gvk]
		prepMu.Unlock()
		switch {
		case k.unserved != "" || (seen && !asked):
			continue
		case !seen:
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
	if waits {
		prepMu.Lock()
		// Once: a CRD sent again (request after request of a long process) waits as one.
		if !slices.ContainsFunc(prepWaiting, func(w prepItem) bool { return w.sum == item.sum }) {
			prepWaiting = append(prepWaiting, prepItem{sum: item.sum})
		}
		prepMu.Unlock()
	}
}
