package fdl

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// mappingKind says which list a mapping belongs to, for the checks that
// depend on it.
type mappingKind int

const (
	mappingOther     mappingKind = iota
	mappingTaskInput             // a task's inputMappings: $context.task exists here
	mappingError                 // errorMappings: $local is {error, cause}
)

// mappings reads a list of {target, source} entries.
func (p *parser) mappings(n *yaml.Node, a at, kind mappingKind) []Mapping {
	if n == nil {
		return nil
	}
	items, _ := p.list(n, a)
	var ms []Mapping
	targets := map[string]bool{}
	for i, item := range items {
		ia := a.index(i)
		o := p.object(item, ia, "a mapping")
		if o == nil {
			continue
		}
		m := Mapping{Pos: posOf(o.node)}
		if v := o.require("target"); v != nil {
			if s, ok := p.str(v, ia.key("target")); ok {
				m.Target = s
				if s == "" {
					p.errorf(v, ia.key("target"), "must not be empty")
				} else if targets[s] {
					p.warnf(v, ia.key("target"), "%q is set again; the last mapping wins", s)
				}
				targets[s] = true
			}
		}
		if v := o.require("source"); v != nil {
			p.source(v, ia.key("source"), kind, &m)
		}
		o.done()
		ms = append(ms, m)
	}
	return ms
}

// source reads a mapping source into m: a path when it is a string starting
// with $input, $local or $context, a constant otherwise (reference §2.7).
func (p *parser) source(n *yaml.Node, a at, kind mappingKind, m *Mapping) {
	n = p.resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || !strings.HasPrefix(n.Value, "$") {
		m.Constant, _ = p.value(n, a)
		return
	}
	text := n.Value
	if !strings.HasPrefix(text, RootInput) && !strings.HasPrefix(text, RootLocal) && !strings.HasPrefix(text, RootContext) {
		p.warnf(n, a, "%q is a constant string; a mapping path starts with $input, $local or $context", text)
		m.Constant = text
		return
	}
	path, err := ParsePath(text)
	if err != nil {
		p.errorf(n, a, "%v", err)
		return
	}
	m.Source = path
	first := ""
	if len(path.segs) > 0 && path.segs[0].kind == segKey {
		first = path.segs[0].key
	}
	switch {
	case path.Root() == RootContext && first == "task" && kind != mappingTaskInput:
		p.warnf(n, a, "$context.task exists only in the inputMappings of a task step")
	case kind == mappingError && path.Root() == RootLocal && first != "" && first != "error" && first != "cause" && first != "code":
		p.warnf(n, a, "in errorMappings $local holds only error and cause (and code, an alias of error)")
	}
}
