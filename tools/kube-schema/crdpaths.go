package main

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/openapi"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kubectl-validate/pkg/openapiclient"
	"sigs.k8s.io/kubectl-validate/pkg/openapiclient/groupversion"
)

// crdDocuments: the OpenAPI documents kubectl-validate's local CRD client
// (openapiclient.NewLocalCRDFiles) gives for CRD files, made from the same CRDs decoded already
// (as its client decodes them: the API server's decoder) instead of decoding their JSON a second
// time, in the order its client reads them. Per group-version one document: each version's
// structural schema as kube-openapi's, with its group-version-kind and scope, the object's
// metadata, apiVersion and kind as the API server adds them, and the metadata's definitions. The
// documents only marshal themselves (the validator reads their JSON): crdpaths_test.go proves
// the JSON identical to its client's for the bundled CRDs, test CRDs and the corpus's.
func crdDocuments(crds []*apiextensions.CustomResourceDefinition) (map[string]openapi.GroupVersion, error) {
	if len(crds) == 0 {
		return map[string]openapi.GroupVersion{}, nil
	}
	metadata, err := crdMetadataSchemas()
	if err != nil {
		return nil, err
	}
	kinds := map[schema.GroupVersion][]kindOfCRD{}
	var order []schema.GroupVersion
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			props, err := apiextensions.GetSchemaForVersion(crd, v.Name)
			if err != nil {
				return nil, err
			}
			// A version without a schema: nil props, as its client reads them too.
			ss, err := structuralOf(props.OpenAPIV3Schema)
			if err != nil {
				return nil, err
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			if kinds[gvk.GroupVersion()] == nil {
				order = append(order, gvk.GroupVersion())
			}
			kinds[gvk.GroupVersion()] = append(kinds[gvk.GroupVersion()], kindOfCRD{ss, gvk, crd.Spec.Scope})
		}
	}
	out := map[string]openapi.GroupVersion{}
	for _, gv := range order {
		// Made when kubectl-validate reads it: a kind whose entry is made from its CRD alone
		// (crdentry.go) never has its group-version's document read.
		out[fmt.Sprintf("apis/%s/%s", gv.Group, gv.Version)] = &lazyDocument{make: func() openapi.GroupVersion {
			doc := &spec3.OpenAPI{Components: &spec3.Components{Schemas: map[string]*spec.Schema{}}}
			for _, k := range kinds[gv] {
				doc.Components.Schemas[definitionKey(k.gvk)] = kindSchema(k.ss, k.gvk, k.scope)
			}
			for name, def := range metadata {
				doc.Components.Schemas[name] = def
			}
			return groupversion.NewForOpenAPI(doc)
		}}
	}
	return out, nil
}

// kindOfCRD: one version of a CRD, as its group-version's document holds it.
type kindOfCRD struct {
	ss    *structuralschema.Structural
	gvk   schema.GroupVersionKind
	scope apiextensions.ResourceScope
}

// lazyDocument: a group-version's document, made the first time it is read.
type lazyDocument struct {
	once sync.Once
	make func() openapi.GroupVersion
	doc  openapi.GroupVersion
}

func (d *lazyDocument) Schema(contentType string) ([]byte, error) {
	d.once.Do(func() { d.doc = d.make() })
	return d.doc.Schema(contentType)
}

func (d *lazyDocument) ServerRelativeURL() string { return "" }

// kindSchema: one version's schema in the document, as the API server publishes a CRD's.
func kindSchema(ss *structuralschema.Structural, gvk schema.GroupVersionKind, scope apiextensions.ResourceScope) *spec.Schema {
	sch := ss.ToKubeOpenAPI()
	sch.AddExtension("x-kubernetes-group-version-kind", []any{map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}})
	sch.AddExtension("x-kubectl-validate-scope", string(scope))
	if sch.Properties == nil {
		sch.Properties = map[string]spec.Schema{}
	}
	sch.Properties["metadata"] = spec.Schema{SchemaProps: spec.SchemaProps{
		AllOf:       []spec.Schema{{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")}}},
		Default:     map[string]interface{}{},
		Description: "Standard object metadata; More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata.",
	}}
	sch.Properties["apiVersion"] = spec.Schema{SchemaProps: spec.SchemaProps{
		Default:     "",
		Description: "API version of the referent.",
		Type:        spec.StringOrArray{"string"},
	}}
	sch.Properties["kind"] = spec.Schema{SchemaProps: spec.SchemaProps{
		Default:     "",
		Description: "Kind of the referent. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
		Type:        spec.StringOrArray{"string"},
	}}
	return sch
}

// probeCRD: a CRD whose schema has no properties of its own, for crdMetadataSchemas.
const probeCRD = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
"metadata":{"name":"probes.probe.portcullis.dev"},"spec":{"group":"probe.portcullis.dev","scope":"Namespaced",
"names":{"kind":"Probe","plural":"probes"},"versions":[{"name":"v1","served":true,"storage":true,
"schema":{"openAPIV3Schema":{"type":"object"}}}]}}`

// crdMetadataSchemas: the definitions kubectl-validate's client adds to each document (ObjectMeta
// and what it refers to), taken from its own document of probeCRD: all but the probe's schema.
var crdMetadataSchemas = sync.OnceValues(func() (map[string]*spec.Schema, error) {
	paths, err := openapiclient.NewLocalCRDFiles(fstest.MapFS{"probe.json": {Data: []byte(probeCRD)}}).Paths()
	if err != nil {
		return nil, err
	}
	gv, ok := paths["apis/probe.portcullis.dev/v1"]
	if !ok {
		return nil, fmt.Errorf("kubectl-validate gave no document for a CRD")
	}
	b, err := gv.Schema("application/json")
	if err != nil {
		return nil, err
	}
	var doc spec3.OpenAPI
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	if doc.Components == nil || doc.Components.Schemas["probe.portcullis.dev/v1.Probe"] == nil {
		return nil, fmt.Errorf("kubectl-validate's document of a CRD has no schema of its kind")
	}
	delete(doc.Components.Schemas, "probe.portcullis.dev/v1.Probe")
	return doc.Components.Schemas, nil
})

// bundledCRDPaths: the bundled CRDs' documents (see crdDocuments).
func bundledCRDPaths(decoded []*apiextensions.CustomResourceDefinition) openapi.Client {
	var p pathsOnce
	p.paths, p.err = crdDocuments(decoded)
	return p
}

// bundledRead: the bundled CRD files' kinds and documents, read on a goroutine while the
// repository's CRDs are (both are the making of a schema set; on two cores side by side).
type bundledRead struct {
	kinds    []*crdKind
	paths    openapi.Client
	err      error
	panicked any
	done     chan struct{}
}

// readBundledAhead: the named bundled files (sorted), each read once per process (the embedded
// files do not change): a later schema set with one more file, or with the repository's CRDs,
// shares the kinds read already, their entries and compiled kinds (crdentry.go) with them.
func readBundledAhead(files []string) *bundledRead {
	files = slices.Compact(slices.Sorted(slices.Values(files)))
	r := &bundledRead{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer func() { r.panicked = recover() }()
		var decoded []*apiextensions.CustomResourceDefinition
		for _, f := range files {
			one := bundledFileOf(f)
			if one.panicked != nil {
				panic(one.panicked)
			}
			if one.err != nil {
				r.err = one.err
				return
			}
			r.kinds = append(r.kinds, one.kinds...)
			decoded = append(decoded, one.decoded...)
		}
		r.paths = bundledPathsOf(strings.Join(files, "\x00"), decoded)
	}()
	return r
}

// bundledFile: one bundled file's CRDs, read once.
type bundledFile struct {
	once     sync.Once
	kinds    []*crdKind
	decoded  []*apiextensions.CustomResourceDefinition
	err      error
	panicked any
}

var (
	bundledFilesRead sync.Map // file name -> *bundledFile
	// The bundled files' documents, per list of files.
	bundledPathsMu   sync.Mutex
	bundledPathsMade = map[string]openapi.Client{}
)

func bundledFileOf(name string) *bundledFile {
	v, _ := bundledFilesRead.LoadOrStore(name, &bundledFile{})
	f := v.(*bundledFile)
	f.once.Do(func() {
		defer func() { f.panicked = recover() }()
		b, err := embedded.ReadFile(path.Join("schemas", "crds", name))
		if err != nil {
			f.err = err
			return
		}
		f.kinds, f.decoded, f.err = bundledCRDs(fstest.MapFS{name: {Data: b}})
	})
	return f
}

func bundledPathsOf(key string, decoded []*apiextensions.CustomResourceDefinition) openapi.Client {
	bundledPathsMu.Lock()
	defer bundledPathsMu.Unlock()
	if p, ok := bundledPathsMade[key]; ok {
		return p
	}
	p := bundledCRDPaths(decoded)
	bundledPathsMade[key] = p
	return p
}

// wait: what bundledCRDs and bundledCRDPaths gave (a panic in them is the caller's again).
func (r *bundledRead) wait() ([]*crdKind, openapi.Client, error) {
	<-r.done
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.kinds, r.paths, r.err
}

// pathsOnce: documents made once (a client whose Paths gives them).
type pathsOnce struct {
	paths map[string]openapi.GroupVersion
	err   error
}

func (p pathsOnce) Paths() (map[string]openapi.GroupVersion, error) { return p.paths, p.err }
