package main

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A PR's documents name any kind in a built-in group (apps/v1 Widget0, Widget1, ...): a long
// process (one kube-schema per app worker) keeps a lifecycle only for the kinds the scheme knows,
// not one more for every made-up kind it is ever asked about.
func TestLifecyclesKeptOnlyForKindsTheSchemeKnows(t *testing.T) {
	count := func() (n int) {
		kindLifecycles.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	lifecycleOfKind(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"})
	before := count()
	for i := 0; i < 500; i++ {
		gvk := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: fmt.Sprintf("MadeUp%d", i)}
		if l := lifecycleOfKind(gvk); l != (lifecycle{}) {
			t.Fatalf("%v: a lifecycle for a kind the scheme does not know: %+v", gvk, l)
		}
	}
	if after := count(); after > before {
		t.Errorf("%d lifecycles kept for made-up kinds", after-before)
	}
}
