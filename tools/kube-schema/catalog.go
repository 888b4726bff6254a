package main

import (
	"bytes"
	"cmp"
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
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime/schema"
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

// listedGroups: what the schemas' preparation (scripts/kube-schema.mjs) read of them and wrote to
// the manifest beside what the versions answer gives, so that a start does not: each bundled CRD
// file's groups (crdGroupsOf), the groups of the versions' kinds (builtinGroups). nil when the
// manifest was made before them: then they are worked out here.
type listedGroups struct {
	CRDGroups     map[string][]string `json:"crdGroups"`
	BuiltinGroups []string            `json:"builtinGroups"`
}

var manifestGroups = sync.OnceValue(func() listedGroups {
	var g listedGroups
	if b, err := embedded.ReadFile("schemas/manifest.json"); err == nil {
		_ = json.Unmarshal(b, &g)
	}
	return g
})

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
	// The indexes of the repository CRDs this set was made with (see schemaSetFor).
	picked []int
	// lifecycleFindings' answer per kind (GroupVersionKind -> lifecycleAnswer).
	lifecycleMemo sync.Map
	// lifecycleMemoSize: how many answers were offered to lifecycleMemo (bounded by maxLifecycleMemo).
	lifecycleMemoSize atomic.Int32
	// defined: how many versions of the repository's CRDs (or of the bundled ones) define each
	// kind, served or not (crdentry.go; the most of the two).
	defined map[schema.GroupVersionKind]int
	// crdGroupVersions: the group-versions some CRD of the set defines a kind in (kinds.go).
	crdGroupVersions map[schema.GroupVersion]bool
}

var (
	setsMu sync.Mutex
	sets   = map[string]*schemaSet{}
)

// bundledGroups: each bundled CRD file's API groups (read from its text, not parsed: a file is
// compiled only when a document of one of its groups is validated), as the manifest lists them
// (groups_test.go holds them to crdGroupsOf's reading of the files).
var bundledGroups = sync.OnceValue(func() map[string][]string {
	if groups := manifestGroups().CRDGroups; groups != nil {
		return groups
	}
	return crdGroupsOf()
})

// crdGroupsOf: each bundled CRD file's groups, read from its text (~2 ms for 2.3 MB of YAML).
func crdGroupsOf() map[string][]string {
	out := map[string][]string{}
	entries, _ := fs.ReadDir(embedded, "schemas/crds")
	for _, e := range entries {
		b, err := embedded.ReadFile(path.Join("schemas", "crds", e.Name()))
		if err != nil {
			continue
		}
		out[e.Name()] = groupsIn(b)
	}
	return out
}

var groupLine = regexp.MustCompile(`^  group: ['"]?([^'"\s]+)['"]?\s*$`)

// groupsIn: the groups of a YAML file's "  group: x" lines. The regular expression is run on
// those lines only (found with bytes.Index, some 30 ms less than running it over the 2.3 MB of
// bundled YAML at the start of each run): a line of another start cannot match it.
func groupsIn(b []byte) []string {
	var out []string
	const start = "  group: "
	for pos := 0; pos < len(b); {
		at := pos
		if !bytes.HasPrefix(b[pos:], []byte(start)) {
			i := bytes.Index(b[pos:], []byte("\n"+start))
			if i < 0 {
				break
			}
			at = pos + i + 1
		}
		end := bytes.IndexByte(b[at:], '\n')
		if end < 0 {
			end = len(b) - at
		}
		if m := groupLine.FindSubmatch(b[at : at+end]); m != nil {
			out = append(out, string(m[1]))
		}
		pos = at + end
	}
	return out
}

// bundledFor: the bundled CRD files the documents' groups need, sorted.
func bundledFor(heads []docHead) []string {
	wanted := map[string]bool{}
	for _, h := range heads {
		if h.ok {
			wanted[h.gvk.Group] = true
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

// schemaSetFor: the set for a request's documents (heads), made with what the documents of the
// requests read after it need too (ahead: lookahead.go); picks: the repository CRDs the requests
// answered with this set's key so far needed.
func schemaSetFor(version string, repo *crdList, heads, ahead []docHead) (set *schemaSet, picks []int, err error) {
	m := manifest()
	if version == "" {
		version = m.Versions[0]
	}
	known := false
	for _, v := range m.Versions {
		known = known || v == version
	}
	if !known {
		return nil, nil, fmt.Errorf("no schemas for Kubernetes %s (carried: %s)", version, strings.Join(m.Versions, ", "))
	}
	key := version + "\x00" + string(repo.key[:])
	setsMu.Lock()
	defer setsMu.Unlock()
	picks = notePicks(key, repo.needed(heads))
	if len(ahead) > 0 {
		// A set that cannot be made with what the requests ahead need (a CRD of theirs that
		// breaks the making) is made as without them: each request keeps its own answer.
		if s, err := setSafely(func() (*schemaSet, error) { return schemaSetOf(key, version, repo, slices.Concat(heads, ahead)) }); err == nil {
			return s, picks, nil
		}
	}
	s, err := schemaSetOf(key, version, repo, heads)
	return s, picks, err
}

// schemaSetOf: the set of key for the documents of heads (setsMu held).
func schemaSetOf(key, version string, repo *crdList, heads []docHead) (*schemaSet, error) {
	bundled := bundledFor(heads)
	picked := repo.needed(heads)
	// One set per version and repository CRDs, its compiled kinds kept across the requests of a
	// run. A set carries the bundled CRD files and the repository CRDs some request needed so far:
	// a request that needs one more is given a set with the union (a file or CRD only adds the
	// kinds of its own groups or kind, which no document of this request has when it was not
	// needed).
	prev, ok := sets[key]
	if ok && subset(bundled, prev.bundled) && subset(picked, prev.picked) {
		return prev, nil
	}
	if ok {
		bundled = union(bundled, prev.bundled)
		picked = union(picked, prev.picked)
	}
	s, err := newSchemaSetOf(version, repo, picked, bundled)
	if err != nil {
		return nil, err
	}
	sets[key] = s
	setsMade++
	return s, nil
}

func subset[T comparable](files, of []T) bool {
	for _, f := range files {
		if !slices.Contains(of, f) {
			return false
		}
	}
	return true
}

// union: both lists' items, sorted, once each.
func union[T cmp.Ordered](a, b []T) []T {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// newSchemaSet: the set of a version with every one of the given repository CRDs (the tests').
func newSchemaSet(version string, repoCRDs []json.RawMessage, bundledFiles []string) (*schemaSet, error) {
	repo := newCRDList(repoCRDs)
	all := make([]int, len(repoCRDs))
	for i := range all {
		all[i] = i
	}
	return newSchemaSetOf(version, repo, all, bundledFiles)
}

func newSchemaSetOf(version string, repo *crdList, picked []int, bundledFiles []string) (*schemaSet, error) {
	builtinFS, err := fs.Sub(embedded, path.Join("schemas", "kubernetes", version))
	if err != nil {
		return nil, err
	}
	s := &schemaSet{version: version, bundled: bundledFiles, picked: picked, builtin: kindsOf(version), crds: map[schema.GroupVersionKind]*crdKind{}, unserved: map[schema.GroupVersionKind]string{}, kinds: map[schema.GroupVersionKind]*compiledKind{}, defined: map[schema.GroupVersionKind]int{}, crdGroupVersions: map[schema.GroupVersion]bool{}}
	// The repository's CRDs first: they override a bundled one of the same group and version.
	ahead := readBundledAhead(bundledFiles)
	usable := s.addRepoCRDs(repo, picked)
	repoPaths := repoCRDPaths(usable)
	bundled, bundledPaths, err := ahead.wait()
	if err != nil {
		return nil, err
	}
	s.countDefined(bundled)
	for _, k := range bundled {
		if _, ok := s.crds[k.gvk]; !ok && k.unserved == "" {
			s.crds[k.gvk] = k
		}
	}
	client := openapiclient.NewComposite(
		repoPaths,
		bundledPaths,
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

// builtinGroups: every API group some carried version defines (a group Kubernetes serves), as the
// manifest lists them (groups_test.go holds them to the versions' indexes).
var builtinGroups = sync.OnceValue(func() map[string]bool {
	groups := map[string]bool{"": true, "extensions": true}
	if listed := manifestGroups().BuiltinGroups; listed != nil {
		for _, g := range listed {
			groups[g] = true
		}
		return groups
	}
	return indexedGroups(groups)
})

// indexedGroups: groups with the groups of every carried version's kinds (index.json) added.
func indexedGroups(groups map[string]bool) map[string]bool {
	for _, v := range manifest().Versions {
		for k := range kindsOf(v) {
			parts := strings.Split(k, "/")
			if len(parts) == 3 {
				groups[parts[0]] = true
			}
		}
	}
	return groups
}

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
