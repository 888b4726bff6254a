package main

// int-or-string fields: the schemas say x-kubernetes-int-or-string without a type, so the schema
// validator takes any value there, while the API server refuses what is neither an integer nor a
// string (`targetPort: true`, `maxSurge: [1]`: IntOrString's decoding fails). Built-in kinds are
// walked along their Go types (k8s.io/api, as the API server decodes them), custom resources along
// their structural schema.

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"

	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
)

var intOrStringType = reflect.TypeOf(intstr.IntOrString{})

// intOrString: is v what IntOrString decodes (a string, an integer; null leaves it unset)?
func intOrString(v any) bool {
	switch x := v.(type) {
	case nil, string:
		return true
	case float64:
		return x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32
	}
	return false
}

func intOrStringFinding(path []any, v any) finding {
	return finding{Rule: "PCV001", Path: append([]any{}, path...), Message: fmt.Sprintf("%s: Invalid value: %v: must be an integer or a string (int-or-string)", printPath(path), v)}
}

func printPath(path []any) string {
	var b strings.Builder
	for _, p := range path {
		if n, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", n)
		} else {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(fmt.Sprint(p))
		}
	}
	return b.String()
}

func with(path []any, p any) []any {
	return append(path[:len(path):len(path)], p)
}

// builtinIntOrString: the int-or-string values of a built-in object that are neither.
func builtinIntOrString(gvk schema.GroupVersionKind, obj map[string]any) []finding {
	t := typeOf(gvk)
	if t == nil {
		return nil
	}
	var out []finding
	walkTyped(t, obj, nil, &out)
	return out
}

// The Go type of each built-in kind (GroupVersionKind -> reflect.Type, nil when the scheme has
// none), looked up once per kind rather than allocating an object for each document.
var typesOfKinds sync.Map

func typeOf(gvk schema.GroupVersionKind) reflect.Type {
	if v, ok := typesOfKinds.Load(gvk); ok {
		t, _ := v.(reflect.Type)
		return t
	}
	var t reflect.Type
	if typed, err := clientscheme.Scheme.New(gvk); err == nil {
		t = reflect.TypeOf(typed)
	}
	typesOfKinds.Store(gvk, t)
	return t
}

func walkTyped(t reflect.Type, v any, path []any, out *[]finding) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == intOrStringType {
		if !intOrString(v) {
			*out = append(*out, intOrStringFinding(path, v))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				walkTyped(f.Type, v, path, out)
				continue
			}
			if c, ok := m[name]; ok && name != "" && name != "-" {
				walkTyped(f.Type, c, with(path, name), out)
			}
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			for i, c := range list {
				walkTyped(t.Elem(), c, with(path, i), out)
			}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for k, c := range m {
				walkTyped(t.Elem(), c, with(path, k), out)
			}
		}
	}
}

// crdIntOrString: the same along a custom resource's structural schema.
func crdIntOrString(s *structuralschema.Structural, v any, path []any, out *[]finding) {
	if s == nil {
		return
	}
	if s.XIntOrString {
		if !intOrString(v) {
			*out = append(*out, intOrStringFinding(path, v))
		}
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if p, ok := s.Properties[k]; ok {
				crdIntOrString(&p, c, with(path, k), out)
			} else if s.AdditionalProperties != nil {
				crdIntOrString(s.AdditionalProperties.Structural, c, with(path, k), out)
			}
		}
	case []any:
		for i, c := range x {
			crdIntOrString(s.Items, c, with(path, i), out)
		}
	}
}
