package main

import (
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
)

// crdIntOrString walks a custom resource along its whole structural schema, copying each
// property's schema (a large struct, on the heap) at every field it visits, though most kinds
// have int-or-string fields in a few places only (prometheus-operator's: ports). intOrStringTree
// is the same walk compiled once per kind: only the branches that lead to an int-or-string field,
// each node keeping all its property names (a named property never falls back to
// additionalProperties, as in crdIntOrString). The findings are crdIntOrString's
// (crdintorstring_test.go).

// intOrStringTree: a structural schema's int-or-string fields; nil: none below.
type intOrStringTree struct {
	leaf       bool
	properties map[string]*intOrStringTree
	additional *intOrStringTree
	items      *intOrStringTree
}

// intOrStringTreeOf: the tree of s (nil when nothing below s is int-or-string).
func intOrStringTreeOf(s *structuralschema.Structural) *intOrStringTree {
	if s == nil {
		return nil
	}
	if s.XIntOrString {
		return &intOrStringTree{leaf: true}
	}
	t := &intOrStringTree{}
	found := false
	if len(s.Properties) > 0 {
		t.properties = make(map[string]*intOrStringTree, len(s.Properties))
		for name, p := range s.Properties {
			t.properties[name] = intOrStringTreeOf(&p)
			found = found || t.properties[name] != nil
		}
	}
	if s.AdditionalProperties != nil {
		t.additional = intOrStringTreeOf(s.AdditionalProperties.Structural)
		found = found || t.additional != nil
	}
	t.items = intOrStringTreeOf(s.Items)
	if !found && t.items == nil {
		return nil
	}
	return t
}

func (t *intOrStringTree) walk(v any, path []any, out *[]finding) {
	if t == nil {
		return
	}
	if t.leaf {
		if !intOrString(v) {
			*out = append(*out, intOrStringFinding(path, v))
		}
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if p, ok := t.properties[k]; ok {
				if p != nil {
					p.walk(c, with(path, k), out)
				}
			} else if t.additional != nil {
				t.additional.walk(c, with(path, k), out)
			}
		}
	case []any:
		if t.items == nil {
			return
		}
		for i, c := range x {
			t.items.walk(c, with(path, i), out)
		}
	}
}

// intOrStringTree: the kind's tree, made once.
func (k *crdKind) intOrStringTree() *intOrStringTree {
	k.iosOnce.Do(func() { k.ios = intOrStringTreeOf(k.structural) })
	return k.ios
}
