package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
)

// The CRDs a request validates as documents are most of its work when it carries the
// repository's CRDs (decoding megabytes of schemas, then the API server's validation of each, CEL
// rules and all), and none of it depends on the schema set: a CRD's findings follow from its
// JSON alone. They are worked out once per process, keyed by the SHA-256 of that JSON, and
// started ahead (prefetchCRDChecks) on a goroutine of their own as soon as a request's heads are
// read, so that on two cores they run while the schema set is made and the first documents of
// each kind are compiled; checkCRD takes the answer, waiting for it when it is not ready yet.

// crdCheck: one CRD's findings as a document, made once.
type crdCheck struct {
	// started: whether a goroutine began the check (the one checking ahead then moves on).
	started  atomic.Bool
	once     sync.Once
	findings []finding
	// panicked: what validating it panicked with (given again to each caller, whose recover makes
	// it the document's error as before).
	panicked any
}

var (
	crdChecksMu sync.Mutex
	crdChecks   = map[[32]byte]*crdCheck{}
)

func crdCheckFor(sum [32]byte) *crdCheck {
	crdChecksMu.Lock()
	defer crdChecksMu.Unlock()
	c := crdChecks[sum]
	if c == nil {
		c = &crdCheck{}
		crdChecks[sum] = c
	}
	return c
}

// crdFindings: the CRD's findings (a copy: the caller appends to them). obj is the document as
// check read it, or nil (read here only when a finding needs a path in it).
func crdFindings(raw []byte, obj map[string]any) []finding {
	sum := sha256.Sum256(raw)
	c := crdCheckFor(sum)
	c.started.Store(true)
	c.once.Do(func() {
		defer func() { c.panicked = recover() }()
		c.findings = validateCRD(sum, raw, obj)
	})
	if c.panicked != nil {
		panic(c.panicked)
	}
	return slices.Clone(c.findings)
}

// validateCRD validates a CustomResourceDefinition as the API server does on create
// (apiextensions-apiserver's ValidateCustomResourceDefinition: structural schema, CEL rules and
// their estimated cost, names, versions); its own recursive schema is not walked as a document's.
// The CRD is decoded once per process (decodedCRD): a repository CRD of later requests too.
func validateCRD(sum [32]byte, raw []byte, obj map[string]any) []finding {
	d := decodedCRD(sum, raw)
	if d.err != nil {
		return []finding{{Rule: "PCV001", Path: []any{}, Message: d.err.Error()}}
	}
	errs := validation.ValidateCustomResourceDefinition(context.TODO(), d.crd.DeepCopy())
	if len(errs) > 0 && obj == nil {
		if err := json.Unmarshal(raw, &obj); err != nil {
			obj = nil
		}
	}
	var out []finding
	for _, e := range errs {
		out = append(out, finding{Rule: "PCV001", Path: jsonPath(obj, writtenCRDField(obj, e.Field)), Message: e.Error()})
	}
	return out
}

// prefetchCRDChecks queues the checks of the request's CustomResourceDefinition documents, the
// largest first, for the one goroutine that makes them ahead (prefetchCRDs); the documents'
// answers take them (crdFindings) in their turn, or make them when their turn comes first.
func prefetchCRDChecks(documents []json.RawMessage, heads []docHead) {
	var crds []json.RawMessage
	for i, h := range heads {
		if h.ok && h.gvk == crdKindV1 {
			crds = append(crds, documents[i])
		}
	}
	if !noteHeads(heads) && len(crds) == 0 {
		return
	}
	slices.SortStableFunc(crds, func(a, b json.RawMessage) int { return len(b) - len(a) })
	prefetchMu.Lock()
	defer prefetchMu.Unlock()
	prefetchQueue = append(prefetchQueue, crds...)
	if !prefetching {
		prefetching = true
		go prefetchCRDs()
	}
}

// The CRD checks queued ahead, made one at a time in the order of their requests: requests read
// ahead (up to 64) would otherwise each start theirs at once, a decoded CRD of megabytes each,
// against the collector's memory limit on two cores, with the request being answered waiting for
// its CRD's check among them.
var (
	prefetchMu    sync.Mutex
	prefetchQueue []json.RawMessage
	// prefetching: whether prefetchCRDs runs (it ends when the queue is empty).
	prefetching bool
)

func prefetchCRDs() {
	for {
		prefetchMu.Lock()
		if len(prefetchQueue) == 0 {
			// Then the kinds of the CRDs checked that documents have (crdprep.go).
			item, ok := nextPrep()
			if !ok {
				prefetchQueue, prefetching = nil, false
				prefetchMu.Unlock()
				return
			}
			prefetchMu.Unlock()
			func() {
				// A panic reading the CRD (kept by decodedCRD for its documents' answers) is
				// theirs to give: on this goroutine it would end the process.
				defer func() { _ = recover() }()
				prepareKinds(item)
			}()
			continue
		}
		raw := prefetchQueue[0]
		prefetchQueue = prefetchQueue[1:]
		prefetchMu.Unlock()
		func() {
			// A panic is kept for the document's own answer (crdFindings gives it again).
			defer func() { _ = recover() }()
			prefetchCheck(raw)
		}()
		queuePrep(raw)
	}
}

// prefetchCheck: what checking a CRD ahead does (a variable: a test counts the checks running).
// A CRD whose check a document's answer began already is left to it: waiting for it would keep
// this goroutine from the next CRD (two checks side by side on two cores).
var prefetchCheck = func(raw json.RawMessage) {
	if !crdCheckFor(sha256.Sum256(raw)).started.Load() {
		crdFindings(raw, nil)
	}
}
