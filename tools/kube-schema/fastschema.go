package main

// A fast path in front of kube-openapi's schema validator. kube-openapi's SchemaValidator builds
// its sub-validators afresh for every value it visits (an object validator per object, a schema
// validator per field and list item): ~60% of what kube-schema allocated and over a third of its
// CPU at 50,000 resources. fastSchema is the same schema compiled once per kind into a tree of
// plain checks, used only to say "certainly valid": it answers true only when every constraint
// on the way is one it models, each modelled as strictly as kube-openapi's own (the length,
// pattern, format and number checks call kube-openapi's exported functions). Anything else (any
// null, a construct it does not model: allOf/anyOf/oneOf/not, pattern properties, tuples, unique
// items, non-string enums, a $ref; a value type it does not know) makes it answer false, and
// then kube-openapi's validator runs as before: every error and message still comes from it, and
// a valid object's answer (no errors) is the one the validator gives. fastschema_test.go checks
// fast-valid => kube-openapi-valid on the test documents, generated and mutated ones and a fuzz
// target.

import (
	"reflect"
	"slices"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

// fastNode: one schema node's checks. unsupported: reaching it with a value defers to the real
// validator.
type fastNode struct {
	unsupported bool
	// typ: the single type the schema names ("" none).
	typ string
	// format: the node's format; formats: the registry that checks it on strings (nil: none does).
	format  string
	formats strfmt.Registry
	// numType and numFormat: what kube-openapi's number validator is given (see numberValidator).
	numType, numFormat   string
	minLength, maxLength *int64
	pattern              string
	minimum, maximum     *float64
	exclusiveMinimum     bool
	exclusiveMaximum     bool
	multipleOf           *float64
	// enum: the allowed strings (hasEnum: the schema has an enum).
	enum     map[string]bool
	hasEnum  bool
	minItems *int64
	maxItems *int64
	items    *fastNode
	// Objects: properties, required names, additionalProperties false (closed) or a schema.
	minProperties, maxProperties *int64
	required                     []string
	properties                   map[string]*fastNode
	closed                       bool
	additional                   *fastNode
	// allOf, anyOf: each branch's checks; oneOf: only branches that name one type and nothing
	// else, no two of which a value can both pass (see compileOneOf).
	allOf, anyOf, oneOf []*fastNode
}

// maxFastDepth: deeper schemas (recursive ones) are left to the real validator.
const maxFastDepth = 64

// compileFast: the fast checks of schema s (formats checked with the registry the real
// validator is given).
func compileFast(s *spec.Schema, formats strfmt.Registry, depth int) *fastNode {
	n := &fastNode{}
	if s == nil || depth > maxFastDepth || !fastModels(s) {
		n.unsupported = true
		return n
	}
	if len(s.Type) == 1 {
		n.typ = s.Type[0]
	}
	n.format = s.Format
	if s.Format != "" && formats.ContainsName(s.Format) {
		n.formats = formats
	}
	n.numType, n.numFormat = numberTypeAndFormat(s)
	n.minLength, n.maxLength, n.pattern = s.MinLength, s.MaxLength, s.Pattern
	n.minimum, n.maximum, n.multipleOf = s.Minimum, s.Maximum, s.MultipleOf
	n.exclusiveMinimum, n.exclusiveMaximum = s.ExclusiveMinimum, s.ExclusiveMaximum
	if len(s.Enum) > 0 {
		n.hasEnum, n.enum = true, map[string]bool{}
		for _, e := range s.Enum {
			str, ok := e.(string)
			if !ok {
				return &fastNode{unsupported: true}
			}
			n.enum[str] = true
		}
	}
	n.minItems, n.maxItems = s.MinItems, s.MaxItems
	if s.Items != nil {
		n.items = compileFast(s.Items.Schema, formats, depth+1)
	}
	n.minProperties, n.maxProperties, n.required = s.MinProperties, s.MaxProperties, s.Required
	if len(s.Properties) > 0 {
		n.properties = make(map[string]*fastNode, len(s.Properties))
		for name, p := range s.Properties {
			n.properties[name] = compileFast(&p, formats, depth+1)
		}
	}
	n.allOf = compileEach(s.AllOf, formats, depth)
	n.anyOf = compileEach(s.AnyOf, formats, depth)
	if len(s.OneOf) > 0 {
		if n.oneOf = compileOneOf(s.OneOf, formats, depth); n.oneOf == nil {
			return &fastNode{unsupported: true}
		}
	}
	if a := s.AdditionalProperties; a != nil {
		n.closed = !a.Allows
		if a.Schema != nil {
			n.additional = compileFast(a.Schema, formats, depth+1)
		}
	}
	return n
}

func compileEach(schemas []spec.Schema, formats strfmt.Registry, depth int) []*fastNode {
	var out []*fastNode
	for i := range schemas {
		out = append(out, compileFast(&schemas[i], formats, depth+1))
	}
	return out
}

// compileOneOf: the branches of a oneOf whose branches each name one type and nothing else, and
// not both integer and number; nil for any other oneOf. kube-openapi's type check lets a value
// pass {type: T} only when T is the value's own type, or for integer and number each other's
// (an integral float, any integer): so a value passes at most one of these branches, and passing
// one (checked at least as strictly as there) is passing exactly one.
func compileOneOf(schemas []spec.Schema, formats strfmt.Registry, depth int) []*fastNode {
	branches := compileEach(schemas, formats, depth)
	seen := map[string]bool{}
	for _, b := range branches {
		bare := &fastNode{typ: b.typ, numType: b.numType, numFormat: b.numFormat}
		switch b.typ {
		case "string", "integer", "number", "boolean", "array", "object":
		default:
			return nil
		}
		if seen[b.typ] || !reflect.DeepEqual(b, bare) {
			return nil
		}
		seen[b.typ] = true
	}
	if seen["integer"] && seen["number"] {
		return nil
	}
	return branches
}

// fastModels: whether every constraint of s is one fastNode models (fastschema_test.go lists
// the fields of spec.SchemaProps this was written against: a new one fails that test).
func fastModels(s *spec.Schema) bool {
	switch {
	case s.Ref.String() != "", len(s.Type) > 1, s.Type.Contains("null"):
		return false
	case s.Not != nil, len(s.Dependencies) > 0:
		return false
	case len(s.PatternProperties) > 0, s.UniqueItems, s.AdditionalItems != nil:
		return false
	case s.Items != nil && (s.Items.Schema == nil || len(s.Items.Schemas) > 0):
		return false
	case s.AdditionalProperties != nil && !s.AdditionalProperties.Allows && s.AdditionalProperties.Schema != nil:
		return false
	}
	return true
}

// numberTypeAndFormat: the type and format kube-openapi's number validator checks a number's
// range against (validate.SchemaValidator.numberValidator).
func numberTypeAndFormat(s *spec.Schema) (string, string) {
	if len(s.Type) != 1 {
		return "", ""
	}
	switch t := s.Type[0]; t {
	case "integer":
		if s.Format == "int32" || s.Format == "int64" {
			return t, s.Format
		}
		return t, ""
	case "number":
		if s.Format == "float" || s.Format == "double" {
			return t, s.Format
		}
		return t, ""
	}
	return "", ""
}

// valid: whether v certainly passes this node (false: not known, ask the real validator).
func (n *fastNode) valid(v any) bool {
	if n == nil {
		return true
	}
	if n.unsupported || !n.typeValid(v) {
		return false
	}
	if n.hasEnum {
		str, ok := v.(string)
		if !ok || !n.enum[str] {
			return false
		}
	}
	if !n.branchesValid(v) {
		return false
	}
	switch x := v.(type) {
	case string:
		return n.stringValid(x)
	case int64, float64:
		return n.numberValid(x)
	case bool:
		return true
	case []any:
		return n.listValid(x)
	case map[string]any:
		return n.objectValid(x)
	}
	return false
}

// branchesValid: every allOf branch, some anyOf branch, one oneOf branch.
func (n *fastNode) branchesValid(v any) bool {
	for _, b := range n.allOf {
		if !b.valid(v) {
			return false
		}
	}
	if len(n.anyOf) > 0 && !slices.ContainsFunc(n.anyOf, func(b *fastNode) bool { return b.valid(v) }) {
		return false
	}
	if len(n.oneOf) == 0 {
		return true
	}
	passed := 0
	for _, b := range n.oneOf {
		if b.valid(v) {
			passed++
		}
	}
	return passed == 1
}

// typeValid: kube-openapi's type check (validate's typeValidator) for the value types an
// unstructured object holds; null and anything unexpected are not decided here.
func (n *fastNode) typeValid(v any) bool {
	switch v.(type) {
	case string, []any, map[string]any, int64, float64, bool:
	default:
		return false
	}
	switch n.typ {
	case "":
		if n.format == "" {
			return true
		}
		// A format without a type: strings and lists pass, other values are refused.
		switch v.(type) {
		case string, []any:
			return true
		}
		return false
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		_, ok := v.(int64)
		return ok
	case "number":
		switch v.(type) {
		case int64, float64:
			return true
		}
	}
	return false
}

func (n *fastNode) stringValid(s string) bool {
	if n.maxLength != nil && validate.MaxLength("", "", s, *n.maxLength) != nil {
		return false
	}
	if n.minLength != nil && validate.MinLength("", "", s, *n.minLength) != nil {
		return false
	}
	if n.pattern != "" && validate.Pattern("", "", s, n.pattern) != nil {
		return false
	}
	return n.formats == nil || validate.FormatOf("", "", n.format, s, n.formats) == nil
}

// numberValid: kube-openapi's number validator, step by step. A bound that is itself out of the
// type's range (a maximum of 9223372036854775807 for an integer, read as a float64 past int64's
// range; a fractional multipleOf for an integer) is an error there for every value: such a bound
// is not decided here.
func (n *fastNode) numberValid(v any) bool {
	if validate.IsValueValidAgainstRange(v, n.numType, n.numFormat, "Checked", "") != nil {
		return false
	}
	inRange := func(bound float64) bool {
		return validate.IsValueValidAgainstRange(bound, n.numType, n.numFormat, "Bound", "") == nil
	}
	if m := n.multipleOf; m != nil && (!inRange(*m) || validate.MultipleOfNativeType("", "", v, *m) != nil) {
		return false
	}
	if m := n.maximum; m != nil && (!inRange(*m) || validate.MaximumNativeType("", "", v, *m, n.exclusiveMaximum) != nil) {
		return false
	}
	if m := n.minimum; m != nil && (!inRange(*m) || validate.MinimumNativeType("", "", v, *m, n.exclusiveMinimum) != nil) {
		return false
	}
	return true
}

func (n *fastNode) listValid(list []any) bool {
	size := int64(len(list))
	if n.minItems != nil && size < *n.minItems || n.maxItems != nil && size > *n.maxItems {
		return false
	}
	if n.items == nil {
		return true
	}
	for _, item := range list {
		if !n.items.valid(item) {
			return false
		}
	}
	return true
}

func (n *fastNode) objectValid(m map[string]any) bool {
	size := int64(len(m))
	if n.minProperties != nil && size < *n.minProperties || n.maxProperties != nil && size > *n.maxProperties {
		return false
	}
	for _, name := range n.required {
		if _, ok := m[name]; !ok {
			return false
		}
	}
	for key, value := range m {
		if p, ok := n.properties[key]; ok {
			if !p.valid(value) {
				return false
			}
			continue
		}
		if n.closed || n.additional != nil && !n.additional.valid(value) {
			return false
		}
	}
	return true
}

// fastSchemaValidator: the kind's schema validator with the fast path in front.
type fastSchemaValidator struct {
	validation.SchemaValidator
	root *fastNode
}

// fastObserved (tests only, nil otherwise): told of each value validated and the fast path's
// answer, before the real validator is asked (when the answer is false).
var fastObserved func(f *fastSchemaValidator, value any, fast bool)

func (f *fastSchemaValidator) Validate(value any, options ...validation.ValidationOption) *validate.Result {
	fast := f.root.valid(value)
	if fastObserved != nil {
		fastObserved(f, value, fast)
	}
	if fast {
		return &validate.Result{}
	}
	return f.SchemaValidator.Validate(value, options...)
}

// withFastPath: real with the fast path in front, when real is kubectl-validate's adapter of a
// kube-openapi SchemaValidator (whose schema and formats it reads); nil otherwise (real is used
// as it is).
func withFastPath(real validation.SchemaValidator) *fastSchemaValidator {
	sv, ok := openAPIValidatorOf(real)
	if !ok || sv.Schema == nil || sv.KnownFormats == nil {
		return nil
	}
	return &fastSchemaValidator{SchemaValidator: real, root: compileFast(sv.Schema, sv.KnownFormats, 0)}
}

// openAPIValidatorOf: the kube-openapi validator kubectl-validate's basicValidatorAdapter
// embeds (an unexported type of the pinned version: read by its embedded field).
func openAPIValidatorOf(real validation.SchemaValidator) (*validate.SchemaValidator, bool) {
	v := reflect.ValueOf(real)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	f := v.Elem().FieldByName("SchemaValidator")
	if !f.IsValid() || !f.CanInterface() {
		return nil, false
	}
	sv, ok := f.Interface().(*validate.SchemaValidator)
	return sv, ok && sv != nil
}
