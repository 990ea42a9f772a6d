package fdl

import "fmt"

// This file holds the checks that look at a list of sibling steps as a
// whole: names, goto targets and reachability. Checks of a single field are
// made where the field is read.

// checkSiblings checks one step list. dropped names the steps that could not
// be read (an unknown type, say): they were reported already, and gotos that
// name them are not reported again.
func (p *parser) checkSiblings(steps []Step, dropped []string) {
	index := map[string]int{}
	for i, s := range steps {
		c := s.Common()
		if c.Name == "" {
			continue
		}
		if first, dup := index[c.Name]; dup {
			p.report(SeverityError, c.Pos, at{step: c.Path}, "another step of the same list is named %q (line %d); goto could not tell them apart",
				c.Name, steps[first].Common().Pos.Line)
			continue
		}
		index[c.Name] = i
	}
	known := func(name string) bool {
		_, ok := index[name]
		for _, d := range dropped {
			ok = ok || d == name
		}
		return ok
	}
	for _, s := range steps {
		for _, g := range gotos(s) {
			if !known(g.target) {
				p.report(SeverityError, g.pos, at{step: s.Common().Path, field: g.field},
					"%q is not a sibling of this step (goto can only name a step in the same list)", g.target)
			}
		}
	}
	p.checkReachable(steps, index)
}

// jump is one goto of a step: a choice branch's or a catch policy's.
type jump struct {
	target string
	field  string
	pos    Pos
}

// gotos lists the jumps a step can make to its siblings.
func gotos(s Step) []jump {
	var out []jump
	switch s := s.(type) {
	case *ChoiceStep:
		for i, b := range s.Choices {
			if b.Goto != "" {
				out = append(out, jump{b.Goto, fmt.Sprintf("choices[%d].goto", i), b.Pos})
			}
		}
		if s.Default != nil && s.Default.Goto != "" {
			out = append(out, jump{s.Default.Goto, "default.goto", s.Default.Pos})
		}
	case *TaskStep:
		for i, c := range s.Catch {
			if c.Goto != "" {
				out = append(out, jump{c.Goto, fmt.Sprintf("catch[%d].goto", i), c.Pos})
			}
		}
	}
	return out
}

// fallsThrough reports whether the step after s in its list can run after s.
func fallsThrough(s Step) bool {
	if s.Common().End {
		return false
	}
	switch s := s.(type) {
	case *SucceedStep, *FailStep:
		return false
	case *ChoiceStep:
		if s.Default == nil || s.Default.Goto == "" {
			return true // no match, or the default, goes on after the choice
		}
		for _, b := range s.Choices {
			if b.Goto == "" {
				return true
			}
		}
		return false
	default:
		return true
	}
}

// checkReachable warns about steps that no path through the list reaches:
// the first step runs, a step that falls through leads to the next one, and
// gotos lead to their targets.
func (p *parser) checkReachable(steps []Step, index map[string]int) {
	reached := make([]bool, len(steps))
	var visit func(i int)
	visit = func(i int) {
		if i >= len(steps) || reached[i] {
			return
		}
		reached[i] = true
		for _, g := range gotos(steps[i]) {
			if j, ok := index[g.target]; ok {
				visit(j)
			}
		}
		if fallsThrough(steps[i]) {
			visit(i + 1)
		}
	}
	visit(0)
	for i, s := range steps {
		if !reached[i] {
			c := s.Common()
			p.report(SeverityWarning, c.Pos, at{step: c.Path}, "is never reached: the steps before it end the list and no goto names it")
		}
	}
}
