package main

// The message path, proven against the apiserver itself: every case runs through this program's
// evaluation and through k8s.io/apiserver's own ValidatingAdmissionPolicy dispatcher (the code
// behind `kubectl apply`'s error), with the same policies, bindings, params and Namespaces. The
// dispatcher's error must be this program's first Deny text, its warnings this program's Warn
// texts, and a request it admits must have no Deny here.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/warning"
	"sigs.k8s.io/yaml"
)

type recorder struct{ texts []string }

func (r *recorder) AddWarning(_, text string) { r.texts = append(r.texts, text) }

type dispatchCase struct {
	Name       string                   `json:"name"`
	Load       json.RawMessage          `json:"load"`
	Object     map[string]interface{}   `json:"object"`
	Deny       []string                 `json:"deny"`
	Warn       []string                 `json:"warn"`
	Audit      []string                 `json:"audit"`
	Unknown    []string                 `json:"unknown"`
	Namespaces []map[string]interface{} `json:"-"`
}

// readCases reads testdata/*.yaml: each file a list of cases (the fixtures are this project's own).
func readCases(t *testing.T) []dispatchCase {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata/*.yaml cases")
	}
	var all []dispatchCase
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []dispatchCase
		if err := yaml.Unmarshal(raw, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range cases {
			cases[i].Name = filepath.Base(f) + ": " + cases[i].Name
		}
		all = append(all, cases...)
	}
	return all
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

func TestAgainstTheApiserverDispatcher(t *testing.T) {
	for _, c := range readCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			s := &server{vap: newVapState(nil), templates: map[string]*gkTemplate{}}
			line, _ := json.Marshal(map[string]interface{}{"op": "load"})
			var req request
			_ = json.Unmarshal(line, &req)
			if err := json.Unmarshal(c.Load, &req); err != nil {
				t.Fatal(err)
			}
			if got := s.load(&req).(loadAnswer); len(got.Problems) > 0 {
				t.Fatalf("load problems: %v", got.Problems)
			}
			answer := s.vap.evaluate(c.Object).(vapAnswer)
			var deny, warn, audit, unknown []string
			for _, r := range answer.Results {
				switch r.Action {
				case "Deny":
					deny = append(deny, r.Text)
				case "Warn":
					warn = append(warn, r.Text)
				case "Audit":
					audit = append(audit, r.Text)
				}
			}
			for _, u := range answer.Unknown {
				unknown = append(unknown, u.Reason)
			}
			check := func(what string, got, want []string) {
				if !reflect.DeepEqual(sorted(got), sorted(want)) {
					t.Errorf("%s:\n got  %q\n want %q", what, got, want)
				}
			}
			check("deny", deny, c.Deny)
			check("warn", warn, c.Warn)
			check("audit", audit, c.Audit)
			check("unknown", unknown, c.Unknown)
			if len(c.Unknown) == 0 {
				compareWithDispatcher(t, s.vap, c.Object, deny, warn)
			}
		})
	}
}

// compareWithDispatcher runs the apiserver's dispatcher on the same request.
func compareWithDispatcher(t *testing.T, s *vapState, object map[string]interface{}, deny, warn []string) {
	var hooks []validating.PolicyHook
	for _, e := range s.entries {
		hooks = append(hooks, validating.PolicyHook{
			Policy: e.policy, Bindings: e.bindings, ParamInformer: e.params, ParamScope: e.scope, Evaluator: e.validator,
		})
	}
	// A namespaced object's Namespace exists in a cluster (the dispatcher reads it); one the
	// repository does not hold is added bare, and this program must answer the same with it.
	if ns, _, _ := unstructured.NestedString(object, "metadata", "namespace"); ns != "" {
		if _, err := s.namespaces.Get(ns); err != nil {
			_ = s.nsIndexer.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			again := s.evaluate(object).(vapAnswer)
			var denyAgain []string
			for _, r := range again.Results {
				if r.Action == "Deny" {
					denyAgain = append(denyAgain, r.Text)
				}
			}
			if !reflect.DeepEqual(denyAgain, deny) {
				t.Errorf("with its Namespace present: %q, without: %q", denyAgain, deny)
			}
		}
	}
	req, _ := s.request(object)
	rec := &recorder{}
	ctx := warning.WithWarningRecorder(context.Background(), rec)
	d := validating.NewDispatcher(nil, generic.NewPolicyMatcher(s.rawMatcher))
	err := d.Dispatch(ctx, req.attrs, s.objects, hooks)
	if err == nil && len(deny) > 0 {
		t.Errorf("the apiserver admits the request; here it is denied: %q", deny)
	}
	if err != nil && (len(deny) == 0 || err.Error() != deny[0]) {
		t.Errorf("the apiserver says %q; here the first deny is %q", err.Error(), deny)
	}
	if !reflect.DeepEqual(sorted(rec.texts), sorted(warn)) {
		t.Errorf("the apiserver warns %q; here %q", rec.texts, warn)
	}
}
