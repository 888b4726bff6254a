package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// forgetBuiltins: as in a new process, no built-in kind was compiled.
func forgetBuiltins() {
	builtinsMu.Lock()
	builtinsShared = map[string]*compiledKind{}
	builtinsMu.Unlock()
}

// A built-in kind compiled by one schema set is used by the next sets of the same version (one
// with a bundled CRD file more, one with the repository's CRDs), except in a set where a CRD
// defines a kind in the same group-version; every answer is the one each set gives compiling its
// own.
func TestBuiltinKindsSharedAcrossSetsAnswerAsUnshared(t *testing.T) {
	version := manifest().Versions[0]
	var docs []json.RawMessage
	for _, d := range differentialDocuments {
		docs = append(docs, json.RawMessage(d))
	}
	docs = append(docs, generatedDocuments(t, 200)...)
	// A CRD of a kind in apps/v1: the set that has it merges its document into the built-in one.
	apps := strings.NewReplacer(`"group":"example.com"`, `"group":"apps"`, `"widgets.example.com"`, `"widgets.apps"`).Replace(widgetCRD)
	sets := func() []*schemaSet {
		return []*schemaSet{
			mustSet(t, version, nil, nil),
			mustSet(t, version, nil, entryCases(t)[0].bundled[:1]),
			mustSet(t, version, []json.RawMessage{json.RawMessage(widgetCRD)}, nil),
			mustSet(t, version, []json.RawMessage{json.RawMessage(apps)}, nil),
		}
	}
	answers := func(all []*schemaSet) [][]result {
		var out [][]result
		for _, s := range all {
			var rs []result
			for _, d := range docs {
				rs = append(rs, sortedFindings(s.checkSafely(d, docHead{})))
			}
			out = append(out, rs)
		}
		return out
	}
	forgetSets()
	forgetBuiltins()
	shareBuiltins = false
	want := answers(sets())
	shareBuiltins = true
	forgetSets()
	forgetBuiltins()
	all := sets()
	got := answers(all)
	for i := range want {
		for j := range want[i] {
			if !reflect.DeepEqual(want[i][j], got[i][j]) {
				t.Errorf("set %d, %.200s: compiled apart %+v, shared %+v", i, docs[j], want[i][j], got[i][j])
			}
		}
	}
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	if all[0].kinds[deployment] == nil || all[1].kinds[deployment] != all[0].kinds[deployment] || all[2].kinds[deployment] != all[0].kinds[deployment] {
		t.Errorf("the Deployment kind was not shared by the sets")
	}
	if all[3].kinds[deployment] == nil || all[3].kinds[deployment] == all[0].kinds[deployment] {
		t.Errorf("the set with a CRD in apps/v1 took the shared Deployment kind")
	}
}
