package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
)

// forgetSets: as in a new process, no schema set was made.
func forgetSets() {
	setsMu.Lock()
	sets = map[string]*schemaSet{}
	picksSoFar = map[string][]int{}
	setsMade = 0
	setsMu.Unlock()
	forgetCRDs()
	forgetKnownCRDs()
}

// The requests of a check's second step (the documents of kinds with no other schema, again with
// the repository's CRDs), each needing other CRDs of the set: read ahead, they are answered with
// one schema set, and each answer is the one they get answered one at a time (a set made anew
// whenever a request needs one more CRD), CRD errors included (the broken CRD's only once a
// request needed it). Requests of another version or with other CRDs are not looked ahead to.
func TestLookAheadMakesOneSetWithTheSameAnswers(t *testing.T) {
	version := manifest().Versions[0]
	variants := crdVariants() // a, b valid; c not structural; d does not decode; e valid
	var crds []string
	for _, v := range variants {
		crds = append(crds, compactJSON(t, v))
	}
	widget := func(group, size string) string {
		return `{"apiVersion":"` + group + `.example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"n"},"spec":{"size":"` + size + `","min":3,"max":2}}`
	}
	lines := []string{
		`{"version":"` + version + `","crdSet":"s","crds":[` + strings.Join(crds, ",") + `],"documents":[` + widget("a", "huge") + `]}`,
		`{"version":"` + version + `","crdSet":"s","documents":[` + widget("b", "small") + `,` + widget("a", "small") + `]}`,
		`{"version":"1.34","crdSet":"s","documents":[` + widget("e", "small") + `]}`,
		`{"version":"` + version + `","documents":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}]}`,
		`{"version":"` + version + `","crdSet":"s","documents":[` + widget("c", "small") + `,` + widget("e", "huge") + `]}`,
		`{"version":"` + version + `","crdSet":"s","documents":[` + widget("d", "small") + `]}`,
	}
	want, alone := answersAloneAndAhead(t, lines)
	// One set for the version's requests with the CRDs (instead of four), one for 1.34's and one
	// without CRDs.
	if alone != 6 || setsMade != 3 {
		t.Errorf("%d sets made one at a time, %d read ahead", alone, setsMade)
	}
	// Not vacuous: findings, a CEL finding, and the CRD errors only from the request needing them.
	if !strings.Contains(want[0], "PCV001") || !strings.Contains(want[1], "PCV006") || strings.Contains(want[1], "crdErrors\":[") ||
		!strings.Contains(want[4], `"crdErrors":[{"index":2`) || !strings.Contains(want[5], `{"index":3`) {
		t.Errorf("answers one at a time: %s", strings.Join(want, "\n"))
	}
}

// A set that cannot be made with what the requests ahead need is made as without them: the
// making's panic is an error there, never the request's.
func TestLookAheadSetThatPanicsIsAnError(t *testing.T) {
	s, err := setSafely(func() (*schemaSet, error) { panic("broken CRD") })
	if s != nil || err == nil || !strings.Contains(err.Error(), "broken CRD") {
		t.Errorf("set %v, error %v", s, err)
	}
}

// A CRD with an unserved version whose schema is not structural, needed by a later request only:
// the earlier request read ahead is answered as alone.
func TestLookAheadPastAnOddCRD(t *testing.T) {
	version := manifest().Versions[0]
	good := compactJSON(t, crdVariant("a.example.com"))
	broken := compactJSON(t, crdVariant("f.example.com", `"versions":[{"name":"v1"`, `"versions":[{"name":"v2","served":false,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","properties":{"x":{}}}}},{"name":"v1"`))
	widget := func(group string) string {
		return `{"apiVersion":"` + group + `.example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"n"},"spec":{"size":"small"}}`
	}
	lines := []string{
		`{"version":"` + version + `","crdSet":"s","crds":[` + good + `,` + broken + `],"documents":[` + widget("a") + `]}`,
		`{"version":"` + version + `","crdSet":"s","documents":[` + widget("f") + `]}`,
	}
	answersAloneAndAhead(t, lines)
}

// Kinds that meet across CRDs needed by different requests: a CRD whose list kind is another
// CRD's kind, and a repository CRD in a bundled CRD file's group (Flux's). Read ahead, the
// earlier request's set carries the later one's CRD: its answers stay those it gets alone.
func TestLookAheadPastCollidingKinds(t *testing.T) {
	version := manifest().Versions[0]
	widget := compactJSON(t, crdVariant("a.example.com"))
	gadget := compactJSON(t, crdVariant("a.example.com", `"name":"widgets.a.example.com"`, `"name":"gadgets.a.example.com"`,
		`"kind":"Widget","plural":"widgets","singular":"widget","listKind":"WidgetList"`,
		`"kind":"Gadget","plural":"gadgets","singular":"gadget","listKind":"Widget"`))
	inFlux := compactJSON(t, crdVariant("kustomize.toolkit.fluxcd.io"))
	doc := func(apiVersion, kind, size string) string {
		return `{"apiVersion":"` + apiVersion + `","kind":"` + kind + `","metadata":{"name":"w","namespace":"n"},"spec":{"size":"` + size + `","bogus":1}}`
	}
	ks := `{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"k","namespace":"n"},"spec":{"interval":"1m","prune":"yes","sourceRef":{"kind":"GitRepository","name":"x"}}}`
	set := func(extra string) string {
		return `{"version":"` + version + `","crdSet":"s","documents":[` + extra + `]}`
	}
	want, _ := answersAloneAndAhead(t, []string{
		`{"version":"` + version + `","crdSet":"s","crds":[` + widget + `,` + gadget + `,` + inFlux + `],"documents":[` + doc("a.example.com/v1", "Widget", "huge") + `,` + ks + `]}`,
		set(doc("a.example.com/v1", "Gadget", "huge")),
		set(doc("kustomize.toolkit.fluxcd.io/v1", "Widget", "huge") + `,` + ks),
	})
	// Not vacuous: each request's documents have findings (the CRD's enum, Flux's schema).
	for i, w := range want {
		if !strings.Contains(w, "PCV002") || (i != 1 && !strings.Contains(w, "spec.prune")) {
			t.Errorf("answer %d alone: %s", i, w)
		}
	}
}

// answersAloneAndAhead: the answers to lines one at a time in a new process (want), which those
// read ahead must equal; and how many sets were made one at a time.
func answersAloneAndAhead(t *testing.T, lines []string) (want []string, alone int) {
	t.Helper()
	forgetSets()
	for _, l := range lines {
		b, _ := json.Marshal(serve([]byte(l)))
		want = append(want, string(b))
	}
	alone = setsMade
	forgetSets()
	queue := make(chan *readRequest, readAhead)
	readAll(bufio.NewReader(strings.NewReader(strings.Join(lines, "\n")+"\n")), queue)
	var got []string
	for r := range queue {
		b, _ := json.Marshal(r.serve())
		got = append(got, string(b))
	}
	if len(got) != len(want) {
		t.Fatalf("%d answers", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d read ahead:\n%s\none at a time:\n%s", i, got[i], want[i])
		}
	}
	return want, alone
}
