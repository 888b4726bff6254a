package main

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

func randSchema(r *rand.Rand, depth int) map[string]any {
	s := map[string]any{}
	types := []string{"", "integer", "number", "string", "boolean", "array", "object"}
	t := types[r.IntN(len(types))]
	if t != "" {
		s["type"] = t
	}
	nums := []any{0, 1, -1, 0.5, 3, 2147483647, 2147483648, 9223372036854775807.0, 1e300, -1e300, 3.4e38, 1e39, 1e-7}
	if r.IntN(4) == 0 {
		s["format"] = []string{"int32", "int64", "float", "double", "date-time", "byte", "uuid", "int-or-string", "bogus", "date", "email", "ipv4", "hostname", "uri", "duration", "password"}[r.IntN(16)]
	}
	if r.IntN(5) == 0 {
		s["maximum"] = nums[r.IntN(len(nums))]
		s["exclusiveMaximum"] = r.IntN(2) == 0
	}
	if r.IntN(5) == 0 {
		s["minimum"] = nums[r.IntN(len(nums))]
		s["exclusiveMinimum"] = r.IntN(2) == 0
	}
	if r.IntN(6) == 0 {
		s["multipleOf"] = nums[r.IntN(len(nums))]
	}
	if r.IntN(6) == 0 {
		s["minLength"] = r.IntN(3)
	}
	if r.IntN(6) == 0 {
		s["maxLength"] = r.IntN(3)
	}
	if r.IntN(8) == 0 {
		s["pattern"] = []string{"^a", "^[0-9]+$", "b$", ""}[r.IntN(4)]
	}
	if r.IntN(6) == 0 {
		s["enum"] = []any{"a", "", "1"}[:1+r.IntN(3)]
	}
	if r.IntN(6) == 0 {
		s["nullable"] = true
	}
	if depth < 3 {
		if r.IntN(3) == 0 {
			s["items"] = randSchema(r, depth+1)
		}
		if r.IntN(6) == 0 {
			s["minItems"] = r.IntN(3)
		}
		if r.IntN(6) == 0 {
			s["maxItems"] = r.IntN(3)
		}
		if r.IntN(3) == 0 {
			props := map[string]any{}
			for _, k := range []string{"a", "b"}[:1+r.IntN(2)] {
				props[k] = randSchema(r, depth+1)
			}
			s["properties"] = props
		}
		if r.IntN(5) == 0 {
			switch r.IntN(3) {
			case 0:
				s["additionalProperties"] = false
			case 1:
				s["additionalProperties"] = true
			default:
				s["additionalProperties"] = randSchema(r, depth+1)
			}
		}
		if r.IntN(6) == 0 {
			s["required"] = []any{"a", "c"}[:1+r.IntN(2)]
		}
		if r.IntN(6) == 0 {
			s["maxProperties"] = r.IntN(3)
		}
		if r.IntN(6) == 0 {
			s["minProperties"] = r.IntN(3)
		}
		for _, k := range []string{"allOf", "anyOf", "oneOf"} {
			if r.IntN(8) == 0 {
				var bs []any
				for i := 0; i < 1+r.IntN(3); i++ {
					if r.IntN(2) == 0 {
						bs = append(bs, map[string]any{"type": types[1+r.IntN(len(types)-1)]})
					} else {
						bs = append(bs, randSchema(r, depth+1))
					}
				}
				s[k] = bs
			}
		}
	}
	return s
}

func randValue(r *rand.Rand, depth int) any {
	switch r.IntN(9) {
	case 0:
		return rawNumber([]string{"0", "-0", "1", "1.0", "1.5", "-1", "2147483648", "9223372036854775807", "-9223372036854775808", "1e300", "3.5e38", "0.1", "1e-7", "2"}[r.IntN(14)])
	case 1:
		return []string{"", "a", "aa", "1", "123", "2024-01-01T00:00:00Z", "aGk=", "ab", "x@y.z", "1.2.3.4", "550e8400-e29b-41d4-a716-446655440000", "1h"}[r.IntN(12)]
	case 2:
		return r.IntN(2) == 0
	case 3:
		return nil
	case 4, 5:
		if depth > 3 {
			return "a"
		}
		var l []any
		for i := 0; i < r.IntN(3); i++ {
			l = append(l, randValue(r, depth+1))
		}
		if l == nil {
			l = []any{}
		}
		return l
	default:
		if depth > 3 {
			return "a"
		}
		m := map[string]any{}
		for _, k := range []string{"a", "b", "c"} {
			if r.IntN(2) == 0 {
				m[k] = randValue(r, depth+1)
			}
		}
		return m
	}
}

// rawNumber: a number as written in JSON (so that 1.0, -0 and 9223372036854775808 reach the
// decoder as written).
type rawNumber string

// toJSON: v as JSON text, numbers as written.
func toJSON(v any) string {
	switch x := v.(type) {
	case rawNumber:
		return string(x)
	case []any:
		out := "["
		for i, c := range x {
			if i > 0 {
				out += ","
			}
			out += toJSON(c)
		}
		return out + "]"
	case map[string]any:
		out := "{"
		i := 0
		for k, c := range x {
			if i > 0 {
				out += ","
			}
			i++
			out += `"` + k + `":` + toJSON(c)
		}
		return out + "}"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Random schemas of the constructs the fast path models (and some it does not), with bounds and
// formats at the edges, against random values: whatever the fast path accepts, kube-openapi's
// validator accepts (it found the out-of-range bounds of TestFastPathLeavesOutOfRangeBoundsToKubeOpenAPI).
func TestFastPathRandomSchemasAgreeWithKubeOpenAPI(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bad := 0
	accepted := 0
	for i := 0; i < 30000 && bad < 15; i++ {
		sm := randSchema(r, 0)
		raw, _ := json.Marshal(sm)
		var sch spec.Schema
		if err := json.Unmarshal(raw, &sch); err != nil {
			continue
		}
		fast := compileFast(&sch, strfmt.Default, 0)
		real := validate.NewSchemaValidator(&sch, nil, "", strfmt.Default)
		for j := 0; j < 5; j++ {
			vt := toJSON(randValue(r, 0))
			var value any
			if utiljson.Unmarshal([]byte(vt), &value) != nil {
				continue
			}
			if fast.valid(value) {
				accepted++
				if res := real.Validate(value); !res.IsValid() {
					bad++
					t.Errorf("schema %s, value %s: the fast path accepts, kube-openapi refuses: %v", raw, vt, res.Errors)
				}
			}
		}
	}
	if accepted < 1000 {
		t.Errorf("the fast path accepted only %d values: the test compares too little", accepted)
	}
}
