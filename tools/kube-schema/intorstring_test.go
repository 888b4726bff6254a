package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The walk of built-in objects goes only into the types that hold an IntOrString: every
// int-or-string field of a kind is still reached, at any depth, and a kind without one is not
// walked at all.
func TestIntOrStringWalkReachesEveryIntOrStringField(t *testing.T) {
	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"a":"b"}},
"spec":{"strategy":{"rollingUpdate":{"maxSurge":true,"maxUnavailable":"25%"}},
"template":{"spec":{"containers":[{"name":"c","image":"i","env":[{"name":"E","value":"v"}],
"livenessProbe":{"httpGet":{"port":[8080]}},"readinessProbe":{"tcpSocket":{"port":"http"}}}],
"initContainers":[{"name":"i","image":"i","lifecycle":{"preStop":{"httpGet":{"port":1.5}}}}]}}}}`
	var obj map[string]any
	if err := json.Unmarshal([]byte(deployment), &obj); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range builtinIntOrString(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, obj) {
		got[printPath(f.Path)] = true
	}
	want := map[string]bool{
		"spec.strategy.rollingUpdate.maxSurge":                                true,
		"spec.template.spec.containers[0].livenessProbe.httpGet.port":         true,
		"spec.template.spec.initContainers[0].lifecycle.preStop.httpGet.port": true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("want %v\ngot  %v", want, got)
	}
	service := map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": 80.0, "targetPort": false}}}}
	if f := builtinIntOrString(schema.GroupVersionKind{Version: "v1", Kind: "Service"}, service); len(f) != 1 || printPath(f[0].Path) != "spec.ports[0].targetPort" {
		t.Errorf("Service: %v", f)
	}
	configMap := typeOf(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"})
	if configMap.t == nil || configMap.holds[deref(configMap.t)] {
		t.Errorf("a ConfigMap holds no IntOrString: %v", configMap.holds)
	}
}

// The int-or-string fields that sit only in nested or embedded types of other kinds are reached
// too: HPA metrics, a PodDisruptionBudget's minAvailable, an Ingress backend's port (a named
// port), a NetworkPolicy's port, probes in init and ephemeral containers, a CronJob's job template.
func TestIntOrStringWalkReachesNestedFieldsOfOtherKinds(t *testing.T) {
	cases := []struct {
		gvk  schema.GroupVersionKind
		doc  string
		want []string
	}{
		{schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"},
			`{"spec":{"minAvailable":true,"maxUnavailable":"10%"}}`, []string{"spec.minAvailable"}},
		{schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
			`{"spec":{"ingress":[{"ports":[{"port":[1]}]}],"egress":[{"ports":[{"port":"dns"}]}]}}`,
			[]string{"spec.ingress[0].ports[0].port"}},
		{schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "CronJob"},
			`{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"readinessProbe":{"httpGet":{"port":false}}}]}}}}}}`,
			[]string{"spec.jobTemplate.spec.template.spec.containers[0].readinessProbe.httpGet.port"}},
		{schema.GroupVersionKind{Version: "v1", Kind: "Pod"},
			`{"spec":{"initContainers":[{"startupProbe":{"tcpSocket":{"port":{}}}}],"ephemeralContainers":[{"livenessProbe":{"httpGet":{"port":[2]}}}]}}`,
			[]string{"spec.ephemeralContainers[0].livenessProbe.httpGet.port", "spec.initContainers[0].startupProbe.tcpSocket.port"}},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"},
			`{"spec":{"updateStrategy":{"rollingUpdate":{"maxUnavailable":true}}}}`,
			[]string{"spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"},
			`{"spec":{"updateStrategy":{"rollingUpdate":{"maxSurge":true}}}}`,
			[]string{"spec.updateStrategy.rollingUpdate.maxSurge"}},
		{schema.GroupVersionKind{Version: "v1", Kind: "PodTemplate"},
			`{"template":{"spec":{"containers":[{"lifecycle":{"postStart":{"tcpSocket":{"port":true}}}}]}}}`,
			[]string{"template.spec.containers[0].lifecycle.postStart.tcpSocket.port"}},
	}
	for _, c := range cases {
		var obj map[string]any
		if err := json.Unmarshal([]byte(c.doc), &obj); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range builtinIntOrString(c.gvk, obj) {
			got = append(got, printPath(f.Path))
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: want %v, got %v", c.gvk.Kind, c.want, got)
		}
	}
}
