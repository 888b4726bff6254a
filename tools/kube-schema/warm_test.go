package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// warmHints: right, wrong and hostile hints (KUBE_SCHEMA_WARM).
func warmHints() []string {
	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprintf("apps/v1/Deployment%d", i)
	}
	manyJSON, _ := json.Marshal(map[string]any{"kinds": append(many, "v1/Service")})
	return []string{
		"",
		`{"kinds":["apps/v1/Deployment","v1/Service","v1/ConfigMap"]}`,
		`{"kinds":["kustomize.toolkit.fluxcd.io/v1/Kustomization","argoproj.io/v1alpha1/Application"]}`,
		`{"version":"` + manifest().Versions[len(manifest().Versions)-1] + `","kinds":["apps/v1/Deployment"]}`,
		`{"kinds":["batch/v1/Job","example.com/v1/Widget","extensions/v1beta1/Ingress","v1/List"]}`,
		`{"kinds":["apiextensions.k8s.io/v1/CustomResourceDefinition","rbac.authorization.k8s.io/v1/ClusterRole"]}`,
		`{{{`,
		`{"kinds":[1,2]}`,
		`{"version":"../../etc","kinds":["apps/v1/Deployment"]}`,
		`{"version":"1.99"}`,
		`{"kinds":["../../../x","/","a//b","v1/","/Pod","apps/v1/","Deployment","ä/v1/Ö","apps/v1/Deployment\u0000"]}`,
		string(manyJSON),
		strings.Repeat(" ", maxWarmHint+1) + `{"kinds":["v1/Service"]}`,
	}
}

// warmRequests: what a session asks, in the built-in, bundled, removed, CRD and unknown cases.
func warmRequests() []string {
	newest, oldest := manifest().Versions[0], manifest().Versions[len(manifest().Versions)-1]
	builtin := append([]string{}, differentialDocuments[4:]...)
	builtin = append(builtin,
		`{"apiVersion":"extensions/v1beta1","kind":"Ingress","metadata":{"name":"i"}}`,
		`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"spec":{"containers":[{"name":"x"}]}},"backoffLimit":"x"}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"warm-up"}}`,
		`{"apiVersion":"v1","kind":"List","items":[]}`,
	)
	docs := append(append([]string{}, differentialDocuments[:4]...), builtin...)
	docs = append(docs,
		`{"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization","metadata":{"name":"k"},"spec":{"interval":"5m","prune":"yes","sourceRef":{"kind":"GitRepository","name":"r"},"bogus":1}}`,
		`{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"a"},"spec":{"project":"p"}}`,
		widgetCRD,
	)
	all := "[" + strings.Join(docs, ",") + "]"
	widgets := "[" + strings.Join(differentialDocuments[:4], ",") + `,{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"}}]`
	return []string{
		`{"versions":true}`,
		// Built-in kinds only first: the set the warm-up made is the one this request uses.
		`{"version":"` + newest + `","documents":[` + strings.Join(builtin, ",") + `]}`,
		`{"version":"` + newest + `","documents":` + all + `}`,
		`{"version":"` + oldest + `","documents":` + all + `}`,
		`{"version":"","crdSet":"w","crds":[` + widgetCRD + `],"documents":` + widgets + `}`,
		`{"version":"` + newest + `","crdSet":"w","crdsIfUnknown":true,"documents":` + widgets + `}`,
	}
}

// warmAnswersOf: each request's answer (findings in one order), as serveAll gives them with the
// warm-up of the hint: done in full before the first request (ahead), or side by side with the
// requests, all read at once.
func warmAnswersOf(lines []string, hint string, ahead bool) []string {
	var warm *warming
	if plan, ok := warmPlanOf(hint); ok && hint != "-" {
		warm = startWarmUp(plan.steps())
		if ahead {
			<-warm.done
		}
	}
	queue := make(chan *readRequest, readAhead)
	for _, l := range lines {
		queue <- readRequestOf([]byte(l))
	}
	close(queue)
	var out []string
	answerAll(queue, warm, func() {}, func(a any) {
		if ans, ok := a.(answer); ok {
			for i, res := range ans.Results {
				ans.Results[i] = sortedFindings(res)
			}
			a = ans
		}
		b, _ := json.Marshal(a)
		out = append(out, string(b))
	})
	return out
}

// A hint changes no answer: with the warm-up done in full before the first request, or cut short
// by it, each request's answer is the one a process without warm-up ("-") gives, whatever the
// hint says.
func TestWarmUpChangesNoAnswer(t *testing.T) {
	forgetSets()
	want := warmAnswersOf(warmRequests(), "-", false)
	for _, hint := range warmHints() {
		for _, ahead := range []bool{true, false} {
			forgetSets()
			got := warmAnswersOf(warmRequests(), hint, ahead)
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("hint %.80q (ahead: %v), request %d:\nwant %s\ngot  %s", hint, ahead, i, want[i], got[i])
				}
			}
		}
	}
	forgetSets()
}

// What a hint plans: the carried kinds it names, once each, at most maxWarmKinds; the version
// only when carried; nothing at all for a hint that is not the JSON of one.
func TestWarmPlanReadsOnlyCarriedKinds(t *testing.T) {
	newest, oldest := manifest().Versions[0], manifest().Versions[len(manifest().Versions)-1]
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	service := schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	flux := schema.GroupVersionKind{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Kind: "Kustomization"}
	cases := []struct {
		hint  string
		ok    bool
		plan  warmPlan
		steps int
	}{
		{"", true, warmPlan{version: newest}, 1},
		{`{"kinds":["apps/v1/Deployment","v1/Service","apps/v1/Deployment"]}`, true, warmPlan{newest, []schema.GroupVersionKind{deployment, service}}, 3},
		{`{"version":"` + oldest + `","kinds":["kustomize.toolkit.fluxcd.io/v1/Kustomization","example.com/v1/Widget"]}`, true, warmPlan{oldest, []schema.GroupVersionKind{flux}}, 2},
		{warmHints()[10], true, warmPlan{version: newest}, 1},
		{warmHints()[11], true, warmPlan{version: newest, kinds: []schema.GroupVersionKind{service}}, 2},
		{`{{{`, false, warmPlan{}, 0},
		{`{"kinds":[1,2]}`, false, warmPlan{}, 0},
		{`{"version":"../../etc"}`, false, warmPlan{}, 0},
		{warmHints()[12], false, warmPlan{}, 0},
	}
	for _, c := range cases {
		plan, ok := warmPlanOf(c.hint)
		if ok != c.ok || !reflect.DeepEqual(plan, c.plan) {
			t.Errorf("hint %.60q: plan %+v %v, want %+v %v", c.hint, plan, ok, c.plan, c.ok)
		}
		if ok && len(plan.steps()) != c.steps {
			t.Errorf("hint %.60q: %d steps, want %d", c.hint, len(plan.steps()), c.steps)
		}
	}
	var eight []string
	for _, k := range kindsList(newest)[:20] {
		eight = append(eight, `"`+k+`"`)
	}
	plan, _ := warmPlanOf(`{"kinds":[` + strings.Join(eight, ",") + `]}`)
	if len(plan.kinds) != maxWarmKinds {
		t.Errorf("%d kinds planned of 20, want %d", len(plan.kinds), maxWarmKinds)
	}
}

func kindsList(version string) []string {
	var out []string
	for k := range kindsOf(version) {
		out = append(out, k)
	}
	return out
}

// The warm-up gives way: the versions question is answered while a step runs; the first other
// request waits for that step to end, and no step starts after it; a step that panics is dropped;
// without requests every step runs.
func TestWarmUpGivesWay(t *testing.T) {
	var ran atomic.Int32
	step := func() { ran.Add(1) }
	started, release := make(chan struct{}), make(chan struct{})
	blocked := func() { ran.Add(1); close(started); <-release }
	panicking := func() { panic("boom") }

	queue := make(chan *readRequest, 4)
	warm := startWarmUp([]func(){blocked, step, step})
	<-started
	var mu sync.Mutex
	var served []string
	answered := make(chan struct{}, 4)
	go answerAll(queue, warm, func() {}, func(a any) {
		mu.Lock()
		served = append(served, fmt.Sprintf("%T", a))
		mu.Unlock()
		answered <- struct{}{}
	})
	queue <- readRequestOf([]byte(`{"versions":true}`))
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("the versions question waited for the warm-up")
	}
	queue <- readRequestOf([]byte(`{"documents":[]}`))
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	early := len(served)
	mu.Unlock()
	if early != 1 {
		t.Errorf("a validation request was answered while a step ran: %v", served)
	}
	close(release)
	<-answered
	close(queue)
	if ran.Load() != 1 || !reflect.DeepEqual(served, []string{"main.versionsInfo", "main.answer"}) {
		t.Errorf("%d steps ran (want the first only), served %v", ran.Load(), served)
	}

	ran.Store(0)
	warm = startWarmUp([]func(){step, panicking, step})
	<-warm.done
	warm.finish()
	var none *warming
	none.finish()
	if ran.Load() != 2 {
		t.Errorf("nothing asked: %d steps ran (want 2, one panicked)", ran.Load())
	}
}

// A warmed kind is compiled before any request: the first request of that kind then only reads
// what is made (the point of the warm-up).
func TestWarmUpCompilesTheHintedKinds(t *testing.T) {
	forgetSets()
	defer forgetSets()
	plan, ok := warmPlanOf(`{"kinds":["apps/v1/Deployment","kustomize.toolkit.fluxcd.io/v1/Kustomization"]}`)
	if !ok {
		t.Fatal("no plan")
	}
	<-startWarmUp(plan.steps()).done
	heads := documentHeads([]json.RawMessage{json.RawMessage(`{"apiVersion":"apps/v1","kind":"Deployment"}`)})
	set, _, err := schemaSetFor("", noCRDs, heads, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, gvk := range plan.kinds {
		if !set.compiledAlready(docHead{gvk: gvk, ok: true}) {
			t.Errorf("%v not compiled by the warm-up", gvk)
		}
	}
}

// The collector's percentage is set once the second validation request is read: never for a
// process that answers one (with versions questions around it), once for one that answers more.
func TestCollectorTurnsOnAtTheSecondRequest(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  []string
	}{
		{[]string{`{"versions":true}`, `{"documents":[]}`, `{"versions":true}`}, []string{"answer", "answer", "answer"}},
		{[]string{`{"documents":[]}`, `{"versions":true}`, `{"documents":[]}`, `{"documents":[]}`}, []string{"answer", "answer", "gc", "answer", "answer"}},
	} {
		queue := make(chan *readRequest, len(c.lines))
		for _, l := range c.lines {
			queue <- readRequestOf([]byte(l))
		}
		close(queue)
		var got []string
		answerAll(queue, nil, func() { got = append(got, "gc") }, func(any) { got = append(got, "answer") })
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: %v, want %v", c.lines, got, c.want)
		}
	}
}

// The collector is off until the second request (GOGC=off, bin/portcullis's, too), then at
// gcPercent; another GOGC is Go's own and left alone.
func TestCollectorOffForTheFirstRequest(t *testing.T) {
	percent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	for _, c := range []struct {
		env          string
		first, after int
	}{{"", -1, gcPercent}, {"off", -1, gcPercent}, {"150", 100, 100}} {
		t.Setenv("GOGC", c.env)
		debug.SetGCPercent(100)
		afterFirst := tuneGC()
		first := percent()
		afterFirst()
		if first != c.first || percent() != c.after {
			t.Errorf("GOGC=%q: %d then %d, want %d then %d", c.env, first, percent(), c.first, c.after)
		}
	}
}
