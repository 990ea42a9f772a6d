package fdl

import "fmt"

// Mapping is one {target, source} entry of inputMappings, outputMappings or
// errorMappings (reference §2.7). Exactly one of Source and Constant is
// meaningful: a source string that starts with $input, $local or $context is
// a path, anything else (any JSON value) is a constant.
type Mapping struct {
	// Target is the key set in the object being built; a dot in it is part
	// of the key, not a nested path.
	Target string
	// Source is nil when the mapping sets a constant.
	Source   *Path
	Constant any
	Pos      Pos
}

// Vars are what mapping sources read: $input, $local and $context.
type Vars struct {
	Input, Local, Context any
}

// EvalMappings builds the object the mappings describe. Later targets replace
// earlier ones with the same name. A source path that leads nowhere is an
// error (docs/fdl.md, "Missing paths"). The result shares nothing with the
// flow or vars: constants and values read through paths are deep-copied, so
// callers may change it.
func EvalMappings(ms []Mapping, vars Vars) (map[string]any, error) {
	out := make(map[string]any, len(ms))
	for _, m := range ms {
		if m.Source == nil {
			out[m.Target] = deepCopy(m.Constant)
			continue
		}
		root, ok := vars.root(m.Source.Root())
		if !ok {
			return nil, fmt.Errorf("mapping to %q: %s cannot be read in a mapping", m.Target, m.Source)
		}
		v, err := m.Source.Get(root)
		if err != nil {
			return nil, fmt.Errorf("mapping to %q: %w", m.Target, err)
		}
		out[m.Target] = deepCopy(v)
	}
	return out, nil
}

// root returns the variable a mapping root stands for; $ is not one of them.
func (v Vars) root(name string) (any, bool) {
	switch name {
	case RootInput:
		return v.Input, true
	case RootLocal:
		return v.Local, true
	case RootContext:
		return v.Context, true
	default:
		return nil, false
	}
}

// ErrorLocal returns what $local holds while a task's errorMappings run
// (reference §4.2): the error name under "error" and the cause under
// "cause". The Chinese task page calls the name "code", so "code" holds it
// too (reference Q13, docs/fdl.md).
func ErrorLocal(name, cause string) map[string]any {
	return map[string]any{"error": name, "cause": cause, "code": name}
}
