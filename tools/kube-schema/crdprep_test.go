package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
)

// forgetPrep: as in a new process, no document was read.
func forgetPrep() {
	prepMu.Lock()
	seenKinds = map[docKind]bool{}
	prepQueue, prepWaiting = nil, nil
	prepMu.Unlock()
}

func withPrep(on bool, fn func()) {
	was := prepareAhead
	prepareAhead = on
	defer func() { prepareAhead = was }()
	fn()
}

// prepLines: a check's requests: documents of the CRDs' kinds (no schema without them), the CRDs
// as documents (in the order given), then the documents again with the CRD set.
func prepLines(t *testing.T, crdsFirst bool) []string {
	version := manifest().Versions[0]
	var crds []string
	for _, c := range crdVariants() {
		crds = append(crds, compactJSON(t, c))
	}
	docs := []string{
		`{"apiVersion":"a.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"huge","min":3,"max":1}}`,
		`{"apiVersion":"b.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small","port":1.5}}`,
		`{"apiVersion":"c.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small"}}`,
		`{"apiVersion":"e.example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"n"},"spec":{"size":"small","x":1}}`,
	}
	list := func(l []string) string { return "[" + strings.Join(l, ",") + "]" }
	kinds := `{"version":"` + version + `","documents":` + list(docs) + `}`
	asDocs := `{"version":"` + version + `","documents":` + list(crds) + `}`
	lines := []string{kinds, asDocs}
	if crdsFirst {
		lines = []string{asDocs, kinds}
	}
	return append(lines, `{"version":"`+version+`","crdSet":"s","crds":`+list(crds)+`,"documents":`+list(docs)+`}`)
}

// answersReadAhead: the answers of lines read ahead (readAll) in a new process; ready tells, once
// the first two are read and the checks ahead are done, whether the valid CRDs' kinds are compiled.
func answersReadAhead(t *testing.T, lines []string) (out []string, ready bool) {
	forgetSets()
	forgetPrep()
	queue := make(chan *readRequest, readAhead)
	go readAll(bufio.NewReader(strings.NewReader(strings.Join(lines[:2], "\n")+"\n")), queue)
	for r := range queue {
		b, _ := json.Marshal(r.serve())
		out = append(out, string(b))
	}
	waitPrefetchIdle(t)
	ready = true
	for _, c := range []string{crdVariants()[0], crdVariants()[4]} {
		raw := []byte(compactJSON(t, c))
		read := readRepoCRD(sha256.Sum256(raw), raw)
		ready = ready && read.err == nil && read.kinds[0].made.compiled != nil
	}
	b, _ := json.Marshal(serve([]byte(lines[2])))
	return append(out, string(b)), ready
}

// The kinds of the CRDs read as documents are made ready ahead when documents of theirs were read
// (before or after the CRDs), and every answer is the one given without that: valid CRDs, one
// whose rule does not compile, one not structural, one that does not decode.
func TestCRDKindsPreparedAheadAnswerAsWithout(t *testing.T) {
	for _, crdsFirst := range []bool{false, true} {
		lines := prepLines(t, crdsFirst)
		var want []string
		withPrep(false, func() {
			var ready bool
			want, ready = answersReadAhead(t, lines)
			if ready {
				t.Errorf("kinds made ready with the preparing off")
			}
		})
		got, ready := answersReadAhead(t, lines)
		if !ready {
			t.Errorf("crds first %v: the CRDs' kinds were not made ready ahead", crdsFirst)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("crds first %v, request %d: with kinds made ahead %s\nwithout %s", crdsFirst, i, got[i], want[i])
			}
		}
		if !strings.Contains(want[2], "PCV001") || !strings.Contains(want[2], "crdErrors\":[{") {
			t.Errorf("the answers hold no findings or CRD errors: nothing compared: %s", want[2])
		}
	}
}

// A CRD of a group the bundled CRDs (or a built-in group) carry is not made ready: its kinds are
// answered without the repository's CRDs and never asked again with them (in a Flux repository,
// the gotk CRDs among the files).
func TestCRDKindsOfBundledGroupsNotPrepared(t *testing.T) {
	forgetSets()
	forgetPrep()
	version := manifest().Versions[0]
	crd := compactJSON(t, crdVariant("source.toolkit.fluxcd.io"))
	doc := `{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"small"}}`
	lines := `{"version":"` + version + `","documents":[` + doc + `]}` + "\n" + `{"version":"` + version + `","documents":[` + crd + `]}` + "\n"
	queue := make(chan *readRequest, readAhead)
	go readAll(bufio.NewReader(strings.NewReader(lines)), queue)
	for r := range queue {
		r.serve()
	}
	waitPrefetchIdle(t)
	read := readRepoCRD(sha256.Sum256([]byte(crd)), []byte(crd))
	if read.err != nil || len(read.kinds) == 0 {
		t.Fatalf("the CRD was not read: %v", read.err)
	}
	if read.kinds[0].made.compiled != nil {
		t.Errorf("a kind of a bundled group was made ready ahead")
	}
}
