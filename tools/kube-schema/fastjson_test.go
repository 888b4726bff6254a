package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// decodeObject and encodeObject (fastjson.go) must give what encoding/json gives: the same map
// or the same error reading, the same bytes writing.

// sameAsEncodingJSON: the differences between fastjson and encoding/json on raw (none: "").
func sameAsEncodingJSON(t *testing.T, raw []byte) {
	t.Helper()
	var want map[string]any
	wantErr := json.Unmarshal(raw, &want)
	got, gotErr := decodeObject(raw)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() || !reflect.DeepEqual(want, got) {
		t.Errorf("reading %q:\nencoding/json %#v %v\nfastjson      %#v %v", raw, want, wantErr, got, gotErr)
		return
	}
	if want != nil {
		sameEncoding(t, want)
	}
}

func sameEncoding(t *testing.T, v map[string]any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, gotErr := encodeObject(v)
	if (wantErr == nil) != (gotErr == nil) || !bytes.Equal(want, got) {
		t.Errorf("writing %#v:\nencoding/json %s %v\nfastjson      %s %v", v, want, wantErr, got, gotErr)
	}
}

var fastJSONCases = []string{
	`{}`, ` {"a":1} `, `{"a":[]}`, `{"a":{}}`, `{"a":[1,2.5,-0,0.0000001,1e-7,1e21,1e20,123456789012345678901234]}`,
	`{"a":1e999}`, `{"a":-1e-999}`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":+1}`,
	`{"a":"\u00e9"}`, `{"a":"é"}`, `{"a":"a\nb"}`, `{"a":"<b>&"}`, `{"a":"<"}`, `{"a":">"}`, `{"a":"&"}`, `{"<":1}`, "{\"a\":\"\x7f\"}", "{\"a\":\"\xff\"}",
	`{"a":"\ud800"}`, `{"a":1,"a":2}`, `{"a":{"b":1},"a":{"c":2}}`, `{"a":true,"b":false,"c":null}`,
	`{"a":tru}`, `{"a":nul}`, `{"a":1,}`, `{"a":[1,]}`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `{"a":1}{}`,
	`[1]`, `"s"`, `1`, `null`, ``, `{`, `{"a":[`, "{\"a\":1}\n", "\t{\"a\" : [ 1 , 2 ] }\r\n",
	`{"KIND":"x","kind":"y"}`, `{"a":"\/"}`, `{"":""}`, `{"a":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`,
	`{"a":0.000001,"b":0.0000009999,"c":999999999999999999999,"d":1000000000000000000000,"e":-5e-324}`,
}

func TestFastJSONReadsAndWritesAsEncodingJSON(t *testing.T) {
	for _, c := range fastJSONCases {
		sameAsEncodingJSON(t, []byte(c))
	}
	plain := 0
	docs := fastTestDocuments(t)
	r := rand.New(rand.NewPCG(21, 4))
	for _, d := range docs {
		sameAsEncodingJSON(t, d)
		if _, ok := decodePlain(d); ok {
			plain++
		}
		var obj map[string]any
		if json.Unmarshal(d, &obj) != nil {
			continue
		}
		// Mutated objects (strings and numbers of every kind, nulls, lists) written and read back.
		for m := 0; m < 10; m++ {
			mutant, _ := mutateValue(r, obj).(map[string]any)
			sameEncoding(t, mutant)
			if raw, err := json.Marshal(mutant); err == nil {
				sameAsEncodingJSON(t, raw)
			}
		}
	}
	if plain < len(docs)/2 {
		t.Errorf("only %d of %d documents took the plain path", plain, len(docs))
	}
}

// FuzzFastJSON: `go test -fuzz FuzzFastJSON -fuzztime 60s .` explores; `go test` runs the seeds.
func FuzzFastJSON(f *testing.F) {
	for _, c := range fastJSONCases {
		f.Add([]byte(c))
	}
	for _, d := range append(differentialDocuments, fastExtraDocuments...) {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingJSON(t, data)
	})
}
