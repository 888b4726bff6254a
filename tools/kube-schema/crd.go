package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apiserver"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/kubectl-validate/pkg/utils"
)

// crdKind: one served version of a CRD, with its structural schema and (made on first use, then
// kept) the CEL validator of its x-kubernetes-validations rules, as the API server compiles it.
type crdKind struct {
	gvk        schema.GroupVersionKind
	structural *structuralschema.Structural
	// unserved: set (why) for a version the CRD defines with served: false; no schema then.
	unserved string
	celOnce  sync.Once
	cel      *cel.Validator
	// celPanicked: what making the validator panicked with, given again to each caller (a nil
	// validator would be one without rules).
	celPanicked any
	// The int-or-string fields of its schema (crdintorstring.go), made on first use.
	iosOnce sync.Once
	ios     *intOrStringTree
	// The CRD's scope, and kubectl-validate's entry for the kind made from it (crdentry.go).
	scope apiextensions.ResourceScope
	made  entryMade
}

func (k *crdKind) celValidator() *cel.Validator {
	k.celOnce.Do(func() {
		defer func() { k.celPanicked = recover() }()
		k.cel = cel.NewValidator(k.structural, true, celconfig.PerCallLimit)
	})
	if k.celPanicked != nil {
		panic(k.celPanicked)
	}
	return k.cel
}

// warmCEL makes the CEL validators of the CRD kinds the documents use on a goroutine of its own
// (some 20 ms for prometheus-operator's), while the first documents of each kind are compiled:
// the first document of a CRD's kind then finds its validator made, or waits for it.
func (s *schemaSet) warmCEL(heads []docHead) {
	var kinds []*crdKind
	seen := map[schema.GroupVersionKind]bool{}
	for _, h := range heads {
		if k, ok := s.crds[h.gvk]; ok && h.ok && !seen[h.gvk] {
			seen[h.gvk] = true
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return
	}
	go func() {
		for _, k := range kinds {
			func() {
				// A panic is kept for the documents' own answers (celValidator gives it again).
				defer func() { _ = recover() }()
				k.celValidator()
			}()
		}
	}()
}

var errNotCRD = errors.New("not a CustomResourceDefinition")

var crdDecoder = serializer.NewCodecFactory(apiserver.Scheme).UniversalDecoder()

var internalCRD = schema.GroupVersionKind{
	Group:   "apiextensions.k8s.io",
	Version: runtime.APIVersionInternal,
	Kind:    "CustomResourceDefinition",
}

// decodeCRD: the API server's reading of one CustomResourceDefinition (its internal version).
func decodeCRD(doc []byte) (*apiextensions.CustomResourceDefinition, error) {
	obj, gvk, err := crdDecoder.Decode(doc, &internalCRD, nil)
	if runtime.IsNotRegisteredError(err) || (gvk != nil && gvk.GroupKind() != internalCRD.GroupKind()) {
		return nil, errNotCRD
	}
	if err != nil {
		return nil, err
	}
	crd, ok := obj.(*apiextensions.CustomResourceDefinition)
	if !ok {
		return nil, fmt.Errorf("not a CustomResourceDefinition: %T", obj)
	}
	return crd, nil
}

// A structural schema made once for a decoded CRD's schema: the kinds (crdKinds) and the OpenAPI
// documents (crdDocuments) of its versions both need it, and neither changes it (kube-openapi's
// schema made of it shares only what it reads). Keyed by the decoded schema, which nothing
// changes either; kept as long as the process, as the CRDs decoded are.
var structurals sync.Map // *apiextensions.JSONSchemaProps -> structuralMade

type structuralMade struct {
	ss  *structuralschema.Structural
	err error
}

func structuralOf(props *apiextensions.JSONSchemaProps) (*structuralschema.Structural, error) {
	if m, ok := structurals.Load(props); ok {
		return m.(structuralMade).ss, m.(structuralMade).err
	}
	var m structuralMade
	m.ss, m.err = structuralschema.NewStructural(props)
	structurals.Store(props, m)
	return m.ss, m.err
}

// crdKinds: the served versions of a decoded CRD with their structural schemas.
func crdKinds(crd *apiextensions.CustomResourceDefinition) ([]*crdKind, error) {
	var out []*crdKind
	var served []string
	for _, v := range crd.Spec.Versions {
		if v.Served {
			served = append(served, v.Name)
		}
	}
	for _, v := range crd.Spec.Versions {
		gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
		if !v.Served {
			why := fmt.Sprintf("the CRD %s defines version %s with served: false (it serves %s)", crd.Name, v.Name, strings.Join(served, ", "))
			out = append(out, &crdKind{gvk: gvk, unserved: why, scope: crd.Spec.Scope})
			continue
		}
		ss, err := versionStructural(crd, v.Name)
		if err != nil {
			return nil, err
		}
		if errs := structuralschema.ValidateStructural(nil, ss); len(errs) > 0 {
			return nil, fmt.Errorf("%s %s: version %s is not a structural schema: %v", crd.Spec.Group, crd.Spec.Names.Kind, v.Name, errs.ToAggregate())
		}
		out = append(out, &crdKind{gvk: gvk, structural: ss, scope: crd.Spec.Scope})
	}
	// kubectl-validate's documents are made of every version, served or not (crdDocuments): one
	// without a schema, or with one that cannot be read as structural, failed the whole request
	// (a panic, an error). The API server refuses such a CRD: it is unusable, as one whose served
	// version has no schema.
	for _, v := range crd.Spec.Versions {
		if !v.Served {
			if _, err := versionStructural(crd, v.Name); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// versionStructural: the structural schema of one version of a CRD, or why there is none.
func versionStructural(crd *apiextensions.CustomResourceDefinition, version string) (*structuralschema.Structural, error) {
	props, err := apiextensions.GetSchemaForVersion(crd, version)
	if err != nil {
		return nil, err
	}
	if props == nil || props.OpenAPIV3Schema == nil {
		return nil, fmt.Errorf("%s %s: version %s has no schema", crd.Spec.Group, crd.Spec.Names.Kind, version)
	}
	ss, err := structuralOf(props.OpenAPIV3Schema)
	if err != nil {
		return nil, fmt.Errorf("%s %s: version %s: %w", crd.Spec.Group, crd.Spec.Names.Kind, version, err)
	}
	return ss, nil
}

// bundledCRDs: the CRDs of the bundled YAML files (other documents in them are skipped): their
// kinds (those not served too, with unserved set), and the CRDs as decoded, in the order of the
// files and of their documents.
func bundledCRDs(fsys fs.FS) ([]*crdKind, []*apiextensions.CustomResourceDefinition, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, err
	}
	var out []*crdKind
	var decoded []*apiextensions.CustomResourceDefinition
	for _, e := range entries {
		if e.IsDir() || !utils.IsYaml(e.Name()) {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, nil, err
		}
		docs, err := utils.SplitYamlDocuments(b)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for _, d := range docs {
			if !strings.Contains(string(d), "CustomResourceDefinition") {
				continue
			}
			crd, err := decodeCRD(d)
			if errors.Is(err, errNotCRD) {
				continue
			}
			var kinds []*crdKind
			if err == nil {
				kinds, err = crdKinds(crd)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("bundled %s: %w", e.Name(), err)
			}
			decoded = append(decoded, crd)
			out = append(out, kinds...)
		}
	}
	return out, decoded, nil
}

var crdKindV1 = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// checkCRD: the CRD's findings as a document (crdcheck.go).
func (s *schemaSet) checkCRD(raw []byte, obj map[string]any) []finding {
	return crdFindings(raw, obj)
}

// The internal CRD carries a schema, subresources and columns every version shares at the spec's
// top (spec.validation...): a v1 document writes them in each version, where its field is.
var hoisted = map[string]string{
	"spec.validation.":              "schema.",
	"spec.subresources":             "subresources",
	"spec.additionalPrinterColumns": "additionalPrinterColumns",
}

func writtenCRDField(obj map[string]any, field string) string {
	spec, _ := obj["spec"].(map[string]any)
	if versions, _ := spec["versions"].([]any); len(versions) == 0 {
		return field
	}
	for internal, written := range hoisted {
		if strings.HasPrefix(field, internal) {
			return "spec.versions[0]." + written + strings.TrimPrefix(field, internal)
		}
	}
	return field
}
