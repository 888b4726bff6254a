package main

import (
	"crypto/sha256"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/openapi"
	"sigs.k8s.io/kubectl-validate/pkg/openapiclient"
	"sigs.k8s.io/kubectl-validate/pkg/validator"
)

// The schemas `npm run build:schema` prepared (scripts/kube-schema.mjs): per Kubernetes minor
// version, the published OpenAPI v3 documents of k8s.io/kubernetes' api/openapi-spec/v3 laid out
// as api/<version>.json and apis/<group>/<version>.json with an index of their kinds; and the
// bundled CRDs (Flux CD, Argo CD) as upstream YAML.
//
//go:embed all:schemas
var embedded embed.FS

type sourceInfo struct {
	Name    string `json:"name"`
	Module  string `json:"module"`
	Version string `json:"version"`
	Path    string `json:"path,omitempty"`
}

type manifestFile struct {
	// Kubernetes minor versions carried, newest first ("1.37").
	Versions   []string     `json:"versions"`
	Kubernetes []sourceInfo `json:"kubernetes"`
	CRDs       []sourceInfo `json:"crds"`
}

var manifest = sync.OnceValue(func() manifestFile {
	var m manifestFile
	b, err := embedded.ReadFile("schemas/manifest.json")
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		panic("kube-schema was built without its schemas (run npm run build:schema): " + err.Error())
	}
	return m
})

// The kinds each version's OpenAPI documents define ("apps/v1/Deployment", "v1/Pod").
var indexes sync.Map

func kindsOf(version string) map[string]bool {
	if v, ok := indexes.Load(version); ok {
		return v.(map[string]bool)
	}
	var list []string
	b, err := embedded.ReadFile(path.Join("schemas", "kubernetes", version, "index.json"))
	if err == nil {
		_ = json.Unmarshal(b, &list)
	}
	set := map[string]bool{}
	for _, k := range list {
		set[k] = true
	}
	indexes.Store(version, set)
	return set
}

func gvkKey(gvk schema.GroupVersionKind) string {
	return strings.TrimPrefix(gvk.Group+"/"+gvk.Version+"/"+gvk.Kind, "/")
}

// minorOf reads "1.37" as 37.
func minorOf(version string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(version, "1."))
	return n
}

// schemaSet: the validators of one Kubernetes version with one set of CRDs.
type schemaSet struct {
	version   string
	validator *validator.Validator
	builtin   map[string]bool
	crds      map[schema.GroupVersionKind]*crdKind
	// unserved: versions the repository's CRDs define with served: false, and why.
	unserved  map[schema.GroupVersionKind]string
	crdErrors []crdError
	// The bundled CRD files loaded (see schemaSetFor).
	bundled []string
	// Each kind's decoder and strategy, built once (kinds.go; nil: kubectl-validate's own path).
	kinds map[schema.GroupVersionKind]*compiledKind
	// The repository's CRDs as decoded, by the SHA-256 of their JSON (see checkCRD).
	repoCRDs map[[32]byte]*apiextensions.CustomResourceDefinition
}

var (
	setsMu sync.Mutex
	sets   = map[string]*schemaSet{}
)

// bundledGroups: each bundled CRD file's API groups (read from its text, not parsed: a file is
// compiled only when a document of one of its groups is validated).
var bundledGroups = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	entries, _ := fs.ReadDir(embedded, "schemas/crds")
	for _, e := range entries {
		b, err := embedded.ReadFile(path.Join("schemas", "crds", e.Name()))
		if err != nil {
			continue
		}
		for _, m := range groupLine.FindAllStringSubmatch(string(b), -1) {
			out[e.Name()] = append(out[e.Name()], m[1])
		}
	}
	return out
})

var groupLine = regexp.MustCompile(`(?m)^  group: ['"]?([^'"\s]+)['"]?\s*$`)

// bundledFor: the bundled CRD files the documents' groups need, sorted.
func bundledFor(documents []json.RawMessage) []string {
	wanted := map[string]bool{}
	for _, d := range documents {
		var head struct {
			APIVersion string `json:"apiVersion"`
		}
		if json.Unmarshal(d, &head) == nil {
			if gv, err := schema.ParseGroupVersion(head.APIVersion); err == nil {
				wanted[gv.Group] = true
			}
		}
	}
	var files []string
	for file, groups := range bundledGroups() {
		for _, g := range groups {
			if wanted[g] {
				files = append(files, file)
				break
			}
		}
	}
	sort.Strings(files)
	return files
}

func schemaSetFor(version string, repoCRDs []json.RawMessage, documents []json.RawMessage) (*schemaSet, error) {
	m := manifest()
	if version == "" {
		version = m.Versions[0]
	}
	known := false
	for _, v := range m.Versions {
		known = known || v == version
	}
	if !known {
		return nil, fmt.Errorf("no schemas for Kubernetes %s (carried: %s)", version, strings.Join(m.Versions, ", "))
	}
	bundled := bundledFor(documents)
	h := sha256.New()
	h.Write([]byte(version))
	for _, c := range repoCRDs {
		h.Write([]byte{0})
		h.Write(c)
	}
	key := string(h.Sum(nil))
	setsMu.Lock()
	defer setsMu.Unlock()
	// One set per version and repository CRDs, its compiled kinds kept across the requests of a
	// run. A set carries the bundled CRD files some request needed so far: a request that needs
	// one more is given a set with the union (a file only adds the kinds of its own groups, which
	// no document of this request has when it was not needed).
	prev, ok := sets[key]
	if ok && subset(bundled, prev.bundled) {
		return prev, nil
	}
	if ok {
		bundled = union(bundled, prev.bundled)
	}
	s, err := newSchemaSet(version, repoCRDs, bundled)
	if err != nil {
		return nil, err
	}
	sets[key] = s
	return s, nil
}

func subset(files, of []string) bool {
	for _, f := range files {
		if !slices.Contains(of, f) {
			return false
		}
	}
	return true
}

// union: both lists' files, sorted, once each.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

func newSchemaSet(version string, repoCRDs []json.RawMessage, bundledFiles []string) (*schemaSet, error) {
	builtinFS, err := fs.Sub(embedded, path.Join("schemas", "kubernetes", version))
	if err != nil {
		return nil, err
	}
	bundledFS := fstest.MapFS{}
	for _, f := range bundledFiles {
		b, err := embedded.ReadFile(path.Join("schemas", "crds", f))
		if err != nil {
			return nil, err
		}
		bundledFS[f] = &fstest.MapFile{Data: b}
	}
	s := &schemaSet{version: version, bundled: bundledFiles, builtin: kindsOf(version), crds: map[schema.GroupVersionKind]*crdKind{}, unserved: map[schema.GroupVersionKind]string{}, kinds: map[schema.GroupVersionKind]*compiledKind{}}
	// The repository's CRDs first: they override a bundled one of the same group and version.
	repoFS := fstest.MapFS{}
	s.repoCRDs = map[[32]byte]*apiextensions.CustomResourceDefinition{}
	for i, raw := range repoCRDs {
		sum := sha256.Sum256(raw)
		read := readRepoCRD(sum, raw)
		crd, kinds, err := read.crd, read.kinds, read.err
		if err == nil {
			s.repoCRDs[sum] = crd
		}
		if err != nil {
			s.crdErrors = append(s.crdErrors, crdError{Index: i, Message: err.Error()})
			continue
		}
		repoFS[fmt.Sprintf("crd-%05d.json", i)] = &fstest.MapFile{Data: raw}
		for _, k := range kinds {
			if k.unserved != "" {
				s.unserved[k.gvk] = k.unserved
			} else {
				s.crds[k.gvk] = k
			}
		}
	}
	bundled, err := bundledCRDs(bundledFS)
	if err != nil {
		return nil, err
	}
	for _, k := range bundled {
		if _, ok := s.crds[k.gvk]; !ok {
			s.crds[k.gvk] = k
		}
	}
	client := openapiclient.NewComposite(
		repoCRDPaths(repoCRDs, repoFS),
		openapiclient.NewLocalCRDFiles(bundledFS),
		openapiclient.NewLocalSchemaFiles(builtinFS),
	)
	v, err := validator.New(client)
	if err != nil {
		return nil, fmt.Errorf("loading the schemas of Kubernetes %s: %w", version, err)
	}
	s.validator = v
	return s, nil
}

// known: whether a schema is carried for gvk (built in for the version, or from a CRD).
func (s *schemaSet) known(gvk schema.GroupVersionKind) bool {
	if _, ok := s.crds[gvk]; ok {
		return true
	}
	return s.builtin[gvkKey(gvk)]
}

// builtinGroups: every API group some carried version defines (a group Kubernetes serves).
var builtinGroups = sync.OnceValue(func() map[string]bool {
	groups := map[string]bool{"": true, "extensions": true}
	for _, v := range manifest().Versions {
		for k := range kindsOf(v) {
			parts := strings.Split(k, "/")
			if len(parts) == 3 {
				groups[parts[0]] = true
			}
		}
	}
	return groups
})

// versionsServing: the carried versions whose OpenAPI documents define gvk, oldest first.
func versionsServing(gvk schema.GroupVersionKind) []string {
	var out []string
	for _, v := range manifest().Versions {
		if kindsOf(v)[gvkKey(gvk)] {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return minorOf(out[i]) < minorOf(out[j]) })
	return out
}

// A repository CRD as read, kept for the process by the SHA-256 of its JSON: each request of a
// check sends the repository's CRDs again (kube-prometheus: 5 MB), and a new schema set (other
// CRDs, or one more bundled file) would decode them again. Nothing read is changed afterwards
// (checkCRD validates a deep copy).
type readCRDResult struct {
	crd   *apiextensions.CustomResourceDefinition
	kinds []*crdKind
	err   error
}

var repoCRDsRead = map[[32]byte]readCRDResult{}

func readRepoCRD(sum [32]byte, raw []byte) readCRDResult {
	if r, ok := repoCRDsRead[sum]; ok {
		return r
	}
	var r readCRDResult
	r.crd, r.err = decodeCRD(raw)
	if r.err == nil {
		r.kinds, r.err = crdKinds(r.crd)
	}
	repoCRDsRead[sum] = r
	return r
}

// The repository CRDs' OpenAPI documents, made once per process for one list of CRDs:
// kubectl-validate's local CRD client decodes every CRD again on each Paths (5 MB for
// kube-prometheus, for each new schema set); the documents it gives only marshal themselves.
type pathsOnce struct {
	paths map[string]openapi.GroupVersion
	err   error
}

func (p pathsOnce) Paths() (map[string]openapi.GroupVersion, error) { return p.paths, p.err }

var repoPathsMade = map[[32]byte]pathsOnce{}

func repoCRDPaths(repoCRDs []json.RawMessage, repoFS fs.FS) openapi.Client {
	h := sha256.New()
	for _, c := range repoCRDs {
		h.Write([]byte{0})
		h.Write(c)
	}
	key := [32]byte(h.Sum(nil))
	if p, ok := repoPathsMade[key]; ok {
		return p
	}
	var p pathsOnce
	p.paths, p.err = openapiclient.NewLocalCRDFiles(repoFS).Paths()
	repoPathsMade[key] = p
	return p
}
