package fdl

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file reads yaml.Node trees (YAML or JSON text) into Go values while
// recording diagnostics with positions. yaml.v3's own decoding into structs
// would lose positions and stop at the first error; here every problem is
// reported and the walk carries on.

// maxNodes bounds how many nodes one flow may expand to. Aliases can make a
// small text expand exponentially ("billion laughs"); real flows stay far
// below this.
const maxNodes = 1_000_000

// parser holds the state of parsing one flow.
type parser struct {
	file   string
	diags  Diagnostics
	budget int
}

// at says where a value sits, for diagnostics: the step path and the field
// path inside the step ("retry[0].errors") or the flow.
type at struct {
	step, field string
}

func (a at) key(k string) at {
	if a.field == "" {
		return at{a.step, k}
	}
	return at{a.step, a.field + "." + k}
}

func (a at) index(i int) at { return at{a.step, fmt.Sprintf("%s[%d]", a.field, i)} }

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

func (p *parser) report(sev Severity, pos Pos, a at, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if a.field != "" {
		msg = a.field + ": " + msg
	}
	p.diags = append(p.diags, Diagnostic{File: p.file, Pos: pos, StepPath: a.step, Severity: sev, Message: msg})
}

func (p *parser) errorf(n *yaml.Node, a at, format string, args ...any) {
	p.report(SeverityError, posOf(n), a, format, args...)
}

func (p *parser) warnf(n *yaml.Node, a at, format string, args ...any) {
	p.report(SeverityWarning, posOf(n), a, format, args...)
}

// resolve follows an alias to its anchored node and spends budget, so that
// every walk over the tree ends.
func (p *parser) resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	p.budget--
	return n
}

// exhausted reports, once, that the flow expands to too many nodes.
func (p *parser) exhausted(n *yaml.Node) bool {
	if p.budget > 0 {
		return false
	}
	if p.budget == 0 {
		p.errorf(n, at{}, "the flow expands to more than %d YAML nodes (too many aliases?)", maxNodes)
		p.budget--
	}
	return true
}

// isNull reports whether n is an explicit null (null, ~ or nothing).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName names the YAML kind of n for messages, in JSON terms.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "a boolean"
	case "!!int", "!!float":
		return "a number"
	default:
		return "a string"
	}
}

// object is a YAML mapping being read key by key. Keys that are never taken
// are reported as unknown when done is called.
type object struct {
	p     *parser
	node  *yaml.Node
	a     at
	pairs []pair
	taken []string
}

type pair struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
}

// object starts reading n as a mapping; it reports an error and returns nil
// when n is something else.
func (p *parser) object(n *yaml.Node, a at, what string) *object {
	n = p.resolve(n)
	if p.exhausted(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, a, "%s must be an object, not %s", what, kindName(n))
		return nil
	}
	o := &object{p: p, node: n, a: a}
	o.pairs = p.pairs(n, a, 0)
	return o
}

// pairs lists the entries of a mapping, expanding YAML merge keys (<<):
// entries written in the mapping win over merged ones, and earlier merged
// mappings win over later ones. A key written twice is an error.
func (p *parser) pairs(n *yaml.Node, a at, depth int) []pair {
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := p.resolve(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, p.mergeSources(v, a, depth)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, a, "keys must be strings, not %s", kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errorf(k, a, "key %q is repeated (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		own = append(own, pair{key: k.Value, keyN: k, value: v})
	}
	for _, m := range merged {
		if _, dup := seen[m.key]; !dup {
			seen[m.key] = m.keyN
			own = append(own, m)
		}
	}
	return own
}

// mergeSources returns the entries a merge key brings in: from one mapping,
// or from a list of mappings.
func (p *parser) mergeSources(v *yaml.Node, a at, depth int) []pair {
	v = p.resolve(v)
	if p.exhausted(v) || depth > 16 {
		return nil
	}
	switch v.Kind {
	case yaml.MappingNode:
		return p.pairs(v, a, depth+1)
	case yaml.SequenceNode:
		var out []pair
		for _, e := range v.Content {
			e = p.resolve(e)
			if e.Kind != yaml.MappingNode {
				p.errorf(e, a, "a merge key (<<) takes objects, not %s", kindName(e))
				continue
			}
			out = append(out, p.pairs(e, a, depth+1)...)
		}
		return out
	default:
		p.errorf(v, a, "a merge key (<<) takes objects, not %s", kindName(v))
		return nil
	}
}

// take returns the value of key, or nil when the mapping has none, and marks
// key as known.
func (o *object) take(key string) *yaml.Node {
	o.taken = append(o.taken, key)
	for _, pr := range o.pairs {
		if pr.key == key {
			return pr.value
		}
	}
	return nil
}

// has reports whether the mapping has key, without marking it known.
func (o *object) has(key string) bool {
	for _, pr := range o.pairs {
		if pr.key == key {
			return true
		}
	}
	return false
}

// require is take for a required key: it reports the key missing.
func (o *object) require(key string) *yaml.Node {
	v := o.take(key)
	if v == nil {
		o.p.errorf(o.node, o.a, "%s is required", key)
	}
	return v
}

// done warns about every key that was not taken: unknown keys are ignored,
// as the managed service ignores them (reference Q21), but they are often
// typos, so the warning suggests the nearest known key.
func (o *object) done() {
	for _, pr := range o.pairs {
		if slices.Contains(o.taken, pr.key) {
			continue
		}
		if s := suggest(pr.key, o.taken); s != "" {
			o.p.warnf(pr.keyN, o.a, "unknown key %q is ignored (did you mean %q?)", pr.key, s)
		} else {
			o.p.warnf(pr.keyN, o.a, "unknown key %q is ignored", pr.key)
		}
	}
}

// suggest returns the known key closest to key: the same but for case, or at
// most two edits away. It returns "" when none is close.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, key) {
			return k
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(key)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// list reads n as a sequence. A null counts as an empty list, since YAML
// writes "key:" with nothing after it as null.
func (p *parser) list(n *yaml.Node, a at) ([]*yaml.Node, bool) {
	n = p.resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, a, "must be a list, not %s", kindName(n))
		return nil, false
	}
	return n.Content, true
}

// str reads n as a string. Numbers and booleans are not strings: in JSON
// they would not be either, and quoting them is easy.
func (p *parser) str(n *yaml.Node, a at) (string, bool) {
	n = p.resolve(n)
	if p.customTag(n, a) {
		return "", false
	}
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str", "!!timestamp", "!!binary":
			return n.Value, true
		}
	}
	p.errorf(n, a, "must be a string, not %s", kindName(n))
	return "", false
}

// customTag reports a local YAML tag such as !Ref: deployment tools (fun,
// ROS templates) replace those before a flow reaches the service, so a flow
// that still has one was never run as it is.
func (p *parser) customTag(n *yaml.Node, a at) bool {
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return false
	}
	p.errorf(n, a, "the YAML tag %s is not part of FDL; deployment tools replace it before the flow is created, so write the value itself", n.Tag)
	return true
}

// boolean reads n as true or false. yaml.v3 also accepts YAML 1.1's yes/no
// and on/off here, which flows written for older YAML parsers may use.
func (p *parser) boolean(n *yaml.Node, a at) (bool, bool) {
	n = p.resolve(n)
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		p.errorf(n, a, "must be true or false, not %s", kindName(n))
		return false, false
	}
	return b, true
}

// number reads n as a finite number.
func (p *parser) number(n *yaml.Node, a at) (float64, bool) {
	n = p.resolve(n)
	if n.Kind == yaml.ScalarNode {
		if f, ok := scalarNumber(n); ok {
			return f, true
		}
	}
	p.errorf(n, a, "must be a number, not %s", kindName(n))
	return 0, false
}

// integer reads n as a whole number in [lo, hi].
func (p *parser) integer(n *yaml.Node, a at, lo, hi int) (int, bool) {
	f, ok := p.number(n, a)
	if !ok {
		return 0, false
	}
	if f != math.Trunc(f) {
		p.errorf(n, a, "must be a whole number, not %v", f)
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		p.errorf(n, a, "must be between %d and %d, not %v", lo, hi, f)
		return 0, false
	}
	return int(f), true
}

// scalarNumber converts an !!int or !!float scalar to a finite float64, as
// encoding/json would hold it.
func scalarNumber(n *yaml.Node) (float64, bool) {
	switch n.ShortTag() {
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return float64(i), true
		}
		var u uint64
		if n.Decode(&u) == nil {
			return float64(u), true
		}
		// Too large for 64 bits: JSON numbers are floats anyway.
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		return f, err == nil && !math.IsInf(f, 0)
	case "!!float":
		var f float64
		if n.Decode(&f) != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// value converts n to a plain JSON value (nil, bool, float64, string, []any,
// map[string]any), the form encoding/json gives, so that constants written
// in YAML behave exactly like values that arrive as JSON at run time.
func (p *parser) value(n *yaml.Node, a at) (any, bool) {
	n = p.resolve(n)
	if p.exhausted(n) {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		ok := true
		for _, pr := range p.pairs(n, a, 0) {
			v, vok := p.value(pr.value, a)
			m[pr.key] = v
			ok = ok && vok
		}
		return m, ok
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		ok := true
		for _, e := range n.Content {
			v, vok := p.value(e, a)
			s = append(s, v)
			ok = ok && vok
		}
		return s, ok
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, true
			}
		case "!!int", "!!float":
			if f, ok := scalarNumber(n); ok {
				return f, true
			}
			p.errorf(n, a, "%s is not a number JSON can hold", n.Value)
			return nil, false
		default:
			if p.customTag(n, a) {
				return nil, false
			}
			return n.Value, true
		}
	}
	p.errorf(n, a, "cannot be read as a JSON value")
	return nil, false
}
