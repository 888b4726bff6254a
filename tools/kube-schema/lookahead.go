package main

import (
	"fmt"
	"slices"
	"sync"
)

// A schema set is made for the CRDs (and bundled CRD files) its request's documents need; a later
// request that needs one more is given a new set with the union (schemaSetFor), whose validator
// then reads and compiles every kind again: for the corpus, the request with prometheus-operator's
// Prometheus compiled ServiceMonitor and PrometheusRule a second time, with their group-version's
// OpenAPI document (~60 ms at the end of a check). Requests are read ahead (readAll), so the
// requests that will be answered with the same set are often known already: the set is made with
// what they need too. That set is the union the later request would get, and a CRD or file that no
// document of a request needs adds only kinds that request has none of (schemaSetFor), so every
// answer's results are the same; its crdErrors are those of the CRDs the requests answered so
// far needed (crdErrorsOf), as the set made without looking ahead gives them.

// pendingRequest: a request read and not answered yet, with its documents' distinct heads (all a
// schema set is made from: a 50,000-resource check's requests hold ~1,200 documents each).
type pendingRequest struct {
	r     *readRequest
	kinds []docHead
}

var (
	pendingMu sync.Mutex
	// pending: the requests read and not answered yet, in their order (readAll adds, serve takes).
	pending []pendingRequest
)

func addPending(r *readRequest) {
	if r.versions || r.err != "" {
		return
	}
	seen := map[docHead]bool{}
	var kinds []docHead
	for _, h := range r.heads {
		if h.ok && !seen[h] {
			seen[h] = true
			kinds = append(kinds, h)
		}
	}
	pendingMu.Lock()
	pending = append(pending, pendingRequest{r, kinds})
	pendingMu.Unlock()
}

func removePending(r *readRequest) {
	pendingMu.Lock()
	if i := slices.IndexFunc(pending, func(p pendingRequest) bool { return p.r == r }); i >= 0 {
		pending = slices.Delete(pending, i, i+1)
	}
	pendingMu.Unlock()
}

// headsAhead: the distinct heads of the documents of the requests read after req that its schema set will
// answer too: the same version, and the same repository CRDs (none, or the same crdSet named
// without sending it; up to a request that sends that set anew). None for a request with
// crdsIfUnknown or an unnamed CRD list.
func headsAhead(req request) []docHead {
	if req.CRDsIfUnknown || (req.CRDSet == "" && req.CRDs != nil) {
		return nil
	}
	pendingMu.Lock()
	defer pendingMu.Unlock()
	var out []docHead
	for _, p := range pending {
		q := p.r.req
		if req.CRDSet != "" && q.CRDSet == req.CRDSet && q.CRDs != nil {
			break
		}
		if q.Version == req.Version && q.CRDSet == req.CRDSet && q.CRDs == nil && !q.CRDsIfUnknown {
			out = append(out, p.kinds...)
		}
	}
	return out
}

// setSafely: build's set, or its error (a panic too, as an error).
func setSafely(build func() (*schemaSet, error)) (s *schemaSet, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	return build()
}

// setsMade: how many schema sets this process made (the tests').
var setsMade int

// picksSoFar: per schema set key, the repository CRDs the requests answered so far needed.
var picksSoFar = map[string][]int{}

// notePicks records a request's needed CRDs under key and gives all so far (setsMu held).
func notePicks(key string, picked []int) []int {
	picksSoFar[key] = union(picksSoFar[key], picked)
	return picksSoFar[key]
}

// crdErrorsOf: the set's CRD errors of the CRDs in picked (in the set's order: by index).
func (s *schemaSet) crdErrorsOf(picked []int) []crdError {
	var out []crdError
	for _, e := range s.crdErrors {
		if slices.Contains(picked, e.Index) {
			out = append(out, e)
		}
	}
	return out
}
