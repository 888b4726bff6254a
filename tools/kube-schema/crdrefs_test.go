package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// forgetKnownCRDs: as in a new process, no CRD was sent.
func forgetKnownCRDs() {
	knownCRDsMu.Lock()
	knownCRDs = map[[32]byte]knownCRD{}
	knownCRDsMu.Unlock()
}

// crdRefsLines: the requests of a check that sends the CRDs as documents first, then as a CRD set
// of the documents of their kinds: with the CRDs' JSON (refs false) or references to it.
func crdRefsLines(crds []string, docs []string, refs bool) []string {
	// As sent: compact (the reference names the JSON as the documents' line holds it).
	for i, c := range crds {
		var b bytes.Buffer
		_ = json.Compact(&b, []byte(c))
		crds[i] = b.String()
	}
	set := make([]string, len(crds))
	for i, c := range crds {
		set[i] = c
		if refs {
			set[i] = fmt.Sprintf("%q", crdRefOf([]byte(c)))
		}
	}
	list := func(l []string) string { return "[" + strings.Join(l, ",") + "]" }
	return []string{
		`{"version":"","documents":` + list(crds) + `}`,
		`{"version":"","crdSet":"repo","crds":` + list(set) + `,"documents":` + list(docs) + `}`,
		`{"version":"","crdSet":"repo","documents":` + list(docs) + `}`,
	}
}

// answersOf: each line's answer as kube-schema prints it, in a new process.
func answersOf(t *testing.T, lines []string) []string {
	t.Helper()
	forgetCRDs()
	forgetKnownCRDs()
	var out []string
	for _, l := range lines {
		b, err := json.Marshal(serve([]byte(l)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// A CRD set naming the CRDs sent before as documents answers every request as sending their JSON
// does, to the byte: valid CRDs, one whose rule does not compile, one not structural, one that
// does not decode (a crdError at its index), a CRD twice, and documents of each kind.
func TestCRDRefsAnswerAsTheJSON(t *testing.T) {
	crds := append(crdVariants(), crdVariant("a.example.com"), meterCRD("integer"))
	var docs []string
	for _, g := range []string{"a", "b", "c", "d", "e"} {
		docs = append(docs,
			`{"apiVersion":"`+g+`.example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"n"},"spec":{"size":"small","min":1,"max":2}}`,
			`{"apiVersion":"`+g+`.example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"n"},"spec":{"size":"big","min":3,"max":2,"x":1}}`)
	}
	docs = append(docs, `{"apiVersion":"changed.example.com/v1","kind":"Meter","metadata":{"name":"g","namespace":"a"},"spec":{"size":"big"}}`)
	want := answersOf(t, crdRefsLines(crds, docs, false))
	got := answersOf(t, crdRefsLines(crds, docs, true))
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d:\nwith references %s\nwith the JSON   %s", i, got[i], want[i])
		}
	}
	if !strings.Contains(want[1], `"crdErrors":[{"index":2,`) || !strings.Contains(want[1], "PCV006") {
		t.Errorf("the cases do not reach a CRD error and a CEL finding: %s", want[1])
	}
}

// A reference to JSON this process was not sent, or a string that is no reference, is the
// request's error (never a CRD set without that CRD); a later request is answered as before.
func TestCRDRefsUnknownIsAnError(t *testing.T) {
	crd := crdRefsLines([]string{crdVariant("a.example.com")}, nil, false)[0]
	crd = crd[strings.Index(crd, "[")+1 : strings.LastIndex(crd, "]")]
	doc := `{"apiVersion":"a.example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"n"},"spec":{"min":1,"max":2}}`
	for _, ref := range []string{crdRefOf([]byte(crd)), "sha256:", "sha256:abc", "widgets.a.example.com", crdRefOf([]byte(crd))[:20]} {
		line := fmt.Sprintf(`{"version":"","crdSet":"x","crds":[%q],"documents":[%s]}`, ref, doc)
		a := answersOf(t, []string{line})
		if !strings.Contains(a[0], `"error":"CRD 0`) {
			t.Errorf("%s: %s", ref, a[0])
		}
	}
	// A CRD sent in an earlier CRD set is known too; one sent as a document of the same request is
	// not (a reference names what earlier requests sent).
	lines := []string{
		fmt.Sprintf(`{"version":"","crdSet":"x","crds":[%s],"documents":[%s]}`, crd, doc),
		fmt.Sprintf(`{"version":"","crdSet":"y","crds":[%q],"documents":[%s]}`, crdRefOf([]byte(crd)), doc),
		fmt.Sprintf(`{"version":"","crdSet":"z","crds":[%q],"documents":[%s]}`, crdRefOf([]byte(meterCRD("string"))), meterCRD("string")),
	}
	a := answersOf(t, lines)
	if a[0] != a[1] || strings.Contains(a[0], "error") {
		t.Errorf("by reference to a CRD set's: %s, with the JSON: %s", a[1], a[0])
	}
	if !strings.Contains(a[2], "names no CRD sent to this process") {
		t.Errorf("a reference to a document of the same request: %s", a[2])
	}
}

// The versions answer says that this process takes references, beside the manifest's fields.
func TestVersionsAnswerSaysCRDRefs(t *testing.T) {
	b, _ := json.Marshal(serve([]byte(`{"versions":true}`)))
	m, _ := json.Marshal(manifest())
	if !bytes.Contains(b, []byte(`"crdRefs":true`)) || !bytes.HasPrefix(b, m[:len(m)-1]) {
		t.Errorf("versions answer %s", b)
	}
}
