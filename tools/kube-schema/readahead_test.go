package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A request's CRD documents are checked as soon as the request is read, while the one before it
// is still being answered: readAll has parsed the second request and started its CRD checks
// although nothing took the first from the queue yet.
func TestReadAheadStartsCRDChecksBeforeEarlierAnswers(t *testing.T) {
	forgetCRDs()
	version := manifest().Versions[0]
	crd := compactJSON(t, crdVariant("ahead.example.com"))
	first := `{"version":"` + version + `","documents":[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}]}`
	second := `{"version":"` + version + `","documents":[` + crd + `]}`
	queue := make(chan *readRequest, readAhead)
	done := make(chan struct{})
	go func() {
		readAll(bufio.NewReader(strings.NewReader(first+"\n"+second+"\n")), queue)
		close(done)
	}()
	<-done // both read; neither answered
	// The check runs on a goroutine of its own: its entry appears once it started.
	started := false
	for wait := 0; wait < 1000 && !started; wait++ {
		crdChecksMu.Lock()
		_, started = crdChecks[sha256.Sum256([]byte(crd))]
		crdChecksMu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if !started {
		t.Fatal("the second request's CRD document was not checked ahead")
	}
	var got []answer
	for r := range queue {
		got = append(got, r.serve().(answer))
	}
	if len(got) != 2 {
		t.Fatalf("%d answers", len(got))
	}
	forgetCRDs()
	for i, line := range []string{first, second} {
		if want := validateRequest([]byte(line)); !reflect.DeepEqual(got[i], want) {
			t.Errorf("request %d answered ahead %+v, alone %+v", i, got[i], want)
		}
	}
}

// Requests read ahead are answered in their order, a line that is not JSON and the versions
// question included, and a CRD set given by one request is used by the next.
func TestReadAheadAnswersInOrder(t *testing.T) {
	forgetCRDs()
	version := manifest().Versions[0]
	crd := compactJSON(t, crdVariant("order.example.com"))
	withSet := `{"version":"` + version + `","crdSet":"s","crds":[` + crd + `],"documents":[]}`
	usesSet := `{"version":"` + version + `","crdSet":"s","documents":[{"apiVersion":"order.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":"huge"}}]}`
	input := withSet + "\nnot json\n" + `{"versions":true}` + "\n" + usesSet
	queue := make(chan *readRequest, readAhead)
	go readAll(bufio.NewReader(io.MultiReader(strings.NewReader(input))), queue)
	var got []any
	for r := range queue {
		got = append(got, r.serve())
	}
	if len(got) != 4 {
		t.Fatalf("%d answers: %+v", len(got), got)
	}
	if a := got[0].(answer); a.Error != "" || len(a.Results) != 0 {
		t.Errorf("the CRD set alone: %+v", a)
	}
	if a := got[1].(answer); !strings.HasPrefix(a.Error, "the request is not JSON") {
		t.Errorf("not JSON: %+v", a)
	}
	if m, ok := got[2].(manifestFile); !ok || len(m.Versions) == 0 {
		t.Errorf("versions: %+v", got[2])
	}
	a := got[3].(answer)
	if a.Error != "" || len(a.Results) != 1 || len(a.Results[0].Findings) == 0 || a.Results[0].Findings[0].Rule == "PCV007" {
		t.Errorf("the document of the set's kind: %+v", a)
	}
}

// compactJSON: the JSON on one line (a request is one line).
func compactJSON(t *testing.T, s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
