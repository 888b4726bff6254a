package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
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
	if m, ok := got[2].(versionsInfo); !ok || len(m.Versions) == 0 {
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

// The CRD checks started ahead run one at a time, in the order of their requests: 64 requests
// read ahead, each with CRDs, would otherwise run 64 checks at once on 2 cores (each holding a
// decoded CRD of megabytes: the collector runs against the memory limit), and the request being
// answered would wait for its CRD's check among them.
func TestReadAheadChecksCRDsOneAtATimeInOrder(t *testing.T) {
	forgetCRDs()
	version := manifest().Versions[0]
	var mu sync.Mutex
	running, peak := 0, 0
	var order []string
	waitPrefetchIdle(t) // an earlier test's checks ahead read prefetchCheck
	saved := prefetchCheck
	defer func() { waitPrefetchIdle(t); prefetchCheck = saved }()
	prefetchCheck = func(raw json.RawMessage) {
		mu.Lock()
		running++
		peak = max(peak, running)
		order = append(order, string(raw))
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		saved(raw)
		mu.Lock()
		running--
		mu.Unlock()
	}
	var input strings.Builder
	var crds []string
	for i := range 8 {
		crd := compactJSON(t, crdVariant(fmt.Sprintf("one%d.example.com", i)))
		crds = append(crds, crd)
		input.WriteString(`{"version":"` + version + `","documents":[` + crd + "]}\n")
	}
	queue := make(chan *readRequest, readAhead)
	go readAll(bufio.NewReader(strings.NewReader(input.String())), queue)
	n := 0
	for r := range queue {
		if a := r.serve().(answer); a.Error != "" || len(a.Results) != 1 {
			t.Fatalf("request %d: %+v", n, a)
		}
		n++
	}
	// The last checks ahead may still be running once the answers are made.
	for wait := 0; wait < 500; wait++ {
		mu.Lock()
		done := running == 0 && len(order) == len(crds)
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if peak != 1 {
		t.Errorf("%d CRD checks ahead ran at once", peak)
	}
	if !reflect.DeepEqual(order, crds) {
		t.Errorf("the checks ahead ran out of the requests' order (%d of %d)", len(order), len(crds))
	}
}

// waitPrefetchIdle waits until no CRD check ahead runs.
func waitPrefetchIdle(t *testing.T) {
	for wait := 0; wait < 1000; wait++ {
		prefetchMu.Lock()
		idle := !prefetching
		prefetchMu.Unlock()
		if idle {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the CRD checks ahead never ended")
}
