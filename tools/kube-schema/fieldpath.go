package main

import (
	"strconv"
	"strings"
)

type pathToken struct {
	text    string
	bracket bool
}

// tokens splits a field path as apimachinery prints it ("spec.containers[0].ports[1]",
// "metadata.labels[app.kubernetes.io/name]") into names and bracketed subscripts.
func tokens(s string) []pathToken {
	var out []pathToken
	for i := 0; i < len(s); {
		switch s[i] {
		case '.':
			i++
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				out = append(out, pathToken{text: s[i+1:], bracket: true})
				return out
			}
			out = append(out, pathToken{text: s[i+1 : i+end], bracket: true})
			i += end + 1
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			out = append(out, pathToken{text: s[i:j]})
			i = j
		}
	}
	return out
}

// jsonPath turns a printed field path into the JSON path of `obj` it names: a subscript is an
// index in a list and a key in a map; a property whose name holds dots is found by joining names.
// Past what exists (a missing required field) the rest is kept as printed.
func jsonPath(obj any, printed string) []any {
	toks := tokens(strings.TrimPrefix(printed, "<nil>"))
	out := []any{}
	cur := obj
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.bracket {
			if list, ok := cur.([]any); ok {
				if n, err := strconv.Atoi(t.text); err == nil {
					out = append(out, n)
					if n >= 0 && n < len(list) {
						cur = list[n]
					} else {
						cur = nil
					}
					continue
				}
			}
			out = append(out, t.text)
			cur = child(cur, t.text)
			continue
		}
		name, used := t.text, 0
		if m, ok := cur.(map[string]any); ok {
			if _, found := m[name]; !found {
				joined := name
				for j := i + 1; j < len(toks) && !toks[j].bracket; j++ {
					joined += "." + toks[j].text
					if _, found := m[joined]; found {
						name, used = joined, j-i
						break
					}
				}
			}
		}
		i += used
		out = append(out, name)
		cur = child(cur, name)
	}
	return out
}

func child(cur any, key string) any {
	if m, ok := cur.(map[string]any); ok {
		return m[key]
	}
	return nil
}

// removeAt deletes the field at path from obj (an unknown field, so that the rest can be validated).
func removeAt(obj any, path []any) {
	if len(path) == 0 {
		return
	}
	cur := obj
	for _, p := range path[:len(path)-1] {
		switch k := p.(type) {
		case string:
			cur = child(cur, k)
		case int:
			list, ok := cur.([]any)
			if !ok || k < 0 || k >= len(list) {
				return
			}
			cur = list[k]
		}
	}
	if m, ok := cur.(map[string]any); ok {
		if k, ok := path[len(path)-1].(string); ok {
			delete(m, k)
		}
	}
}
