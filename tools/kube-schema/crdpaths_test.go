package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"k8s.io/client-go/openapi"
	"sigs.k8s.io/kubectl-validate/pkg/openapiclient"
)

// documentsJSON: each document's JSON, as the validator reads them (or the error, or the panic).
func documentsJSON(t *testing.T, paths func() (map[string]openapi.GroupVersion, error)) (out map[string]string, failure string) {
	defer func() {
		if p := recover(); p != nil {
			failure = fmt.Sprint("panic: ", p)
		}
	}()
	got, err := paths()
	if err != nil {
		return nil, err.Error()
	}
	out = map[string]string{}
	for path, gv := range got {
		b, err := gv.Schema("application/json")
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[path] = string(b)
	}
	return out, ""
}

func sameDocuments(t *testing.T, name string, theirs, ours func() (map[string]openapi.GroupVersion, error)) {
	t.Helper()
	want, wantFailure := documentsJSON(t, theirs)
	got, gotFailure := documentsJSON(t, ours)
	if wantFailure != gotFailure || !reflect.DeepEqual(want, got) {
		t.Errorf("%s: the documents differ from kubectl-validate's (failure %q, want %q; %d documents, want %d)", name, gotFailure, wantFailure, len(got), len(want))
	}
	if wantFailure == "" && len(want) == 0 {
		t.Errorf("%s: no documents: nothing compared", name)
	}
}

// yamlDocuments: the documents crdDocuments makes of a folder of YAML files (decoded as
// bundledCRDs decodes the bundled ones).
func yamlDocuments(fsys fs.FS) func() (map[string]openapi.GroupVersion, error) {
	return func() (map[string]openapi.GroupVersion, error) {
		_, decoded, err := bundledCRDs(fsys)
		if err != nil {
			return nil, err
		}
		return crdDocuments(decoded)
	}
}

// The bundled CRDs' documents, made from the CRDs decoded once, are kubectl-validate's own to the
// byte: each bundled file alone and all of them together.
func TestCRDDocumentsAsKubectlValidatesBundled(t *testing.T) {
	all := fstest.MapFS{}
	entries, err := fs.ReadDir(embedded, "schemas/crds")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no bundled CRDs (run npm run build:schema): %v", err)
	}
	for _, e := range entries {
		b, _ := embedded.ReadFile("schemas/crds/" + e.Name())
		one := fstest.MapFS{e.Name(): {Data: b}}
		all[e.Name()] = &fstest.MapFile{Data: b}
		sameDocuments(t, e.Name(), openapiclient.NewLocalCRDFiles(one).Paths, yamlDocuments(one))
	}
	sameDocuments(t, "all bundled", openapiclient.NewLocalCRDFiles(all).Paths, yamlDocuments(all))
}

// The corpus's CRDs (prometheus-operator's and others), when ../shared/corpus is there.
func TestCRDDocumentsAsKubectlValidatesCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "corpus")
	files := fstest.MapFS{}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), "kind: CustomResourceDefinition") {
			files[strings.ReplaceAll(strings.TrimPrefix(path, root+string(filepath.Separator)), string(filepath.Separator), "_")] = &fstest.MapFile{Data: b}
		}
		return nil
	})
	if len(files) == 0 {
		t.Skipf("no CRDs under %s (the corpus is not there): skipped", root)
	}
	for name, f := range files {
		one := fstest.MapFS{name: f}
		sameDocuments(t, name, openapiclient.NewLocalCRDFiles(one).Paths, yamlDocuments(one))
	}
	sameDocuments(t, "the corpus's CRDs", openapiclient.NewLocalCRDFiles(files).Paths, yamlDocuments(files))
}

// The repository's CRDs as a request sends them (JSON, named by their place: kubectl-validate
// reads them in the order of those names, a later CRD of the same kind replacing an earlier), and
// one with a version without a schema (a panic in both; a request no longer gets there: crdKinds
// makes such a CRD unusable).
func TestCRDDocumentsAsKubectlValidatesRepository(t *testing.T) {
	twoVersions := crdVariant("two.example.com", `"versions":[`, `"versions":[{"name":"v2","served":true,"storage":false,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"x":{"type":"integer"}}}}}}},`)
	sameKind := crdVariant("a.example.com", `"enum":["small","large"]`, `"enum":["tiny"]`)
	cases := map[string][]string{
		"variants":      {crdVariant("a.example.com"), twoVersions, crdVariant("b.example.com", "Namespaced", "Cluster"), crdVariant("c.example.com")},
		"same kind":     {crdVariant("a.example.com"), sameKind},
		"no schema":     {crdVariant("n.example.com", `"served":true,"storage":true,"schema":{`, `"served":false,"storage":true,"x":{`)},
		"many in order": {},
	}
	for i := 0; i < 12; i++ {
		cases["many in order"] = append(cases["many in order"], crdVariant(fmt.Sprintf("g%d.example.com", i%3), "small", fmt.Sprintf("small%d", i)))
	}
	for name, crds := range cases {
		for _, indexes := range [][]int{nil, {99999, 100000, 7, 100001}} {
			var usable []indexedCRD
			files := fstest.MapFS{}
			for k, c := range crds {
				index := k
				if indexes != nil {
					index = indexes[k%len(indexes)] + k/len(indexes)*1000
				}
				raw := json.RawMessage(c)
				usable = append(usable, indexedCRD{index: index, raw: raw, sum: [32]byte{byte(k), byte(len(name))}})
				files[fmt.Sprintf("crd-%05d.json", index)] = &fstest.MapFile{Data: raw}
			}
			forgetCRDs()
			repoPathsMade = map[[32]byte]pathsOnce{}
			ours := func() (map[string]openapi.GroupVersion, error) { return repoCRDPaths(usable).Paths() }
			sameDocuments(t, fmt.Sprint(name, indexes), openapiclient.NewLocalCRDFiles(files).Paths, ours)
		}
	}
}
