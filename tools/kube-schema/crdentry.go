package main

import (
	"fmt"
	"maps"
	"reflect"
	"sync"
	"unsafe"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/openapi"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/kubectl-validate/pkg/openapiclient/groupversion"
	"sigs.k8s.io/kubectl-validate/pkg/validator"
)

// kubectl-validate reads a kind's schema the first time one of its documents is parsed
// (Validator.infoForGVK): the whole group-version's OpenAPI document is marshalled to JSON, read
// back, patched, its references resolved, and an entry made for every kind of it; each entry's
// structural schema is made from its schema's JSON again. For prometheus-operator's
// monitoring.coreos.com/v1 that is eight CRDs' schemas (Prometheus, Alertmanager and ThanosRuler
// among them, megabytes) when a repository uses ServiceMonitor, and all of it again for each new
// schema set (a new request's CRDs or bundled files).
//
// A CRD kind's entry depends only on its own definition in that document and the metadata
// definitions added to every CRD document (crdDocuments): each definition is patched and
// resolved on its own, and the references of a CRD's kind lead only to ObjectMeta and what that
// refers to. So the entry is made once per process and CRD version by kubectl-validate's own
// Parse, over a document holding that definition alone with the metadata definitions, and given
// to each schema set's validator in place of the one it would make (its cache of entries, read
// already by entryOf). crdentry_test.go proves the entries equal to those kubectl-validate makes
// from the whole documents (schema, structural schema, scope) for every version of every
// bundled CRD, the corpus's CRDs when present and generated CRDs, and the answers identical.

// entryMade: a CRD kind's entry, made once (nil: kubectl-validate could not make it on its own;
// the set's validator then gives its error as before).
type entryMade struct {
	once  sync.Once
	entry kindEntry
	// The entry as kubectl-validate's cache holds it (its unexported pointer type).
	value reflect.Value
	// The kind compiled from the entry (nil: it cannot be).
	compileOnce sync.Once
	compiled    *compiledKind
}

// directEntry: the entry of gvk made from its CRD alone, when the set's validator would make the
// same from its documents: gvk is a CRD kind of this set that no built-in document defines, and no
// other CRD of the set defines it too (which of two definitions the documents keep is decided
// otherwise than which crds holds).
func (s *schemaSet) directEntry(gvk schema.GroupVersionKind) (*crdKind, bool) {
	k, ok := s.crds[gvk]
	if !ok || !directEntries || k.structural == nil || s.builtin[gvkKey(gvk)] || s.defined[gvk] > 1 {
		return nil, false
	}
	if _, unserved := s.unserved[gvk]; unserved {
		return nil, false
	}
	return k, true
}

// countDefined notes how many of these kinds (one source's: the repository's or the bundled CRDs')
// define each kind; a kind defined twice by one source is read as the documents read it.
func (s *schemaSet) countDefined(kinds []*crdKind) {
	here := map[schema.GroupVersionKind]int{}
	for _, k := range kinds {
		here[k.gvk]++
		s.defined[k.gvk] = max(s.defined[k.gvk], here[k.gvk])
		s.crdGroupVersions[k.gvk.GroupVersion()] = true
	}
}

// entry: the kind's entry, made on first use (safe to share once made: making it runs every lazy
// step of it, after which kubectl-validate only reads it).
func (k *crdKind) entry() (kindEntry, reflect.Value, bool) {
	k.made.once.Do(func() {
		defer func() { _ = recover() }()
		k.made.entry, k.made.value = entryAlone(k)
	})
	return k.made.entry, k.made.value, k.made.entry != nil
}

// entryAlone: kubectl-validate's entry for the kind, read from a document of its definition alone.
// The document holds a probe kind of the same group-version too, whose schema is a string of
// format byte: Parse of a probe object fills the cache with both entries (the probe's structural
// schema made, the kind's not yet). The kind's structural schema is then its CRD's with the
// metadata, apiVersion and kind of the probe's, when kubectl-validate patched neither (the probe's
// string kept its format: its byte-format patch applies to some groups only, and would change the
// kind's schema as well); otherwise it is made by kubectl-validate's own StructuralSchema, from
// the JSON. crdentry_test.go proves both equal to kubectl-validate's.
func entryAlone(k *crdKind) (kindEntry, reflect.Value) {
	entry, probed, ok := entriesAlone(k)
	if !ok {
		return nil, reflect.Value{}
	}
	value := reflect.ValueOf(entry)
	if ss, ok := withProbeMetadata(k.structural, probed); ok && directStructural {
		if !setStructural(value, ss) {
			return nil, reflect.Value{}
		}
	}
	if _, err := entry.StructuralSchema(); err != nil {
		return nil, reflect.Value{}
	}
	entry.SchemaValidator()
	return entry, value
}

// entriesAlone: kubectl-validate's entries for the kind and its probe, from a document of their
// definitions alone (only the probe's structural schema made).
func entriesAlone(k *crdKind) (entry, probed kindEntry, ok bool) {
	metadata, err := crdMetadataSchemas()
	if err != nil {
		return nil, nil, false
	}
	doc := &spec3.OpenAPI{Components: &spec3.Components{Schemas: map[string]*spec.Schema{}}}
	for name, def := range metadata {
		doc.Components.Schemas[name] = def
	}
	gvk := k.gvk
	probe := gvk.GroupVersion().WithKind(gvk.Kind + "Probe")
	doc.Components.Schemas[definitionKey(gvk)] = kindSchema(k.structural, gvk, k.scope)
	doc.Components.Schemas[definitionKey(probe)] = kindSchema(probeStructural, probe, k.scope)
	paths := map[string]openapi.GroupVersion{fmt.Sprintf("apis/%s/%s", gvk.Group, gvk.Version): groupversion.NewForOpenAPI(doc)}
	v, err := validator.New(pathsOnce{paths: paths})
	if err != nil {
		return nil, nil, false
	}
	_, _, _ = v.Parse(minimalObject(probe))
	entry, ok = entryOf(v, gvk)
	probed, probeOK := entryOf(v, probe)
	return entry, probed, ok && probeOK
}

// directEntries: whether CRD kinds' entries are made from their CRDs (the tests compare both ways).
var directEntries = true

// directStructural: whether a kind's structural schema is made from its CRD's (the tests compare
// both ways).
var directStructural = true

func definitionKey(gvk schema.GroupVersionKind) string {
	return fmt.Sprintf("%s/%s.%s", gvk.Group, gvk.Version, gvk.Kind)
}

// probeStructural: the probe kind's schema, a string of format byte.
var probeStructural = &structuralschema.Structural{
	Generic: structuralschema.Generic{Type: "object"},
	Properties: map[string]structuralschema.Structural{
		"b": {Generic: structuralschema.Generic{Type: "string"}, ValueValidation: &structuralschema.ValueValidation{Format: "byte"}},
	},
}

// withProbeMetadata: the CRD's structural schema with the probe's metadata, apiVersion and kind
// (what kindSchema adds), when the probe's schema was not patched; false otherwise.
func withProbeMetadata(crd *structuralschema.Structural, probe kindEntry) (*structuralschema.Structural, bool) {
	schema, ok := reflect.ValueOf(probe).Elem().FieldByName("Schema").Interface().(*spec.Schema)
	if !ok || schema == nil || schema.Properties["b"].Format != "byte" {
		return nil, false
	}
	ps, err := probe.StructuralSchema()
	if err != nil || ps == nil {
		return nil, false
	}
	ss := *crd
	ss.Properties = maps.Clone(crd.Properties)
	if ss.Properties == nil {
		ss.Properties = map[string]structuralschema.Structural{}
	}
	for _, name := range []string{"metadata", "apiVersion", "kind"} {
		p, ok := ps.Properties[name]
		if !ok {
			return nil, false
		}
		ss.Properties[name] = p
	}
	return &ss, true
}

// setStructural sets an entry's structural schema (an unexported field of the pinned version).
func setStructural(entry reflect.Value, ss *structuralschema.Structural) bool {
	f := entry.Elem().FieldByName("ss")
	if !f.IsValid() || f.Type() != reflect.TypeOf(ss) {
		return false
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(ss))
	return true
}

// directCompiled: the compiled kind of a CRD kind whose entry is made from its CRD (directEntry),
// compiled once per process (compileKind reads only the entry); the entry is put in the set's
// validator's cache too, so that its own path, if ever taken for the kind, reads the same. False
// otherwise (the validator reads the kind's documents as before).
func (s *schemaSet) directCompiled(gvk schema.GroupVersionKind) (*compiledKind, bool) {
	k, ok := s.directEntry(gvk)
	if !ok {
		return nil, false
	}
	_, value, ok := k.entry()
	if !ok {
		return nil, false
	}
	cache, ok := validatorCache(s.validator)
	if !ok || cache.Type().Elem() != value.Type() {
		return nil, false
	}
	cache.SetMapIndex(reflect.ValueOf(gvk), value)
	return k.compiledKind()
}

// compiledKind: the kind compiled from its entry, once (false: it cannot be, and kubectl-validate's
// own path gives the error).
func (k *crdKind) compiledKind() (*compiledKind, bool) {
	k.made.compileOnce.Do(func() {
		defer func() { _ = recover() }()
		if entry, _, ok := k.entry(); ok {
			k.made.compiled, _ = compileKind(entry, k.gvk)
		}
	})
	return k.made.compiled, k.made.compiled != nil
}

// validatorCache: kubectl-validate's cache of entries (an unexported field of the pinned version),
// settable, or false.
func validatorCache(v *validator.Validator) (reflect.Value, bool) {
	f := reflect.ValueOf(v).Elem().FieldByName("validatorCache")
	if !f.IsValid() || f.Kind() != reflect.Map || f.Type().Key() != reflect.TypeOf(schema.GroupVersionKind{}) {
		return reflect.Value{}, false
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), true
}
