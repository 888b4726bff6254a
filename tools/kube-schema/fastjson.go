package main

// check reads each document with encoding/json into a map and writes it back with encoding/json
// for the strict decoder: at 50,000 resources a sixth of what is left of kube-schema's CPU, most
// of it reflection. decodeObject and encodeObject do the same for the plain case only (ASCII
// strings without escapes, numbers strconv reads, no duplicate keys; on the way out, keys sorted
// and the same float formatting) and hand anything else to encoding/json, whose answer it is
// then. fastjson_test.go compares both with encoding/json (documents, mutations, a fuzz target).

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// maxFastJSONDepth: deeper documents are left to encoding/json.
const maxFastJSONDepth = 512

// decodeObject: what json.Unmarshal(raw, &map[string]any) gives.
func decodeObject(raw []byte) (map[string]any, error) {
	if obj, ok := decodePlain(raw); ok {
		return obj, nil
	}
	var obj map[string]any
	err := json.Unmarshal(raw, &obj)
	return obj, err
}

// decodePlain: a JSON object of the plain case, or false.
func decodePlain(raw []byte) (map[string]any, bool) {
	d := fastDecoder{data: raw}
	d.space()
	if d.peek() != '{' {
		return nil, false
	}
	v, ok := d.value(0)
	if d.space(); !ok || d.pos != len(d.data) {
		return nil, false
	}
	return v.(map[string]any), true
}

type fastDecoder struct {
	data []byte
	pos  int
}

func (d *fastDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *fastDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value: the value at pos (false: not a plain case).
func (d *fastDecoder) value(depth int) (any, bool) {
	if depth > maxFastJSONDepth {
		return nil, false
	}
	switch c := d.peek(); {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.str()
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	for _, lit := range []struct {
		text  string
		value any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if end := d.pos + len(lit.text); end <= len(d.data) && string(d.data[d.pos:end]) == lit.text {
			d.pos = end
			return lit.value, true
		}
	}
	return nil, false
}

func (d *fastDecoder) object(depth int) (any, bool) {
	d.pos++
	m := map[string]any{}
	d.space()
	if d.peek() == '}' {
		d.pos++
		return m, true
	}
	for {
		d.space()
		key, ok := d.str()
		if !ok {
			return nil, false
		}
		if _, dup := m[key.(string)]; dup {
			return nil, false
		}
		if d.space(); d.peek() != ':' {
			return nil, false
		}
		d.pos++
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[key.(string)] = v
		d.space()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	d.pos++
	list := []any{}
	d.space()
	if d.peek() == ']' {
		d.pos++
		return list, true
	}
	for {
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		list = append(list, v)
		d.space()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return list, true
		default:
			return nil, false
		}
	}
}

// str: a string of printable ASCII without escapes (anything else is not a plain case).
func (d *fastDecoder) str() (any, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.pos + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return string(d.data[start:i]), true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// number: a JSON number (its grammar checked here), read as encoding/json reads it into an
// interface: strconv.ParseFloat; one out of float64's range is not a plain case.
func (d *fastDecoder) number() (any, bool) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.peek() == '-' {
		d.pos++
	}
	if d.peek() == '0' {
		d.pos++
	} else if digits() == 0 {
		return nil, false
	}
	if d.peek() == '.' {
		d.pos++
		if digits() == 0 {
			return nil, false
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	f, err := strconv.ParseFloat(string(d.data[start:d.pos]), 64)
	return f, err == nil
}

// encodeObject: what json.Marshal(obj) gives.
func encodeObject(obj map[string]any) ([]byte, error) {
	if out, ok := appendPlain(make([]byte, 0, 1024), obj); ok {
		return out, nil
	}
	return json.Marshal(obj)
}

// appendPlain: v as encoding/json writes it, for the plain case only (false otherwise).
func appendPlain(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case string:
		return appendPlainString(b, x)
	case float64:
		// encoding/json writes 'f' from 1e-6 to 1e21 (and 0), exponents outside.
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(x) || math.IsInf(x, 0) {
			return b, false
		}
		return strconv.AppendFloat(b, x, 'f', -1, 64), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, c := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendPlain(b, c); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		return appendPlainObject(b, x)
	}
	return b, false
}

func appendPlainObject(b []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendPlainString(b, k); !ok {
			return b, false
		}
		b = append(b, ':')
		if b, ok = appendPlain(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendPlainString: a string encoding/json writes as it is (printable ASCII, none of the
// characters it escapes: `"`, `\`, and `<`, `>`, `&` for HTML).
func appendPlainString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return b, false
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}
