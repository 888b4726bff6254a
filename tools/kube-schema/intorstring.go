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
	"slices"
	"strings"
	"sync"

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
	k := typeOf(gvk)
	if k.t == nil {
		return nil
	}
	var out []finding
	walkTyped(k, k.t, obj, nil, &out)
	return out
}

// typedKind: a built-in kind's Go type and the types within it that hold an IntOrString (the walk
// goes only into those: the others, labels, env lists, most kinds altogether, cannot give one).
type typedKind struct {
	t     reflect.Type
	holds map[reflect.Type]bool
}

// The typedKind of each built-in kind (t nil when the scheme has none), worked out once per kind
// rather than allocating an object for each document.
var typesOfKinds sync.Map

func typeOf(gvk schema.GroupVersionKind) typedKind {
	if v, ok := typesOfKinds.Load(gvk); ok {
		return v.(typedKind)
	}
	var k typedKind
	if typed, err := clientscheme.Scheme.New(gvk); err == nil {
		k = typedKind{reflect.TypeOf(typed), holdingIntOrString(reflect.TypeOf(typed))}
	}
	typesOfKinds.Store(gvk, k)
	return k
}

// holdingIntOrString: the types reachable from root (pointers taken away) through struct fields,
// slice and map elements that are, or reach, IntOrString.
func holdingIntOrString(root reflect.Type) map[reflect.Type]bool {
	children := map[reflect.Type][]reflect.Type{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		t = deref(t)
		if _, seen := children[t]; seen {
			return
		}
		var cs []reflect.Type
		switch t.Kind() {
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				cs = append(cs, deref(t.Field(i).Type))
			}
		case reflect.Slice, reflect.Map:
			cs = append(cs, deref(t.Elem()))
		}
		children[t] = cs
		for _, c := range cs {
			visit(c)
		}
	}
	visit(root)
	holds := map[reflect.Type]bool{intOrStringType: true}
	for changed := true; changed; {
		changed = false
		for t, cs := range children {
			if !holds[t] && slices.ContainsFunc(cs, func(c reflect.Type) bool { return holds[c] }) {
				holds[t], changed = true, true
			}
		}
	}
	return holds
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func walkTyped(k typedKind, t reflect.Type, v any, path []any, out *[]finding) {
	t = deref(t)
	if !k.holds[t] {
		return
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
			if !k.holds[deref(f.Type)] {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				walkTyped(k, f.Type, v, path, out)
				continue
			}
			if c, ok := m[name]; ok && name != "" && name != "-" {
				walkTyped(k, f.Type, c, with(path, name), out)
			}
		}
	case reflect.Slice:
		if list, ok := v.([]any); ok {
			for i, c := range list {
				walkTyped(k, t.Elem(), c, with(path, i), out)
			}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for key, c := range m {
				walkTyped(k, t.Elem(), c, with(path, key), out)
			}
		}
	}
}
