package main

import (
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"testing"
)

// groupsIn reads the groups of the bundled CRD files' "  group:" lines as the multi-line regular
// expression over the whole file did: the same groups, in order, for every bundled file and for
// lines that come close (quotes, trailing blanks and CR, other indents, a last line without its
// newline, a file that starts with the line).
func TestGroupsInAsTheWholeFileExpression(t *testing.T) {
	whole := regexp.MustCompile(`(?m)^  group: ['"]?([^'"\s]+)['"]?\s*$`)
	texts := []string{
		"  group: a.io\nx:\n  group: 'b.io'\n  group: \"c.io\"  \n   group: d.io\n  group: e.io x\n\tgroup: f.io\n",
		"  group: g.io\r\n  group: \"h.io'\n  group: i.io\"\n  group: 'j\n  group: \n  group:k.io\n\n  group: l.io",
		"a\n  group: m.io\n\n\n  group: n.io\t\r\n  group: o.io'x'\n  group:  p.io\n",
		"", "\n", "  group: ", "  group: q.io\n",
	}
	entries, err := fs.ReadDir(embedded, "schemas/crds")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no bundled CRDs (run npm run build:schema): %v", err)
	}
	for _, e := range entries {
		b, err := embedded.ReadFile(path.Join("schemas", "crds", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	for i, text := range texts {
		var want []string
		for _, m := range whole.FindAllStringSubmatch(text, -1) {
			want = append(want, m[1])
		}
		if got := groupsIn([]byte(text)); !reflect.DeepEqual(got, want) {
			t.Errorf("text %d (%.60q): got %q, want %q", i, text, got, want)
		}
	}
}

// The groups the manifest lists (scripts/kube-schema.mjs's reading) are those the files and the
// versions' indexes give here: each bundled CRD file's groups, in order, and no file more or
// less; the groups of every carried version's kinds.
func TestManifestGroupsAreTheFilesGroups(t *testing.T) {
	m := manifestGroups()
	if m.CRDGroups == nil || m.BuiltinGroups == nil {
		t.Fatal("the manifest lists no groups: its schemas were prepared before (run npm run build:schema)")
	}
	if got, want := m.CRDGroups, crdGroupsOf(); !reflect.DeepEqual(got, want) {
		t.Errorf("crdGroups: manifest %q, files %q", got, want)
	}
	fromIndexes := indexedGroups(map[string]bool{"": true, "extensions": true})
	if got := builtinGroups(); !reflect.DeepEqual(got, fromIndexes) {
		t.Errorf("builtinGroups: manifest %v, indexes %v", got, fromIndexes)
	}
	if len(fromIndexes) < 20 || len(m.CRDGroups) < 5 {
		t.Errorf("too few groups to compare: %d built in, %d CRD files", len(fromIndexes), len(m.CRDGroups))
	}
}
