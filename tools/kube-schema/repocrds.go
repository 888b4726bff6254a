package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/openapi"
	sigsjson "sigs.k8s.io/json"
)

// crdList: the repository's CRDs of a request as sent, with what is known of each without
// decoding it (its group and kind), read once per process for a CRD set.
type crdList struct {
	raws  []json.RawMessage
	sums  [][32]byte
	kinds []schema.GroupKind
	// Whether kinds[i] was read (a CRD whose group and kind cannot be read is always decoded:
	// decoding it gives its error).
	read []bool
	// Each CRD's head as a document (documentHeads'), for the documents that are the same JSON.
	heads []docHead
	// The indexes of the CRDs by the length of their JSON.
	byLength map[int][]int
	// The SHA-256 of the whole list (the schema sets' key).
	key [32]byte
}

// crdHead: what is read of a CRD without decoding it, both as a repository CRD (its group and
// kind) and as a document (its apiVersion and kind), in one pass over its JSON.
type crdHead struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Spec       crdSpecHead `json:"spec"`
}

// crdSpecHead: a CRD's group and kind.
type crdSpecHead struct {
	Group string `json:"group"`
	Names struct {
		Kind string `json:"kind"`
	} `json:"names"`
}

func newCRDList(raws []json.RawMessage) *crdList {
	l := &crdList{raws: raws, byLength: map[int][]int{}}
	h := sha256.New()
	for i, raw := range raws {
		h.Write([]byte{0})
		h.Write(raw)
		sum := sha256.Sum256(raw)
		l.sums = append(l.sums, sum)
		l.byLength[len(raw)] = append(l.byLength[len(raw)], i)
		r := crdReadOf(sum, raw)
		l.kinds = append(l.kinds, r.kind)
		l.read = append(l.read, r.read)
		l.heads = append(l.heads, r.head)
	}
	l.key = [32]byte(h.Sum(nil))
	return l
}

var (
	crdSetsMu sync.Mutex
	crdSets   = map[string]*crdList{}
	noCRDs    = newCRDList(nil)
)

// crdSetOf: the CRDs of a request: those it sends (kept under its crdSet id when it names one),
// or those an earlier request sent under that id.
func crdSetOf(id string, raws []json.RawMessage) (*crdList, error) {
	return crdSetOfList(id, raws, nil)
}

// crdSetOfList: crdSetOf, with the list of raws read already (read; nil: read here).
func crdSetOfList(id string, raws []json.RawMessage, read *crdList) (*crdList, error) {
	crdSetsMu.Lock()
	defer crdSetsMu.Unlock()
	if raws != nil {
		l := read
		if l == nil {
			l = newCRDList(raws)
		}
		if id != "" {
			crdSets[id] = l
		}
		return l, nil
	}
	if id == "" {
		return noCRDs, nil
	}
	if l, ok := crdSets[id]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("no CRD set %q was sent to this process", id)
}

// docHead: a document's kind, when its apiVersion and kind can be read (ok).
type docHead struct {
	gvk schema.GroupVersionKind
	ok  bool
}

// documentHeads: each document's head, read once for a request.
func documentHeads(documents []json.RawMessage) []docHead {
	return noCRDs.documentHeads(documents)
}

// documentHeads: each document's head; a document that is one of the CRDs' JSON has the head
// read with the CRD's (the megabytes of a repository's CRDs are not read twice).
func (l *crdList) documentHeads(documents []json.RawMessage) []docHead {
	out := make([]docHead, len(documents))
	for i, d := range documents {
		found := false
		for _, j := range l.byLength[len(d)] {
			if bytes.Equal(d, l.raws[j]) {
				out[i], found = l.heads[j], true
				break
			}
		}
		if !found {
			out[i] = headOfDocument(d)
		}
	}
	return out
}

func documentHead(d []byte) docHead {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	// Case-sensitive, as check (and the API server) reads them: encoding/json would take a
	// "KIND" field for "kind".
	if sigsjson.UnmarshalCaseSensitivePreserveInts(d, &head) != nil {
		return docHead{}
	}
	return headOf(head.APIVersion, head.Kind)
}

func headOf(apiVersion, kind string) docHead {
	if gv, err := schema.ParseGroupVersion(apiVersion); err == nil {
		return docHead{gvk: gv.WithKind(kind), ok: true}
	}
	return docHead{}
}

// needed: the indexes of the CRDs that may define a kind of the documents (sorted).
func (l *crdList) needed(heads []docHead) []int {
	wanted := map[schema.GroupKind]bool{}
	for _, h := range heads {
		if h.ok {
			wanted[h.gvk.GroupKind()] = true
		}
	}
	var out []int
	for i := range l.raws {
		if !l.read[i] || wanted[l.kinds[i]] {
			out = append(out, i)
		}
	}
	return out
}

// indexedCRD: a usable repository CRD and its place in the request's list.
type indexedCRD struct {
	index int
	raw   json.RawMessage
	sum   [32]byte
}

// addRepoCRDs registers the picked CRDs' kinds (or their errors) and gives the usable ones.
func (s *schemaSet) addRepoCRDs(repo *crdList, picked []int) []indexedCRD {
	var usable []indexedCRD
	var kinds []*crdKind
	defer func() { s.countDefined(kinds) }()
	for _, i := range picked {
		read := readRepoCRD(repo.sums[i], repo.raws[i])
		if read.err != nil {
			s.crdErrors = append(s.crdErrors, crdError{Index: i, Message: read.err.Error()})
			continue
		}
		usable = append(usable, indexedCRD{index: i, raw: repo.raws[i], sum: repo.sums[i]})
		kinds = append(kinds, read.kinds...)
		for _, k := range read.kinds {
			if k.unserved != "" {
				s.unserved[k.gvk] = k.unserved
			} else {
				s.crds[k.gvk] = k
			}
		}
	}
	return usable
}

// A CRD as decoded, kept for the process by the SHA-256 of its JSON: the same CRD is a document
// to validate (checkCRD) and a repository CRD of later requests, and a new schema set (one more
// CRD or bundled file) would decode it again. Nothing decoded is changed afterwards (checkCRD
// validates a deep copy).
type decodedCRDResult struct {
	crd *apiextensions.CustomResourceDefinition
	err error
}

type readCRDResult struct {
	kinds []*crdKind
	err   error
}

var (
	crdsDecoded  = map[[32]byte]*decodingCRD{}
	repoCRDsRead = map[[32]byte]readCRDResult{}
	// crdsDecodedMu: the pool and prefetchCRDChecks decode CRDs side by side with the schema set's
	// making (the map must not be written twice at once).
	crdsDecodedMu sync.Mutex
)

// decodingCRD: one CRD's decoding, done once: a caller that asks while another decodes it waits
// for that result instead of decoding it a second time.
type decodingCRD struct {
	once     sync.Once
	result   decodedCRDResult
	panicked any
}

func decodedCRD(sum [32]byte, raw []byte) decodedCRDResult {
	crdsDecodedMu.Lock()
	d := crdsDecoded[sum]
	if d == nil {
		d = &decodingCRD{}
		crdsDecoded[sum] = d
	}
	crdsDecodedMu.Unlock()
	d.once.Do(func() {
		defer func() { d.panicked = recover() }()
		d.result.crd, d.result.err = decodeCRD(raw)
	})
	if d.panicked != nil {
		panic(d.panicked)
	}
	return d.result
}

func readRepoCRD(sum [32]byte, raw []byte) readCRDResult {
	crdsDecodedMu.Lock()
	r, ok := repoCRDsRead[sum]
	crdsDecodedMu.Unlock()
	if ok {
		return r
	}
	d := decodedCRD(sum, raw)
	r = readCRDResult{err: d.err}
	if r.err == nil {
		r.kinds, r.err = crdKinds(d.crd)
	}
	crdsDecodedMu.Lock()
	defer crdsDecodedMu.Unlock()
	// Read side by side (prepareAhead): the first result is kept, so that every set shares its kinds.
	if first, ok := repoCRDsRead[sum]; ok {
		return first
	}
	repoCRDsRead[sum] = r
	return r
}

// The repository CRDs' OpenAPI documents, made once per process for one list of CRDs (from the
// CRDs decoded already: crdDocuments), in the order kubectl-validate's client would read them as
// files named by their place in the request.
var repoPathsMade = map[[32]byte]pathsOnce{}

func repoCRDPaths(usable []indexedCRD) openapi.Client {
	h := sha256.New()
	names := make([]string, len(usable))
	byName := map[string]*apiextensions.CustomResourceDefinition{}
	for k, c := range usable {
		fmt.Fprintf(h, "\x00%d\x00", c.index)
		h.Write(c.raw)
		names[k] = fmt.Sprintf("crd-%05d.json", c.index)
		byName[names[k]] = decodedCRD(c.sum, c.raw).crd
	}
	key := [32]byte(h.Sum(nil))
	if p, ok := repoPathsMade[key]; ok {
		return p
	}
	slices.Sort(names)
	crds := make([]*apiextensions.CustomResourceDefinition, len(names))
	for k, name := range names {
		crds[k] = byName[name]
	}
	var p pathsOnce
	p.paths, p.err = crdDocuments(crds)
	repoPathsMade[key] = p
	return p
}
