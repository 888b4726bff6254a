// kube-schema: validates Kubernetes objects as the API server does with strict field validation
// (structural schemas, pruning of unknown fields, types, enums, formats, required fields,
// x-kubernetes-validations CEL rules with their cost limits), with kubectl-validate's reading of
// the published OpenAPI v3 documents and apiextensions-apiserver's own validators.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout:
//
//	{"version":"1.37","crds":[{CRD}...],"documents":[{object}...]}
//	-> {"results":[{"findings":[{"rule":"PCV002","path":["spec","x"],"message":"..."}]}...],
//	    "crdErrors":[{"index":0,"message":"..."}]}
//
// The repository's CRDs (megabytes) are sent once per process: a request with "crdSet":"<id>"
// and "crds" keeps them under that id, a later one with the same "crdSet" and no "crds" uses them
// again (an id this process was never given is an error). In "crds", the string
// "sha256:<base64 of the SHA-256 of a CRD's JSON>" stands for a CRD this process was sent in an
// earlier request, as a document or a CRD (crdrefs.go; the versions answer says "crdRefs":true).
// A CRD is decoded only when a document
// of one of its kinds is validated: crdErrors name the CRDs read so far that are unusable. With
// "crdsIfUnknown":true the CRDs are used only for the documents that have no schema without them,
// as if those were asked again with the CRDs (one request instead of two).
//
// Requests are answered one at a time, in their order, but read as they come: a request's CRD
// documents start their checks (decoding and the API server's validation, keyed by their JSON)
// as soon as it is read, while earlier requests are still being answered (see readAll).
//
// `kube-schema --versions` prints the Kubernetes versions it carries (newest first) and the
// sources of its schemas; so does the request {"versions":true} (a session asks it that way, one
// process less).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sync"
)

type request struct {
	Version string `json:"version"`
	// CRDSet names the CRDs for later requests (see crdSetOf).
	CRDSet string `json:"crdSet"`
	// CRDsIfUnknown: the CRDs are for the documents of kinds with no other schema only (see
	// checkWithCRDsIfUnknown).
	CRDsIfUnknown bool              `json:"crdsIfUnknown"`
	CRDs          []json.RawMessage `json:"crds"`
	Documents     []json.RawMessage `json:"documents"`
}

type finding struct {
	Rule    string `json:"rule"`
	Path    []any  `json:"path"`
	Message string `json:"message"`
}

type result struct {
	Findings []finding `json:"findings"`
	// Set when the document could not be validated at all (not a finding: the caller decides).
	Error string `json:"error,omitempty"`
}

type crdError struct {
	Index   int    `json:"index"`
	Message string `json:"message"`
}

type answer struct {
	Results   []result   `json:"results"`
	CRDErrors []crdError `json:"crdErrors"`
	Error     string     `json:"error,omitempty"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--versions" {
		out, _ := json.Marshal(versionsAnswer())
		fmt.Println(string(out))
		return
	}
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: kube-schema [--versions] < requests (one JSON object a line)")
		os.Exit(2)
	}
	if path := os.Getenv("KUBE_SCHEMA_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	serveAll()
	if path := os.Getenv("KUBE_SCHEMA_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
}

func serveAll() {
	gcAfterFirst := tuneGC()
	queue := make(chan *readRequest, readAhead)
	go readAll(bufio.NewReaderSize(requestsIn(), 1<<20), queue)
	out := bufio.NewWriter(os.Stdout)
	var warm *warming
	if plan, ok := warmPlanOf(os.Getenv(warmEnv)); ok {
		warm = startWarmUp(plan.steps())
	}
	answerAll(queue, warm, gcAfterFirst, func(a any) { writeAnswer(out, a) })
}

// readAhead: how many requests are read (and their CRD documents' checks started) ahead of the
// one being answered.
const readAhead = 64

// readAll reads the requests as they come, parses each and starts the checks of its CRD
// documents (prefetchCRDChecks) at once, while earlier requests are still being answered: a
// client that sends its documents in slices (check) has the megabytes of CRDs among them
// decoded and validated on another core instead of in their turn. The answers are made in
// order, one at a time, as before; only work whose result depends on a document's JSON alone
// (keyed by its SHA-256) is started early.
func readAll(in *bufio.Reader, queue chan<- *readRequest) {
	defer close(queue)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			r := readRequestOf(line)
			addPending(r)
			queue <- r
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "kube-schema: reading stdin:", err)
			return
		}
	}
}

// readRequest: a request as read ahead of its turn.
type readRequest struct {
	versions bool
	req      request
	// heads: each document's head (documentHeads'), read once.
	heads []docHead
	// err: why the request cannot be answered (it is not JSON, or reading it panicked).
	err string
	// crds: the CRDs it sends, read once (nil when it sends none).
	crds *crdList
}

func readRequestOf(line []byte) *readRequest {
	if bytes.Equal(bytes.TrimSpace(line), []byte(`{"versions":true}`)) {
		return &readRequest{versions: true}
	}
	return parseRequest(line)
}

// parseRequest: a validation request, its heads read and its CRD documents' checks started.
func parseRequest(line []byte) (r *readRequest) {
	r = &readRequest{}
	defer func() {
		if p := recover(); p != nil {
			r = &readRequest{err: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	if err := json.Unmarshal(line, &r.req); err != nil {
		return &readRequest{err: "the request is not JSON: " + err.Error()}
	}
	if err := resolveCRDRefs(r.req.CRDs); err != nil {
		return &readRequest{err: err.Error()}
	}
	// A document that is one of the request's CRDs has its head read with the CRD's.
	list := noCRDs
	if r.req.CRDs != nil {
		list = newCRDList(r.req.CRDs)
		r.crds = list
	}
	r.heads = list.documentHeads(r.req.Documents)
	prefetchCRDChecks(r.req.Documents, r.heads)
	return r
}

func (r *readRequest) serve() any {
	removePending(r)
	if r.versions {
		return versionsAnswer()
	}
	if r.err != "" {
		return answer{Error: r.err}
	}
	return validateParsed(r.req, r.heads, r.crds)
}

// The collector's settings. The schemas are long-lived (some 50-80 MiB at 50,000 resources) and
// each document leaves ~130 KiB of garbage (kube-openapi's validators are made per call):
// collecting less often (400%) saves a quarter of the CPU, but lets the heap grow to five times
// what is live (470-520 MB RSS at 50,000 resources). The soft memory limit caps that: the
// collector runs more often only once the heap nears it (a small run never does), and a run whose
// schemas alone exceed it is slower, never refused. docs/benchmarks.md has the measured trade-off.
// GOGC and GOMEMLIMIT in the environment (Go's own settings) override them.
//
// Until the second validation request the collector does not run at all unless the heap nears
// the memory limit: a process that answers one small request (a one-file check: some 20 MB of
// garbage, its warm-up's included) is done before a collection would pay off, and two or three
// collections cost it ~7 ms of its ~45 ms (docs/benchmarks.md). The second request turns the
// percentage on (the collection the first one skipped then runs). GOGC=off in the environment
// (bin/portcullis's) keeps the collector off while the packages initialise too (the runtime reads
// it before they do: their two collections cost some more ms) and is otherwise as if unset.
const (
	gcPercent   = 400
	memoryLimit = 200 << 20
)

// tuneGC sets the collector for the first request and returns what sets it for the others.
func tuneGC() (afterFirst func()) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if gogc := os.Getenv("GOGC"); gogc != "" && gogc != "off" {
		return func() {}
	}
	debug.SetGCPercent(-1)
	return func() { debug.SetGCPercent(gcPercent) }
}

func writeAnswer(out *bufio.Writer, a any) {
	b, err := json.Marshal(a)
	if err != nil {
		b, _ = json.Marshal(answer{Error: err.Error()})
	}
	out.Write(b)
	out.WriteByte('\n')
	out.Flush()
}

// serve answers one request line (the tests'; serveAll reads them ahead).
func serve(line []byte) any {
	return readRequestOf(line).serve()
}

// validateRequest answers one validation request line (the tests').
func validateRequest(line []byte) answer {
	r := parseRequest(line)
	if r.err != "" {
		return answer{Error: r.err}
	}
	return validateParsed(r.req, r.heads, r.crds)
}

// validateParsed: the answer to a request as parseRequest read it (read: its CRDs' list).
func validateParsed(req request, heads []docHead, read *crdList) (a answer) {
	defer func() {
		if r := recover(); r != nil {
			a = answer{Error: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	crds, err := crdSetOfList(req.CRDSet, req.CRDs, read)
	if err != nil {
		return answer{Error: err.Error()}
	}
	if req.CRDsIfUnknown {
		return checkWithCRDsIfUnknown(req.Version, crds, req.Documents, heads)
	}
	return checkWithHeadsAhead(req.Version, crds, req.Documents, heads, headsAhead(req))
}

func checkWith(version string, crds *crdList, documents []json.RawMessage) answer {
	heads := crds.documentHeads(documents)
	prefetchCRDChecks(documents, heads)
	return checkWithHeads(version, crds, documents, heads)
}

// checkWithHeads: checkWith with the documents' heads read already (and their CRDs' checks
// started).
func checkWithHeads(version string, crds *crdList, documents []json.RawMessage, heads []docHead) answer {
	return checkWithHeadsAhead(version, crds, documents, heads, nil)
}

// checkWithHeadsAhead: checkWithHeads, the schema set made for the documents of the requests read
// ahead (their heads) too.
func checkWithHeadsAhead(version string, crds *crdList, documents []json.RawMessage, heads, ahead []docHead) answer {
	set, picks, err := schemaSetFor(version, crds, heads, ahead)
	if err != nil {
		return answer{Error: err.Error()}
	}
	set.warmCEL(heads)
	return answer{CRDErrors: set.crdErrorsOf(picks), Results: set.checkAll(documents, heads)}
}

// checkWithCRDsIfUnknown: the documents without the repository's CRDs, then those of a kind with
// no schema (PCV007) again with them, in one request: what a client asking twice would get.
func checkWithCRDsIfUnknown(version string, crds *crdList, documents []json.RawMessage, heads []docHead) answer {
	first := checkWithHeads(version, noCRDs, documents, heads)
	if first.Error != "" || len(crds.raws) == 0 {
		return first
	}
	var missing []int
	for i, r := range first.Results {
		if slices.ContainsFunc(r.Findings, func(f finding) bool { return f.Rule == "PCV007" }) {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return first
	}
	again := make([]json.RawMessage, len(missing))
	againHeads := make([]docHead, len(missing))
	for k, i := range missing {
		again[k], againHeads[k] = documents[i], heads[i]
	}
	second := checkWithHeads(version, crds, again, againHeads)
	if second.Error != "" {
		return second
	}
	for k, i := range missing {
		first.Results[i] = second.Results[k]
	}
	first.CRDErrors = second.CRDErrors
	return first
}

// checkAll: each document's result, in order. A document whose kind is compiled already (and a
// CRD) is validated by a pool of goroutines, once every kind the request needs is compiled: the
// first document of a kind goes through kubectl-validate's own Parse, which fills its cache and
// is not safe to run side by side; the compiled decoders and strategies are, as in the API server.
func (s *schemaSet) checkAll(documents []json.RawMessage, heads []docHead) []result {
	results := make([]result, len(documents))
	var ready []int
	for i, doc := range documents {
		if s.compiledAlready(heads[i]) {
			ready = append(ready, i)
			continue
		}
		results[i] = s.checkHeaded(doc, heads[i])
	}
	workers := min(runtime.GOMAXPROCS(0), len(ready)/poolFrom+1)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = s.checkSafely(documents[i], heads[i])
			}
		}()
	}
	for _, i := range ready {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// poolFrom: below this many documents a second goroutine costs more than it saves.
const poolFrom = 8

// checkSafely: check, with a panic in a goroutine an error of its document (serve recovers the
// others').
func (s *schemaSet) checkSafely(doc json.RawMessage, h docHead) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{Error: fmt.Sprintf("internal error: %v", p)}
		}
	}()
	return s.checkHeaded(doc, h)
}
