package main

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// wholeSchemeLifecycles: the lifecycles as read before, every type of the scheme at once (the
// kinds whose methods say a deprecation or a removal).
func wholeSchemeLifecycles() map[schema.GroupVersionKind]lifecycle {
	out := map[schema.GroupVersionKind]lifecycle{}
	for gvk, t := range scheme.Scheme.AllKnownTypes() {
		obj, err := scheme.Scheme.New(gvk)
		if err != nil || t == nil {
			continue
		}
		l := lifecycleOfObject(obj)
		if l.deprecated > 0 || l.removed > 0 {
			out[gvk] = l
		}
	}
	return out
}

// The lifecycle worked out for one kind is the whole scheme's reading of that kind, for every kind
// the scheme knows (some with a deprecation, a removal, a replacement) and for kinds it does not
// (another version or group of a known kind, an unversioned kind under a made-up version, the
// internal version, an empty kind).
func TestLifecycleOfKindIsTheWholeSchemesReading(t *testing.T) {
	whole := wholeSchemeLifecycles()
	if len(whole) < 20 {
		t.Fatalf("the scheme gave %d lifecycles: too few to compare", len(whole))
	}
	kinds := []schema.GroupVersionKind{
		{Group: "apps", Version: "v9", Kind: "Deployment"},
		{Group: "example.com", Version: "v1", Kind: "Deployment"},
		{Group: "x", Version: "v1", Kind: "Status"},
		{Version: "v2", Kind: "APIGroup"},
		{Group: "apps", Version: "__internal", Kind: "Deployment"},
		{},
	}
	replaced := 0
	for gvk := range scheme.Scheme.AllKnownTypes() {
		kinds = append(kinds, gvk)
		if !whole[gvk].replacement.Empty() {
			replaced++
		}
	}
	if replaced == 0 {
		t.Fatal("no lifecycle names a replacement: nothing compared there")
	}
	for _, gvk := range kinds {
		if got, want := lifecycleOfKind(gvk), whole[gvk]; got != want {
			t.Errorf("%v: got %+v, want %+v", gvk, got, want)
		}
	}
}
