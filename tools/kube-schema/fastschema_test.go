package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/yaml"
)

// The fast path (fastschema.go) may only say "valid" where kube-openapi's validator finds no
// error: every value it accepts is validated again by the real validator here, on documents of
// every kind (the tests' own, the generator's, the shared corpus when present), on seeded
// mutations of the values the strategy hands the validator, and in FuzzFastPath.

// fastSample: a value the strategy gave a kind's schema validator.
type fastSample struct {
	f     *fastSchemaValidator
	value any
}

// fastReport: the values the fast path accepted that the real validator refuses.
type fastReport struct {
	mu                 sync.Mutex
	accepted, deferred int
	wrong              []string
	samples            []fastSample
}

// observe: fastObserved for a test; each accepted value is validated by the real validator.
func (r *fastReport) observe(f *fastSchemaValidator, value any, fast bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, fastSample{f, deepCopy(value)})
	r.compare(f, value, fast)
}

func (r *fastReport) compare(f *fastSchemaValidator, value any, fast bool) {
	if !fast {
		r.deferred++
		return
	}
	r.accepted++
	if res := f.SchemaValidator.Validate(value); !res.IsValid() && len(r.wrong) < 20 {
		doc, _ := json.Marshal(value)
		r.wrong = append(r.wrong, fmt.Sprintf("%s\n  real: %v", doc, res.Errors))
	}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			out[k] = deepCopy(c)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = deepCopy(c)
		}
		return out
	}
	return v
}

// withObserver: runs fn with every schema validation observed by r.
func withObserver(t *testing.T, r *fastReport, fn func()) {
	fastObserved = r.observe
	defer func() { fastObserved = nil }()
	fn()
	for _, w := range r.wrong {
		t.Errorf("the fast path accepted what kube-openapi refuses: %s", w)
	}
}

// splitYAML: the documents of a YAML stream (split at lines "---"), as JSON objects (those
// that do not read are left out).
func splitYAML(data []byte) []json.RawMessage {
	var out []json.RawMessage
	var cur strings.Builder
	flush := func() {
		if doc, err := yaml.YAMLToJSON([]byte(cur.String())); err == nil && bytes.HasPrefix(doc, []byte("{")) {
			out = append(out, doc)
		}
		cur.Reset()
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.TrimRight(line, "\r\n") == "---" {
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// yamlFiles: the documents of the YAML files under dir (none when dir does not exist).
func yamlFiles(t *testing.T, dir string, limit int) []json.RawMessage {
	var out []json.RawMessage
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(out) >= limit {
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil {
			out = append(out, splitYAML(data)...)
		}
		return nil
	})
	return out
}

// generatedDocuments: scripts/generate-manifests.mjs's documents (every kind it makes), or none
// when Node is not on PATH (said in the log).
func generatedDocuments(t *testing.T, resources int) []json.RawMessage {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Log("node not on PATH: the generator's documents are skipped")
		return nil
	}
	dir := t.TempDir()
	cmd := exec.Command(node, filepath.Join("..", "..", "scripts", "generate-manifests.mjs"), dir, fmt.Sprint(resources), "resources")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate-manifests: %v\n%s", err, out)
	}
	return yamlFiles(t, dir, 1<<30)
}

// corpusDocuments: the shared corpus's documents when it is there (../shared/corpus beside the
// repository), or none (said in the log).
func corpusDocuments(t *testing.T) []json.RawMessage {
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Log("no shared corpus at ../shared/corpus: its documents are skipped")
		return nil
	}
	return yamlFiles(t, dir, 5000)
}

// fastTestDocuments: the documents every differential test starts from.
func fastTestDocuments(t *testing.T) []json.RawMessage {
	var docs []json.RawMessage
	for _, d := range append(slices.Clone(differentialDocuments), fastExtraDocuments...) {
		docs = append(docs, json.RawMessage(d))
	}
	docs = append(docs, generatedDocuments(t, 400)...)
	return append(docs, corpusDocuments(t)...)
}

// Documents of kinds and constructs the others leave out: Secret data (format byte, an allOf of
// an anyOf), quantities (oneOf string or number), int-or-string, date-time, int32 ranges.
var fastExtraDocuments = []string{
	`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"aGVsbG8=","b":""},"type":"Opaque"}`,
	`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"a":"not base64!"}}`,
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":1,"memory":"1Gi"},"requests":{"cpu":0.5}},"ports":[{"containerPort":80}],"livenessProbe":{"httpGet":{"port":"http"}}}],"activeDeadlineSeconds":5}}`,
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":4294967296}],"resources":{"limits":{"cpu":"lots"}}}]}}`,
	`{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"p"},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"a":"b"}}}}`,
	`{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"i"},"spec":{"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}`,
	`{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"minReplicas":1,"maxReplicas":3,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]}}`,
	`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"backoffLimit":-1,"template":{"spec":{"containers":[{"name":"x","image":"i"}],"restartPolicy":"Never"}}}}`,
}

// Every document's schema validation: whatever the fast path accepts, kube-openapi accepts.
func TestFastPathAcceptsOnlyWhatKubeOpenAPIAccepts(t *testing.T) {
	report := &fastReport{}
	docs := fastTestDocuments(t)
	withObserver(t, report, func() {
		for _, version := range manifest().Versions {
			set, err := newSchemaSet(version, []json.RawMessage{json.RawMessage(widgetCRD)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				set.check(d)
			}
		}
	})
	t.Logf("%d documents: %d values accepted by the fast path, %d left to kube-openapi", len(docs), report.accepted, report.deferred)
	if report.accepted == 0 || report.deferred == 0 {
		t.Errorf("the fast path accepted %d and left %d: the documents should give both", report.accepted, report.deferred)
	}
}

// Seeded mutations of the values the strategy hands the validator (wrong types, nulls, bounds,
// formats, enums, values moved from elsewhere in the object, removed and added fields), each
// compared directly, and a share of them as whole documents through check.
func TestFastPathMutationsAgreeWithKubeOpenAPI(t *testing.T) {
	report := &fastReport{}
	withObserver(t, report, func() {
		set, err := newSchemaSet(manifest().Versions[0], []json.RawMessage{json.RawMessage(widgetCRD)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range fastTestDocuments(t) {
			set.check(d)
		}
		samples := slices.Clone(report.samples)
		r := rand.New(rand.NewPCG(21, 3))
		for i, s := range samples {
			for m := 0; m < 40; m++ {
				mutant := mutateValue(r, s.value)
				report.compare(s.f, mutant, s.f.root.valid(mutant))
				if m%8 == 0 && i%4 == 0 {
					if doc, err := json.Marshal(mutant); err == nil {
						set.check(doc)
					}
				}
			}
		}
	})
	t.Logf("%d values accepted by the fast path, %d left to kube-openapi", report.accepted, report.deferred)
	if report.accepted < 100 || report.deferred < 100 {
		t.Errorf("the mutations should give both answers often: accepted %d, left %d", report.accepted, report.deferred)
	}
}

// mutationValues: what a mutation puts in a field (besides a value from elsewhere in the object).
var mutationValues = []any{
	nil, "", "x", strings.Repeat("a", 300), "-1", "1.5Gi", "250m", "1e3", "not a quantity",
	"2024-01-01T00:00:00Z", "yesterday", "TCP", "Always", "IfNotPresent", "aGVsbG8=", "!!", "a.b-c",
	"Bad_Name", int64(0), int64(-1), int64(1), int64(65536), int64(1 << 31), int64(-(1 << 31) - 1),
	int64(1<<53 + 1), 1.5, 2.0, -0.5, 1e300, true, false, map[string]any{}, map[string]any{"x": "y"},
	[]any{}, []any{"a"}, []any{map[string]any{}}, []any{int64(1), int64(1)},
}

// mutateValue: a copy of v with one to three changes at random places.
func mutateValue(r *rand.Rand, v any) any {
	out := deepCopy(v)
	for n := 1 + r.IntN(3); n > 0; n-- {
		var slots []func(any)
		var values []any
		collectSlots(out, &slots, &values)
		if len(slots) == 0 {
			return out
		}
		replacement := mutationValues[r.IntN(len(mutationValues))]
		if r.IntN(4) == 0 {
			replacement = deepCopy(values[r.IntN(len(values))])
		}
		slots[r.IntN(len(slots))](deepCopy(replacement))
	}
	return out
}

// collectSlots: a setter for each place in v (a nil value deletes a map entry half the time; a
// setter on a map adds a key), and each value met.
func collectSlots(v any, slots *[]func(any), values *[]any) {
	switch x := v.(type) {
	case map[string]any:
		*slots = append(*slots, func(n any) { x["zz-added"] = n })
		for k, c := range x {
			*values = append(*values, c)
			*slots = append(*slots, func(n any) {
				if n == nil && len(k)%2 == 0 {
					delete(x, k)
					return
				}
				x[k] = n
			})
			collectSlots(c, slots, values)
		}
	case []any:
		for i, c := range x {
			*values = append(*values, c)
			*slots = append(*slots, func(n any) { x[i] = n })
			collectSlots(c, slots, values)
		}
	}
}

// The fields of spec.SchemaProps fastModels and compileFast were written against: a version of
// kube-openapi with another constraint fails here until the fast path knows it.
func TestFastPathKnowsEverySchemaField(t *testing.T) {
	known := []string{"ID", "Ref", "Schema", "Description", "Type", "Nullable", "Format", "Title",
		"Default", "Maximum", "ExclusiveMaximum", "Minimum", "ExclusiveMinimum", "MaxLength",
		"MinLength", "Pattern", "MaxItems", "MinItems", "UniqueItems", "MultipleOf", "Enum",
		"MaxProperties", "MinProperties", "Required", "Items", "AllOf", "OneOf", "AnyOf", "Not",
		"Properties", "AdditionalProperties", "PatternProperties", "Dependencies", "AdditionalItems",
		"Definitions"}
	var fields []string
	for _, f := range reflect.VisibleFields(reflect.TypeOf(spec.SchemaProps{})) {
		fields = append(fields, f.Name)
	}
	if !reflect.DeepEqual(fields, known) {
		t.Errorf("spec.SchemaProps has the fields %v; the fast path knows %v", fields, known)
	}
}

// fuzzKinds: the compiled kinds' fast validators, made once for the fuzz target.
var fuzzKinds = sync.OnceValue(func() []*fastSchemaValidator {
	set, err := newSchemaSet(manifest().Versions[0], []json.RawMessage{json.RawMessage(widgetCRD)}, nil)
	if err != nil {
		panic(err)
	}
	for _, d := range append(slices.Clone(differentialDocuments), fastExtraDocuments...) {
		set.check(json.RawMessage(d))
	}
	var out []*fastSchemaValidator
	for _, k := range set.kinds {
		if k != nil && k.fast != nil {
			out = append(out, k.fast)
		}
	}
	return out
})

// FuzzFastPath: any JSON value, against each kind's schema, numbers read as an unstructured
// object holds them (int64 when integral). `go test -fuzz FuzzFastPath -fuzztime 60s .` explores;
// plain `go test` runs the seeds.
func FuzzFastPath(f *testing.F) {
	for _, d := range append(slices.Clone(differentialDocuments), fastExtraDocuments...) {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var value any
		if err := utiljson.Unmarshal(data, &value); err != nil {
			return
		}
		report := &fastReport{}
		for _, k := range fuzzKinds() {
			report.compare(k, value, k.root.valid(value))
		}
		for _, w := range report.wrong {
			t.Errorf("the fast path accepted what kube-openapi refuses: %s", w)
		}
	})
}

// The same over recorded requests (one JSON request a line, as kube-schema reads them), such as
// the 50,000 generated resources of docs/benchmarks.md:
// KUBE_SCHEMA_FAST_REQUESTS=req.jsonl go test -run FastPathOnRecorded .
func TestFastPathOnRecordedRequests(t *testing.T) {
	path := os.Getenv("KUBE_SCHEMA_FAST_REQUESTS")
	if path == "" {
		t.Skip("KUBE_SCHEMA_FAST_REQUESTS not set: no recorded requests to compare on")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	report := &fastReport{}
	documents := 0
	fastObserved = func(f *fastSchemaValidator, value any, fast bool) {
		report.mu.Lock()
		defer report.mu.Unlock()
		report.compare(f, value, fast)
	}
	defer func() { fastObserved = nil }()
	for _, line := range bytes.Split(data, []byte("\n")) {
		var req request
		if json.Unmarshal(line, &req) != nil || len(req.Documents) == 0 {
			continue
		}
		documents += len(req.Documents)
		if a := validateRequest(line); a.Error != "" {
			t.Errorf("request: %s", a.Error)
		}
	}
	for _, w := range report.wrong {
		t.Errorf("the fast path accepted what kube-openapi refuses: %s", w)
	}
	t.Logf("%d documents: %d values accepted by the fast path, %d left to kube-openapi", documents, report.accepted, report.deferred)
}
