package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes/scheme"
)

// What k8s.io/api's generated prerelease-lifecycle methods (zz_generated.prerelease-lifecycle.go)
// say of a type: the release that deprecates it, removes it, and what replaces it; the API server
// reads the same methods to stop serving a beta API.
type lifecycle struct {
	deprecated  int // minor version, 0 when unknown
	removed     int
	replacement schema.GroupVersionKind
}

type deprecatedAPI interface{ APILifecycleDeprecated() (int, int) }
type removedAPI interface{ APILifecycleRemoved() (int, int) }
type replacedAPI interface {
	APILifecycleReplacement() schema.GroupVersionKind
}

// lifecycleOfKind: what the lifecycle methods of the scheme's type for gvk say (the zero
// lifecycle for a kind the scheme does not know, or whose methods say neither a deprecation nor a
// removal). Worked out per kind when first asked (kindLifecycles): only the kinds a
// run validates, not every type of the scheme at its first document (~0.6 ms of a one-file
// check's start). lifecycle_test.go holds it to the whole scheme's reading.
func lifecycleOfKind(gvk schema.GroupVersionKind) lifecycle {
	if v, ok := kindLifecycles.Load(gvk); ok {
		return v.(lifecycle)
	}
	// Kept only for the scheme's kinds: a document may name any kind, and the process is long.
	if !scheme.Scheme.Recognizes(gvk) {
		return lifecycle{}
	}
	l := lifecycleFromScheme(gvk)
	kindLifecycles.Store(gvk, l)
	return l
}

var kindLifecycles sync.Map

func lifecycleFromScheme(gvk schema.GroupVersionKind) lifecycle {
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return lifecycle{}
	}
	if l := lifecycleOfObject(obj); l.deprecated > 0 || l.removed > 0 {
		return l
	}
	return lifecycle{}
}

// lifecycleOfObject: what an object's lifecycle methods say.
func lifecycleOfObject(obj any) lifecycle {
	var l lifecycle
	if d, ok := obj.(deprecatedAPI); ok {
		if major, minor := d.APILifecycleDeprecated(); major == 1 {
			l.deprecated = minor
		}
	}
	if r, ok := obj.(removedAPI); ok {
		if major, minor := r.APILifecycleRemoved(); major == 1 {
			l.removed = minor
		}
	}
	if r, ok := obj.(replacedAPI); ok {
		l.replacement = r.APILifecycleReplacement()
	}
	return l
}

// maxLifecycleMemo: how many kinds' lifecycle answers a schema set keeps.
const maxLifecycleMemo = 1 << 12

func apiVersionOf(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String()
}

// replacementFor: what the lifecycle names, else the same kind in the target version's
// documents (the same group first, then GA versions first).
func (s *schemaSet) replacementFor(gvk schema.GroupVersionKind) string {
	if l := lifecycleOfKind(gvk); !l.replacement.Empty() && s.builtin[gvkKey(l.replacement)] {
		return apiVersionOf(l.replacement)
	}
	var candidates []string
	for k := range s.builtin {
		parts := strings.Split(k, "/")
		if parts[len(parts)-1] != gvk.Kind || k == gvkKey(gvk) {
			continue
		}
		candidates = append(candidates, strings.Join(parts[:len(parts)-1], "/"))
	}
	// The same group first, then Kubernetes' own version order: GA before beta before alpha, the
	// highest first (autoscaling/v2beta2 -> autoscaling/v2, not v1).
	rank := func(gv string) int {
		if !strings.HasPrefix(gv, gvk.Group+"/") && !(gvk.Group == "" && !strings.Contains(gv, "/")) {
			return 1
		}
		return 0
	}
	versionOf := func(gv string) string { return gv[strings.LastIndex(gv, "/")+1:] }
	sort.Slice(candidates, func(i, j int) bool {
		ri, rj := rank(candidates[i]), rank(candidates[j])
		if ri != rj {
			return ri < rj
		}
		if c := version.CompareKubeAwareVersionStrings(versionOf(candidates[i]), versionOf(candidates[j])); c != 0 {
			return c > 0
		}
		return candidates[i] < candidates[j]
	})
	if len(candidates) == 0 {
		return ""
	}
	return candidates[0]
}

// lifecycleAnswer: lifecycleFindings' answer for one kind.
type lifecycleAnswer struct {
	findings []finding
	removed  bool
}

// lifecycleFindings: PCV003 when the target version does not serve a built-in API version (the
// document is then not validated further), PCV004 when it serves a deprecated one. It depends
// only on the set's version and the kind: worked out once per kind (replacementFor sorts the
// version's kinds), a copy of the findings each time (the caller appends to them).
func (s *schemaSet) lifecycleFindings(gvk schema.GroupVersionKind) ([]finding, bool) {
	v, ok := s.lifecycleMemo.Load(gvk)
	if !ok {
		findings, removed := s.lifecycleOf(gvk)
		v = lifecycleAnswer{findings, removed}
		// Kept for so many kinds at most: the set lives as long as the process, and a document
		// may name any kind.
		if s.lifecycleMemoSize.Add(1) <= maxLifecycleMemo {
			v, _ = s.lifecycleMemo.LoadOrStore(gvk, v)
		}
	}
	a := v.(lifecycleAnswer)
	return slices.Clone(a.findings), a.removed
}

func (s *schemaSet) lifecycleOf(gvk schema.GroupVersionKind) (findings []finding, removed bool) {
	if !builtinGroups()[gvk.Group] {
		return nil, false
	}
	target := minorOf(s.version)
	l := lifecycleOfKind(gvk)
	replacement := s.replacementFor(gvk)
	use := "no replacement is served"
	if replacement != "" {
		use = "use " + replacement
	}
	name := fmt.Sprintf("%s %s", apiVersionOf(gvk), gvk.Kind)
	if !s.builtin[gvkKey(gvk)] {
		if !s.kindServedElsewhere(gvk) && l.removed == 0 {
			// An API version no carried release serves and no lifecycle knows: unknown, not removed.
			return nil, false
		}
		return []finding{{
			Rule:    "PCV003",
			Path:    []any{"apiVersion"},
			Message: fmt.Sprintf("%s is not served by Kubernetes %s (%s); %s", name, s.version, removedWhen(gvk, l), use),
		}}, true
	}
	if l.deprecated > 0 && l.deprecated <= target {
		when := "a later release"
		if l.removed > 0 {
			when = fmt.Sprintf("Kubernetes 1.%d", l.removed)
		}
		return []finding{{
			Rule:    "PCV004",
			Path:    []any{"apiVersion"},
			Message: fmt.Sprintf("%s is deprecated since Kubernetes 1.%d and removed in %s; %s", name, l.deprecated, when, use),
		}}, false
	}
	return nil, false
}

// kindServedElsewhere: whether the kind is known to Kubernetes at all (another version serves it,
// or a carried release served this one).
func (s *schemaSet) kindServedElsewhere(gvk schema.GroupVersionKind) bool {
	if len(versionsServing(gvk)) > 0 {
		return true
	}
	return s.replacementFor(gvk) != ""
}

func removedWhen(gvk schema.GroupVersionKind, l lifecycle) string {
	if l.removed > 0 {
		return fmt.Sprintf("removed in Kubernetes 1.%d", l.removed)
	}
	serving := versionsServing(gvk)
	if len(serving) > 0 {
		return fmt.Sprintf("removed in Kubernetes 1.%d", minorOf(serving[len(serving)-1])+1)
	}
	versions := manifest().Versions
	return fmt.Sprintf("no release since Kubernetes %s serves it", versions[len(versions)-1])
}
