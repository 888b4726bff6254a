package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	sigsjson "sigs.k8s.io/json"
)

// A check sends the repository's CRDs twice: as documents to validate (the checked files hold
// them) and, later, as the CRD set of the documents whose kinds they define: megabytes of JSON
// written by Node and read here twice. A CRD set may instead name a CRD this process was sent
// already (as a document or in an earlier set) by the SHA-256 of its JSON: the string
// "sha256:<base64>" in place of the CRD. The reference is replaced by the very bytes it names as
// the request is read, so everything after (the list's order, its key, each CRD's decoding and
// findings) is what sending the JSON itself gives. A reference to JSON this process was not sent
// is the request's error, never a set without that CRD (the client names only JSON it sent to this
// very process, and a new process gets the JSON: see src/engines/schema/kube-schema.ts).
// The versions answer says that this process takes references (crdRefs), so that a client never
// sends them to a binary that would read them as broken CRDs.

// crdRefPrefix: how a reference starts (then the standard base64 of the SHA-256, with padding).
const crdRefPrefix = "sha256:"

// crdRead: what is read of a CRD without decoding it (crdList's fields for it).
type crdRead struct {
	kind schema.GroupKind
	read bool
	head docHead
}

// The CRDs this process was sent, by the SHA-256 of their JSON, with what was read of them.
type knownCRD struct {
	raw  json.RawMessage
	read crdRead
}

var (
	knownCRDsMu sync.Mutex
	knownCRDs   = map[[32]byte]knownCRD{}
)

// crdReadOf: the CRD's group, kind and head as a document, read once per process for JSON it
// keeps (a CRD of a list, or a document whose head is a CRD's).
func crdReadOf(sum [32]byte, raw json.RawMessage) crdRead {
	knownCRDsMu.Lock()
	k, ok := knownCRDs[sum]
	knownCRDsMu.Unlock()
	if ok {
		return k.read
	}
	r := readCRD(raw)
	knownCRDsMu.Lock()
	knownCRDs[sum] = knownCRD{raw: raw, read: r}
	knownCRDsMu.Unlock()
	return r
}

// readCRD reads a CRD's group and kind as the API server's decoder reads its JSON (case-sensitive
// field names, the last of duplicate ones), and its head as a document, in one pass; when that
// pass fails on some field, each is read on its own, as without the other (an error of one is
// not the other's).
func readCRD(raw json.RawMessage) crdRead {
	var head crdHead
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &head); err != nil {
		var group struct {
			Spec crdSpecHead `json:"spec"`
		}
		err := sigsjson.UnmarshalCaseSensitivePreserveInts(raw, &group)
		return crdRead{
			kind: schema.GroupKind{Group: group.Spec.Group, Kind: group.Spec.Names.Kind},
			read: err == nil && group.Spec.Names.Kind != "",
			head: documentHead(raw),
		}
	}
	return crdRead{
		kind: schema.GroupKind{Group: head.Spec.Group, Kind: head.Spec.Names.Kind},
		read: head.Spec.Names.Kind != "",
		head: headOf(head.APIVersion, head.Kind),
	}
}

var crdKindName = []byte(`"CustomResourceDefinition"`)

// headOfDocument: a document's head; a document that may be a CRD (its JSON holds the kind's
// name) is read as a CRD in the same one pass, and kept when it is one (a later CRD set may name
// it). The head is the same as documentHead's (heads_test.go).
func headOfDocument(d json.RawMessage) docHead {
	if !bytes.Contains(d, crdKindName) {
		return documentHead(d)
	}
	sum := sha256.Sum256(d)
	r := readCRD(d)
	if r.head.ok && r.head.gvk == crdKindV1 {
		knownCRDsMu.Lock()
		if _, ok := knownCRDs[sum]; !ok {
			knownCRDs[sum] = knownCRD{raw: d, read: r}
		}
		knownCRDsMu.Unlock()
	}
	return r.head
}

// resolveCRDRefs replaces each reference among a request's CRDs by the JSON it names (in place).
func resolveCRDRefs(crds []json.RawMessage) error {
	for i, raw := range crds {
		if len(raw) == 0 || raw[0] != '"' {
			continue
		}
		var ref string
		if err := json.Unmarshal(raw, &ref); err != nil {
			return fmt.Errorf("CRD %d: %v", i, err)
		}
		sum, ok := crdRefSum(ref)
		if !ok {
			return fmt.Errorf("CRD %d is a string but not a reference (%q followed by the base64 of a SHA-256)", i, crdRefPrefix)
		}
		knownCRDsMu.Lock()
		k, known := knownCRDs[sum]
		knownCRDsMu.Unlock()
		if !known {
			return fmt.Errorf("CRD %d (%s) names no CRD sent to this process", i, ref)
		}
		crds[i] = k.raw
	}
	return nil
}

func crdRefSum(ref string) (sum [32]byte, ok bool) {
	if len(ref) <= len(crdRefPrefix) || ref[:len(crdRefPrefix)] != crdRefPrefix {
		return sum, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(ref[len(crdRefPrefix):])
	if err != nil || len(b) != len(sum) {
		return sum, false
	}
	copy(sum[:], b)
	return sum, true
}

// crdRefOf: the reference to a CRD's JSON (the tests'; Node makes the same).
func crdRefOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	return crdRefPrefix + base64.StdEncoding.EncodeToString(sum[:])
}

// versionsInfo: the versions answer ({"versions":true}, --versions): the manifest, and that
// this process takes CRD references.
type versionsInfo struct {
	manifestFile
	CRDRefs bool `json:"crdRefs"`
}

func versionsAnswer() versionsInfo {
	return versionsInfo{manifest(), true}
}
