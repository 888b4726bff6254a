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

// A schema set lives as long as the process (one per version and repository CRDs): its answers
// per kind are kept for a bounded number of kinds, not one more for every made-up kind a PR names.
func TestLifecycleAnswersKeptPerSetBounded(t *testing.T) {
	s := mustSet(t, manifest().Versions[0], nil, nil)
	for i := 0; i < maxLifecycleMemo+500; i++ {
		for _, group := range []string{"apps", "made-up.example.com"} {
			findings, removed := s.lifecycleFindings(schema.GroupVersionKind{Group: group, Version: "v1", Kind: fmt.Sprintf("MadeUp%d", i)})
			if len(findings) != 0 || removed {
				t.Fatalf("findings for a made-up kind: %+v", findings)
			}
		}
	}
	n := 0
	s.lifecycleMemo.Range(func(_, _ any) bool { n++; return true })
	if n > maxLifecycleMemo {
		t.Errorf("%d answers kept, the bound is %d", n, maxLifecycleMemo)
	}
}
