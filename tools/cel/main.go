// Command cel evaluates Kubernetes CEL with Kubernetes' own libraries (k8s.io/apiserver): the
// ValidatingAdmissionPolicy compiler, matcher and validator, with the apiserver's cost limits, for
// ValidatingAdmissionPolicies and their bindings and for Gatekeeper's K8sNativeValidation code.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout, in order.
// A request that cannot be read gets {"error": ...}; the process never exits on a bad request.
//
//	{"op":"load", "policies":[...], "bindings":[...], "params":[...], "namespaces":[...],
//	 "kinds":[...], "templates":[...]}   -> {"problems":[...]}
//	{"op":"vap", "object":{...}, "namespace":{...}?} -> {"results":[...], "unknown":[...]}
//	{"op":"gatekeeper", "template":"name", "object":{...}, "constraint":{...},
//	 "namespace":{...}}                   -> {"messages":[...]}
//	{"op":"version"}                      -> {"version":"k8s.io/apiserver v0.37.2"}
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// maxLine is the largest request read (a document is capped at 4 MiB before it gets here).
const maxLine = 64 << 20

type request struct {
	Op         string                   `json:"op"`
	Policies   []json.RawMessage        `json:"policies,omitempty"`
	Bindings   []json.RawMessage        `json:"bindings,omitempty"`
	Params     []map[string]interface{} `json:"params,omitempty"`
	Namespaces []map[string]interface{} `json:"namespaces,omitempty"`
	Kinds      []kindInfo               `json:"kinds,omitempty"`
	Templates  []templateIn             `json:"templates,omitempty"`
	Object     map[string]interface{}   `json:"object,omitempty"`
	Template   string                   `json:"template,omitempty"`
	Constraint map[string]interface{}   `json:"constraint,omitempty"`
	Namespace  map[string]interface{}   `json:"namespace,omitempty"`
}

// server holds what the last load gave.
type server struct {
	vap       *vapState
	templates map[string]*gkTemplate
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(version())
		return
	}
	s := &server{vap: newVapState(nil), templates: map[string]*gkTemplate{}}
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for {
		line, err := readLine(in)
		if len(line) > 0 {
			_ = enc.Encode(s.answer(line))
			_ = out.Flush()
		}
		if err != nil {
			if err != io.EOF {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			return
		}
	}
}

func readLine(in *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := in.ReadLine()
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("a request is over %d bytes", maxLine)
		}
		if err != nil || !isPrefix {
			return line, err
		}
	}
}

// answer never panics outwards: a panic inside Kubernetes' code is the answer's error.
func (s *server) answer(line []byte) (out interface{}) {
	defer func() {
		if r := recover(); r != nil {
			out = map[string]string{"error": fmt.Sprintf("the CEL engine failed: %v", r)}
		}
	}()
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return map[string]string{"error": "unreadable request: " + err.Error()}
	}
	switch req.Op {
	case "load":
		return s.load(&req)
	case "vap":
		return s.vap.evaluateAs(req.Object, req.Namespace)
	case "gatekeeper":
		return s.gatekeeper(&req)
	case "version":
		return map[string]string{"version": version()}
	}
	return map[string]string{"error": fmt.Sprintf("unknown op %q", req.Op)}
}

type loadAnswer struct {
	Problems []problem `json:"problems"`
}

// problem is a policy or template that cannot be used: at its document and field.
type problem struct {
	Kind    string   `json:"kind"`
	Name    string   `json:"name"`
	Path    []string `json:"path"`
	Message string   `json:"message"`
}

func (s *server) load(req *request) interface{} {
	kinds := newKindTable(req.Kinds)
	var problems []problem
	s.vap, problems = loadVap(req, kinds)
	s.templates = map[string]*gkTemplate{}
	for _, t := range req.Templates {
		compiled, errs := compileTemplate(t)
		problems = append(problems, errs...)
		if compiled != nil {
			s.templates[t.Name] = compiled
		}
	}
	if problems == nil {
		problems = []problem{}
	}
	return loadAnswer{Problems: problems}
}

// version names the pinned apiserver module (what decides every answer).
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "k8s.io/apiserver" {
				return "k8s.io/apiserver " + d.Version
			}
		}
	}
	return "k8s.io/apiserver (unknown)"
}
