// yaml-oracle prints what Kubernetes' own readers decode from manifests, so Portcullis can prove
// that its policies see the same values (docs/parsing.md).
//
// Protocol: one JSON object a line on stdin, {"id": <any>, "text": "<file content>"}; one JSON
// object a line on stdout for each, in order:
//
//	{"id": ..., "kube": {"docs": [<json>...], "error": "..."}, "kyaml": {...}, "agree": bool,
//	 "path": [...], "kubeValue": <json>, "kyamlValue": <json>}
//
// kube is what kubectl and Argo CD read: k8s.io/apimachinery's YAMLOrJSONDecoder into a
// runtime.RawExtension (sigs.k8s.io/yaml, go-yaml v2 semantics), empty and null documents skipped,
// exactly as kubectl's StreamVisitor and Argo CD's SplitYAMLToString do. kyaml is what kustomize
// (and so Flux) makes of the file: kyaml's ByteReader as kio.FromBytes sets it up (without
// unwrapping a List, which is not a question of reading), written back as `kustomize build` prints
// it and read by apimachinery as Flux applies it. When both read without error and their
// documents differ, path names the first place where they part.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"runtime/debug"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

type request struct {
	ID   json.RawMessage `json:"id"`
	Text string          `json:"text"`
}

type reading struct {
	Docs  []json.RawMessage `json:"docs"`
	Error string            `json:"error,omitempty"`
}

type response struct {
	ID         json.RawMessage `json:"id"`
	Kube       reading         `json:"kube"`
	Kyaml      reading         `json:"kyaml"`
	Agree      bool            `json:"agree"`
	Path       []interface{}   `json:"path,omitempty"`
	KubeValue  interface{}     `json:"kubeValue,omitempty"`
	KyamlValue interface{}     `json:"kyamlValue,omitempty"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(version())
		return
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var req request
			if jerr := json.Unmarshal(line, &req); jerr != nil {
				fmt.Fprintf(os.Stderr, "yaml-oracle: bad request: %v\n", jerr)
				os.Exit(2)
			}
			_ = enc.Encode(answer(req))
			_ = out.Flush()
		}
		if err != nil {
			if err != io.EOF {
				fmt.Fprintf(os.Stderr, "yaml-oracle: %v\n", err)
				os.Exit(2)
			}
			return
		}
	}
}

func answer(req request) (res response) {
	res.ID = req.ID
	res.Kube = kubeRead([]byte(req.Text))
	res.Kyaml = kyamlRead([]byte(req.Text))
	if res.Kube.Error != "" || res.Kyaml.Error != "" {
		res.Agree = res.Kube.Error != "" && res.Kyaml.Error != ""
		return res
	}
	path, a, b, same := compareDocs(res.Kube.Docs, res.Kyaml.Docs)
	res.Agree = same
	if !same {
		res.Path, res.KubeValue, res.KyamlValue = path, a, b
	}
	return res
}

// kubeRead reads as kubectl's StreamVisitor and Argo CD's SplitYAMLToString do.
func kubeRead(text []byte) (r reading) {
	r.Docs = []json.RawMessage{}
	defer func() {
		if p := recover(); p != nil {
			r.Error = fmt.Sprintf("panic: %v", p)
		}
	}()
	d := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(text), 4096)
	for {
		ext := runtime.RawExtension{}
		if err := d.Decode(&ext); err != nil {
			if errors.Is(err, io.EOF) {
				return r
			}
			r.Error = err.Error()
			return r
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		r.Docs = append(r.Docs, canonical(raw))
	}
}

// kyamlRead reads as kustomize's resource factory does (kio.FromBytes, without List unwrapping),
// then as what `kustomize build` prints (each node as kyaml writes it, joined by `---`) is read by
// the one who applies it: Flux's and Argo CD's apimachinery. A node kustomize cannot turn into a
// map (a duplicate key) is the error kustomize reports.
func kyamlRead(text []byte) (r reading) {
	r.Docs = []json.RawMessage{}
	defer func() {
		if p := recover(); p != nil {
			r.Error = fmt.Sprintf("panic: %v", p)
		}
	}()
	nodes, err := (&kio.ByteReader{
		OmitReaderAnnotations: true,
		AnchorsAweigh:         true,
		DisableUnwrapping:     true,
		Reader:                bytes.NewReader(text),
	}).Read()
	if err != nil {
		r.Error = err.Error()
		return r
	}
	var built bytes.Buffer
	for i, n := range nodes {
		if _, err := n.MarshalJSON(); err != nil {
			r.Error = err.Error()
			return r
		}
		out, err := n.String()
		if err != nil {
			r.Error = err.Error()
			return r
		}
		if i > 0 {
			built.WriteString("---\n")
		}
		built.WriteString(out)
	}
	applied := kubeRead(built.Bytes())
	if applied.Error != "" {
		applied.Error = "kustomize's output cannot be read back: " + applied.Error
	}
	return applied
}

// canonical re-encodes JSON with numbers kept exact (json.Number) and keys sorted.
func canonical(raw []byte) json.RawMessage {
	v, err := decode(raw)
	if err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}

func decode(raw []byte) (interface{}, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	err := d.Decode(&v)
	return v, err
}

func compareDocs(a, b []json.RawMessage) ([]interface{}, interface{}, interface{}, bool) {
	n := len(a)
	if len(b) > n {
		n = len(b)
	}
	for i := 0; i < n; i++ {
		var x, y interface{} = missing{}, missing{}
		if i < len(a) {
			x, _ = decode(a[i])
		}
		if i < len(b) {
			y, _ = decode(b[i])
		}
		if path, p, q, same := compare([]interface{}{i}, x, y); !same {
			return path, show(p), show(q), false
		}
	}
	return nil, nil, nil, true
}

type missing struct{}

func show(v interface{}) interface{} {
	if _, ok := v.(missing); ok {
		return map[string]string{"missing": "nothing here"}
	}
	return map[string]interface{}{"value": v}
}

// compare returns the first path where x and y differ, and the two values there.
func compare(path []interface{}, x, y interface{}) ([]interface{}, interface{}, interface{}, bool) {
	switch xv := x.(type) {
	case map[string]interface{}:
		yv, ok := y.(map[string]interface{})
		if !ok {
			return path, x, y, false
		}
		keys := map[string]bool{}
		for k := range xv {
			keys[k] = true
		}
		for k := range yv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			a, inA := xv[k]
			b, inB := yv[k]
			if !inA {
				a = missing{}
			}
			if !inB {
				b = missing{}
			}
			if p, c, d, same := compare(append(path, k), a, b); !same {
				return p, c, d, false
			}
		}
		return nil, nil, nil, true
	case []interface{}:
		yv, ok := y.([]interface{})
		if !ok {
			return path, x, y, false
		}
		for i := 0; i < len(xv) || i < len(yv); i++ {
			var a, b interface{} = missing{}, missing{}
			if i < len(xv) {
				a = xv[i]
			}
			if i < len(yv) {
				b = yv[i]
			}
			if p, c, d, same := compare(append(path, i), a, b); !same {
				return p, c, d, false
			}
		}
		return nil, nil, nil, true
	case json.Number:
		yv, ok := y.(json.Number)
		if !ok || !sameNumber(xv, yv) {
			return path, x, y, false
		}
		return nil, nil, nil, true
	default:
		if fmt.Sprintf("%T %#v", x, x) != fmt.Sprintf("%T %#v", y, y) {
			return path, x, y, false
		}
		return nil, nil, nil, true
	}
}

func sameNumber(a, b json.Number) bool {
	x, okA := new(big.Rat).SetString(string(a))
	y, okB := new(big.Rat).SetString(string(b))
	if !okA || !okB {
		return a == b
	}
	return x.Cmp(y) == 0
}

// version names the readers: "yaml-oracle apimachinery v0.37.2 kyaml v0.21.2 yaml v1.6.0".
func version() string {
	found := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			found[d.Path] = d.Version
		}
	}
	return fmt.Sprintf("yaml-oracle apimachinery %s kyaml %s yaml %s", found["k8s.io/apimachinery"],
		found["sigs.k8s.io/kustomize/kyaml"], found["sigs.k8s.io/yaml"])
}
