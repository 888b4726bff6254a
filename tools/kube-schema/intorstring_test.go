package main

import (
	"encoding/json"
	"reflect"
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
