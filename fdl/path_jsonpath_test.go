package fdl

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/ohler55/ojg/jp"
)

// Our paths are a subset of JSONPath, so on every path we accept they must
// find what JSONPath finds. ojg's jp package is the reference: a path that
// leads nowhere is an error here and no match there (for a projection, when
// the collection it projects is missing), and a projection yields
// the matches in order (object wildcards aside, whose order jp leaves to Go's
// map iteration; those are compared as sets).

// jsonPathOf builds the jp expression of p, segment by segment, so that jp's
// own parser (which reads some keys differently) does not take part.
func jsonPathOf(p *Path) jp.Expr {
	x := jp.R()
	for _, s := range p.segs {
		switch s.kind {
		case segKey:
			x = x.C(s.key)
		case segIndex:
			x = x.N(s.index)
		default:
			x = x.W()
		}
	}
	return x
}

// agreeWithJSONPath reports how p.Get and JSONPath differ on doc, or "".
func agreeWithJSONPath(p *Path, doc any) string {
	got, err := p.Get(doc)
	want := jsonPathOf(p).Get(doc)
	projects := slices.ContainsFunc(p.segs, func(s segment) bool { return s.kind == segWildcard })
	switch {
	case !projects && err != nil:
		if len(want) != 0 {
			return "we found nothing (" + err.Error() + "), JSONPath found " + encodeAll(want...)
		}
		return ""
	case !projects:
		if len(want) != 1 || encodeAll(want[0]) != encodeAll(got) {
			return "we found " + encodeAll(got) + ", JSONPath found " + encodeAll(want...)
		}
		return ""
	case err != nil:
		// Only the part before the first wildcard can fail: where the
		// collection itself is missing, JSONPath finds nothing either.
		if len(want) != 0 {
			return "the projection failed (" + err.Error() + "), JSONPath found " + encodeAll(want...)
		}
		return ""
	default:
		ours, theirs := encodeEach(got.([]any)), encodeEach(want)
		slices.Sort(ours)
		slices.Sort(theirs)
		if !slices.Equal(ours, theirs) {
			return "we found " + encodeAll(got) + ", JSONPath found " + encodeAll(want...)
		}
		return ""
	}
}

func encodeEach(values []any) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = encodeAll(v)
	}
	return out
}

func encodeAll(values ...any) string {
	b, err := json.Marshal(values)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func TestPathAgreesWithJSONPath(t *testing.T) {
	doc := map[string]any{
		"a":            map[string]any{"b": []any{1.0, "x", nil, true, map[string]any{"c": "d"}}},
		"n":            1.5,
		"z":            nil,
		"content-type": "text/plain",
		"a b":          map[string]any{"c": 2.0},
		"orders": []any{
			map[string]any{"id": "o1", "parts": []any{map[string]any{"sku": "p1"}, map[string]any{"sku": "p2"}}},
			map[string]any{"id": "o2", "parts": []any{}},
			map[string]any{"id": "o3"},
			map[string]any{"id": "o4", "parts": []any{map[string]any{"sku": "p3"}}},
		},
		"grid": []any{[]any{1.0}, []any{2.0, 3.0}, []any{}},
	}
	for _, text := range []string{
		"$", "$.a", "$.a.b", "$.a.b[0]", "$.a.b[2]", "$.a.b[4].c", "$.a.b[-1].c", "$.a.b[-5]",
		"$.z", "$.content-type", `$["a b"].c`, `$["a"]["b"][1]`,
		"$.missing", "$.a.b[5]", "$.a.b[-6]", "$.n.x", "$.n[0]", "$.a.b[4].missing", "$.z.x",
		"$.orders[*].id", "$.orders[*].parts[*].sku", "$.orders[*].parts", "$.orders[*].missing",
		"$.grid[*][*]", "$.grid[*][1]", "$.grid[*][-1]", "$.a.*", "$.*", "$.a.b[*]", "$.n[*]", "$.a.b[*].c",
	} {
		p, err := ParsePath(text)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if diff := agreeWithJSONPath(p, doc); diff != "" {
			t.Errorf("%s: %s", text, diff)
		}
	}
}
