package main

import (
	"encoding/json"
	"slices"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Warm-up: a process started ahead of its first request (bin/portcullis starts it before Node
// loads its bundle, some 60-75 ms before a one-file check asks) prepares what that request most
// likely needs while nothing is asked: the set of the Kubernetes version (the newest carried, or
// the hint's) and the compiled kinds the hint names, each made by validating a minimal object of
// that kind through the very path a request takes (schemaSetFor, then check). What it makes is
// only what a request would make on its own: the caches keyed by version and kind (the set,
// kubectl-validate's validator entries, the compiled kinds, the lifecycle findings), each a
// function of the embedded schemas alone. A hint therefore changes when work is done, never an
// answer (warm_test.go holds answers with right, wrong and hostile hints to those without).
//
// The hint is KUBE_SCHEMA_WARM, JSON: {"version":"1.37","kinds":["apps/v1/Deployment","v1/Service"]}
// (the kinds as "group/version/Kind", "version/Kind" for the core group). A hint that is not
// such JSON, names a version not carried, or kinds with no carried schema is ignored (in whole
// or for those kinds); at most maxWarmKinds kinds are warmed.
//
// The warm-up runs on a goroutine of its own, one step after the other, until the first request
// that is not the versions question (answered at once, whatever runs): that request waits for the
// step running to end (it would need what the step makes, or make it itself) and no other step
// starts. A step that panics is dropped (its request, if any, meets the same panic and answers it).
const (
	warmEnv      = "KUBE_SCHEMA_WARM"
	maxWarmKinds = 8
	maxWarmHint  = 64 << 10
)

type warmHint struct {
	Version string   `json:"version"`
	Kinds   []string `json:"kinds"`
}

// warmPlan: the version to prepare and the kinds to compile, in the order given.
type warmPlan struct {
	version string
	kinds   []schema.GroupVersionKind
}

// warmPlanOf reads a hint ("" : the newest version's set, no kinds).
func warmPlanOf(hint string) (warmPlan, bool) {
	m := manifest()
	var h warmHint
	if hint != "" && (len(hint) > maxWarmHint || json.Unmarshal([]byte(hint), &h) != nil) {
		return warmPlan{}, false
	}
	plan := warmPlan{version: h.Version}
	if plan.version == "" {
		plan.version = m.Versions[0]
	}
	if !slices.Contains(m.Versions, plan.version) {
		return warmPlan{}, false
	}
	for _, k := range h.Kinds {
		if len(plan.kinds) == maxWarmKinds {
			break
		}
		gvk, ok := warmKindOf(plan.version, k)
		if ok && !slices.Contains(plan.kinds, gvk) {
			plan.kinds = append(plan.kinds, gvk)
		}
	}
	return plan, true
}

// warmKindOf: "apps/v1/Deployment" as a kind the version carries a schema for (built in, or of a
// bundled CRD file's group).
func warmKindOf(version, key string) (schema.GroupVersionKind, bool) {
	if len(key) > 256 {
		return schema.GroupVersionKind{}, false
	}
	i := len(key) - 1
	for i >= 0 && key[i] != '/' {
		i--
	}
	if i <= 0 || i == len(key)-1 {
		return schema.GroupVersionKind{}, false
	}
	h := headOf(key[:i], key[i+1:])
	if !h.ok || h.gvk.Version == "" || gvkKey(h.gvk) != key {
		return schema.GroupVersionKind{}, false
	}
	if kindsOf(version)[key] || len(bundledFor([]docHead{h})) > 0 {
		return h.gvk, true
	}
	return schema.GroupVersionKind{}, false
}

// steps: the plan's work, one step at a time (the set first, then each kind).
func (p warmPlan) steps() []func() {
	heads := make([]docHead, len(p.kinds))
	for i, gvk := range p.kinds {
		heads[i] = docHead{gvk: gvk, ok: true}
	}
	var set *schemaSet
	steps := []func(){func() {
		s, _, err := schemaSetFor(p.version, noCRDs, heads, nil)
		if err == nil {
			s.warmCEL(heads)
			set = s
		}
	}}
	for _, gvk := range p.kinds {
		steps = append(steps, func() {
			if set != nil {
				set.check(minimalObject(gvk))
			}
		})
	}
	return steps
}

// minimalObject: an object of the kind with a name (enough for kubectl-validate to read its
// kind's schema and for check to compile it).
func minimalObject(gvk schema.GroupVersionKind) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"apiVersion": gvk.GroupVersion().String(),
		"kind":       gvk.Kind,
		"metadata":   map[string]any{"name": "warm-up"},
	})
	return b
}

// warming: the warm-up's steps, run one after the other on a goroutine of their own.
type warming struct {
	stop atomic.Bool
	done chan struct{}
}

func startWarmUp(steps []func()) *warming {
	w := &warming{done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for _, step := range steps {
			if w.stop.Load() {
				return
			}
			runWarmStep(step)
		}
	}()
	return w
}

// finish: no step starts any more; returns once the one running (if any) has ended. A request
// that reads or makes sets is answered only then (a nil warming: nothing to wait for).
func (w *warming) finish() {
	if w == nil {
		return
	}
	w.stop.Store(true)
	<-w.done
}

// answerAll: each request's answer, in order; the first that is not the versions question once
// the warm-up has given way, the second once afterFirst has run (tuneGC's).
func answerAll(queue <-chan *readRequest, warm *warming, afterFirst func(), write func(any)) {
	validations := 0
	for r := range queue {
		if !r.versions {
			warm.finish()
			if validations++; validations == 2 {
				afterFirst()
			}
		}
		write(r.serve())
	}
}

func runWarmStep(step func()) {
	defer func() { _ = recover() }()
	step()
}
