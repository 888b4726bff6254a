package main

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"unsafe"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericrequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/kubectl-validate/pkg/validator"
	"sigs.k8s.io/yaml"
)

// kubectl-validate's Validator.Parse and Validate build, for every object, the kind's decoder (a
// converter factory and a scheme) and its custom-resource strategy (whose CEL validator walks the
// kind's whole structural schema): two thirds of the time per object. The API server builds both
// once per kind and version. compiledKind does the same with the very objects kubectl-validate
// reads the kind's schema into (its validatorEntry, reached through the exported methods below),
// and the same steps as its Parse and Validate (sigs.k8s.io/kubectl-validate/pkg/validator,
// validator.go): the answers do not change (test/engines/schema, the corpus before and after).

// kindEntry: the exported methods of kubectl-validate's validatorEntry for one kind.
type kindEntry interface {
	IsNamespaceScoped() bool
	SchemaValidator() validation.SchemaValidator
	ObjectTyper(gvk schema.GroupVersionKind) runtime.ObjectTyper
	Decoder(gvk schema.GroupVersionKind) (runtime.NegotiatedSerializer, error)
	StructuralSchema() (*structuralschema.Structural, error)
}

// compiledKind: the strict decoder and the create strategy of one kind, built once.
type compiledKind struct {
	decoder runtime.Decoder
	// The same decoder reading JSON directly (see parseDocument).
	jsonDecoder runtime.Decoder
	strategy    rest.RESTCreateStrategy
	namespaced  bool
	// nil when the kind has no structural schema (kubectl-validate then validates nothing).
	structural *structuralschema.Structural
	// The strategy's schema validator with its fast path (fastschema.go; nil: none).
	fast *fastSchemaValidator
}

// entryOf: the validatorEntry kubectl-validate has cached for gvk (after a first Parse of that
// group-version), or false; its cache is an unexported field of the pinned version.
func entryOf(v *validator.Validator, gvk schema.GroupVersionKind) (kindEntry, bool) {
	f := reflect.ValueOf(v).Elem().FieldByName("validatorCache")
	if !f.IsValid() || f.Kind() != reflect.Map || f.Type().Key() != reflect.TypeOf(gvk) {
		return nil, false
	}
	m := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	e := m.MapIndex(reflect.ValueOf(gvk))
	if !e.IsValid() || e.IsNil() {
		return nil, false
	}
	k, ok := e.Interface().(kindEntry)
	return k, ok
}

// compiled: the compiled kind for gvk, made on first use once kubectl-validate knows the kind, or
// at once for a CRD's kind whose entry is made from the CRD alone (crdentry.go); false otherwise
// (the caller goes through kubectl-validate's own Parse and Validate).
func (s *schemaSet) compiled(gvk schema.GroupVersionKind) (*compiledKind, bool) {
	if k, ok := s.kinds[gvk]; ok {
		return k, k != nil
	}
	if k, ok := s.directCompiled(gvk); ok {
		s.kinds[gvk] = k
		return k, true
	}
	if k, ok := s.sharedBuiltin(gvk, nil); ok {
		s.kinds[gvk] = k
		return k, true
	}
	entry, ok := entryOf(s.validator, gvk)
	if !ok {
		return nil, false
	}
	k, err := compileKind(entry, gvk)
	if err != nil {
		// Not cached: kubectl-validate's own path gives the error, as before.
		return nil, false
	}
	s.kinds[gvk] = k
	s.sharedBuiltin(gvk, k)
	return k, true
}

// A built-in kind is compiled from its version's OpenAPI document alone when no CRD of the set
// defines a kind in its group-version (kubectl-validate merges a CRD's document into the built-in
// one of the same path): the same in every set of that version, so it is compiled once per
// process and version, not again for each set (a request that needs one more bundled file or
// repository CRD makes a new one). Off in the tests that compare both ways.
var (
	shareBuiltins  = true
	builtinsMu     sync.Mutex
	builtinsShared = map[string]*compiledKind{}
)

// sharedBuiltin: the kind compiled by an earlier set (made: nil), or records made as such; false
// when the kind is not shared (not built in, or a CRD of this set shares its group-version).
func (s *schemaSet) sharedBuiltin(gvk schema.GroupVersionKind, made *compiledKind) (*compiledKind, bool) {
	if !shareBuiltins || !s.builtin[gvkKey(gvk)] || s.crdGroupVersions[gvk.GroupVersion()] {
		return nil, false
	}
	key := s.version + "\x00" + gvkKey(gvk)
	builtinsMu.Lock()
	defer builtinsMu.Unlock()
	if made != nil {
		builtinsShared[key] = made
		return made, true
	}
	k, ok := builtinsShared[key]
	return k, ok
}

// compiledAlready: whether validating a document of this head only reads what is made already
// (its kind compiled, or a CRD: see checkAll). An unreadable head is not (check gives its answer).
func (s *schemaSet) compiledAlready(h docHead) bool {
	return h.ok && h.gvk.Kind != "" && (h.gvk == crdKindV1 || s.kinds[h.gvk] != nil)
}

func compileKind(entry kindEntry, gvk schema.GroupVersionKind) (*compiledKind, error) {
	serializer, err := entry.Decoder(gvk)
	if err != nil {
		return nil, err
	}
	decoders := map[string]runtime.Decoder{}
	for _, mediaType := range []string{runtime.ContentTypeYAML, runtime.ContentTypeJSON} {
		info, ok := runtime.SerializerInfoForMediaType(serializer.SupportedMediaTypes(), mediaType)
		if !ok {
			return nil, fmt.Errorf("unsupported media type %q", mediaType)
		}
		decoders[mediaType] = serializer.DecoderToVersion(info.StrictSerializer, gvk.GroupVersion())
	}
	ss, err := entry.StructuralSchema()
	if err != nil {
		return nil, err
	}
	k := &compiledKind{
		decoder:     decoders[runtime.ContentTypeYAML],
		jsonDecoder: decoders[runtime.ContentTypeJSON],
		namespaced:  entry.IsNamespaceScoped(),
		structural:  ss,
	}
	if ss != nil {
		// The built-in core group is "core" to the custom-resource validator, as in Validate.
		kind := gvk
		if kind.Group == "" && kind.Version == "v1" {
			kind.Group = "core"
		}
		var schemaValidator validation.SchemaValidator = entry.SchemaValidator()
		if k.fast = withFastPath(schemaValidator); k.fast != nil {
			schemaValidator = k.fast
		}
		k.strategy = customresource.NewStrategy(entry.ObjectTyper(kind), k.namespaced, kind, schemaValidator, nil, ss, nil, nil, nil)
	}
	return k, nil
}

// parseDocument: kubectl-validate's Parse of one document of kind gvk.
func (s *schemaSet) parseDocument(gvk schema.GroupVersionKind, document []byte) (*unstructured.Unstructured, error) {
	k, ok := s.compiled(gvk)
	if !ok {
		_, parsed, err := s.validator.Parse(document)
		return parsed, err
	}
	decoder := k.decoder
	if printableASCII(document) {
		decoder = k.jsonDecoder
	}
	obj, _, err := decoder.Decode(document, &gvk, &unstructured.Unstructured{})
	if err != nil {
		// Parse reads the document's type as YAML first and says so when that fails (the
		// decoder's own YAML reading then fails too: only then is its message needed).
		var meta metav1.TypeMeta
		if yerr := yaml.Unmarshal(document, &meta); yerr != nil {
			return nil, fmt.Errorf("failed to parse yaml: %w", yerr)
		}
		return nil, err
	}
	return obj.(*unstructured.Unstructured), nil
}

// validateObject: kubectl-validate's Validate of one parsed object.
func (s *schemaSet) validateObject(obj *unstructured.Unstructured) error {
	if obj.Object == nil {
		return s.validator.Validate(obj)
	}
	if k, ok := s.compiled(obj.GroupVersionKind()); ok {
		return k.validate(obj)
	}
	return s.validator.Validate(obj)
}

// validate: kubectl-validate's Validate of one parsed object of this kind (on a copy: creation
// fills in system fields).
func (k *compiledKind) validate(obj *unstructured.Unstructured) error {
	obj = &unstructured.Unstructured{Object: maps.Clone(obj.UnstructuredContent())}
	obj.Object["metadata"] = runtime.DeepCopyJSONValue(obj.Object["metadata"])
	if k.namespaced && obj.GetNamespace() == "" {
		obj.SetNamespace("default")
	}
	if obj.GetAPIVersion() == "v1" {
		obj.SetAPIVersion("core/v1")
	}
	if k.structural == nil {
		return nil
	}
	rest.FillObjectMetaSystemFields(obj)
	return rest.BeforeCreate(k.strategy, genericrequest.WithNamespace(context.TODO(), obj.GetNamespace()), obj)
}

// printableASCII: whether a document (encoding/json's compact output: every control character,
// U+2028 and U+2029 escaped, no duplicate keys) holds only the bytes 0x20-0x7E. Then reading it as
// YAML, as kubectl-validate's decoder does (to JSON, then the same strict JSON decoding), gives the
// same object and errors as reading the JSON directly, at a third of the cost: JSON strings are
// double-quoted YAML strings with the same escapes, and JSON numbers resolve to the same values.
// Other bytes take the YAML path: the YAML reader refuses characters (such as DEL or C1 controls)
// that JSON carries, and that refusal is kubectl-validate's answer.
func printableASCII(document []byte) bool {
	for _, b := range document {
		if b < 0x20 || b > 0x7e {
			return false
		}
	}
	return true
}
