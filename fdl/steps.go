package fdl

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits of the managed service that flows are held to (reference §7).
const (
	// MaxWaitSeconds is the longest a wait step may wait: 2 days. A wait
	// read from a path or a timestamp is checked against it at run time.
	MaxWaitSeconds = 2 * 24 * 60 * 60
	// MaxBranches is the most branches a parallel step may have.
	MaxBranches = 100
)

// choice reads the fields of a choice step (reference §3.3).
func (p *parser) choice(o *object, c StepCommon) *ChoiceStep {
	s := &ChoiceStep{StepCommon: c}
	a := at{step: c.Path}
	if v := o.require("choices"); v != nil {
		items, ok := p.list(v, a.key("choices"))
		if ok && len(items) == 0 {
			p.errorf(v, a.key("choices"), "needs at least one choice")
		}
		for i, item := range items {
			ca := a.key("choices").index(i)
			bo := p.object(item, ca, "a choice")
			if bo == nil {
				continue
			}
			b := ChoiceBranch{Pos: posOf(bo.node)}
			if cv := bo.require("condition"); cv != nil {
				b.Condition = p.condition(cv, ca.key("condition"))
			}
			p.branchBody(bo, ca, &b, fmt.Sprintf("%s/choices[%d]/", c.Path, i))
			bo.done()
			s.Choices = append(s.Choices, b)
		}
	}
	if v := o.take("default"); v != nil && !isNull(p.resolve(v)) {
		da := a.key("default")
		if bo := p.object(v, da, "default"); bo != nil {
			b := &ChoiceBranch{Pos: posOf(bo.node)}
			p.branchBody(bo, da, b, c.Path+"/default/")
			bo.done()
			s.Default = b
		}
	}
	return s
}

// branchBody reads the steps and goto of a choice branch or the default.
func (p *parser) branchBody(o *object, a at, b *ChoiceBranch, prefix string) {
	sv, gv := o.take("steps"), o.take("goto")
	if sv != nil {
		b.Steps = p.stepList(sv, a.key("steps"), prefix, false)
	}
	if gv != nil {
		b.Goto, _ = p.str(gv, a.key("goto"))
	}
	if sv == nil && gv == nil {
		p.warnf(o.node, a, "has neither steps nor goto; when taken, the flow goes on after the choice step")
	}
}

// condition parses a choice condition. A condition written as a bare YAML
// boolean or number (condition: true) is read as its text.
func (p *parser) condition(n *yaml.Node, a at) *Condition {
	n = p.resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.errorf(n, a, "must be a string, not %s", kindName(n))
		return nil
	}
	cond, err := ParseCondition(n.Value)
	if err != nil {
		p.errorf(n, a, "%v", err)
		return nil
	}
	return cond
}

// wait reads the fields of a wait step (reference §3.4).
func (p *parser) wait(o *object, c StepCommon) *WaitStep {
	s := &WaitStep{StepCommon: c}
	a := at{step: c.Path}
	dv, tv := o.take("duration"), o.take("timestamp")
	switch {
	case dv == nil && tv == nil:
		p.errorf(o.node, a, "needs one of duration and timestamp")
	case dv != nil && tv != nil:
		p.errorf(tv, a, "has both duration and timestamp; give only one")
	}
	if dv != nil {
		s.Duration = p.waitDuration(dv, a.key("duration"))
	}
	if tv != nil {
		s.Timestamp = p.waitTimestamp(tv, a.key("timestamp"))
	}
	return s
}

// waitDuration reads a number of seconds or a $ path.
func (p *parser) waitDuration(n *yaml.Node, a at) *WaitValue {
	n = p.resolve(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if !strings.HasPrefix(n.Value, "$") {
			p.errorf(n, a, "must be a number of seconds or a $ path, not the string %q", n.Value)
			return nil
		}
		if path := p.stepPath(n, a); path != nil {
			return &WaitValue{Path: path}
		}
		return nil
	}
	secs, ok := p.integer(n, a, 0, maxInt32)
	if !ok {
		return nil
	}
	if secs > MaxWaitSeconds {
		p.errorf(n, a, "waits at most 2 days (%d seconds), not %d seconds", MaxWaitSeconds, secs)
	}
	return &WaitValue{Seconds: float64(secs)}
}

// waitTimestamp reads an RFC 3339 time or a $ path.
func (p *parser) waitTimestamp(n *yaml.Node, a at) *WaitValue {
	text, ok := p.str(n, a)
	if !ok {
		return nil
	}
	if strings.HasPrefix(text, "$") {
		if path := p.stepPath(n, a); path != nil {
			return &WaitValue{Path: path}
		}
		return nil
	}
	if _, err := time.Parse(time.RFC3339, text); err != nil {
		p.errorf(n, a, "%q is not an RFC 3339 time such as 2019-05-02T15:04:05Z", text)
		return nil
	}
	return &WaitValue{Time: text}
}

// stepPath reads a string that must be a path into the step's input ($).
func (p *parser) stepPath(n *yaml.Node, a at) *Path {
	text, ok := p.str(n, a)
	if !ok {
		return nil
	}
	path, err := ParsePath(text)
	switch {
	case err != nil:
		p.errorf(n, a, "%v", err)
		return nil
	case path.Root() != RootStep:
		p.errorf(n, a, "reads the step input with $ (for example $.key), not %s", path.Root())
		return nil
	}
	return path
}

// parallel reads the fields of a parallel step (reference §3.5).
func (p *parser) parallel(o *object, c StepCommon) *ParallelStep {
	s := &ParallelStep{StepCommon: c}
	a := at{step: c.Path}
	v := o.require("branches")
	if v == nil {
		return s
	}
	items, ok := p.list(v, a.key("branches"))
	switch {
	case ok && len(items) == 0:
		p.errorf(v, a.key("branches"), "needs at least one branch")
	case len(items) > MaxBranches:
		p.errorf(v, a.key("branches"), "has %d branches; a parallel step has at most %d", len(items), MaxBranches)
	}
	for i, item := range items {
		ba := a.key("branches").index(i)
		bo := p.object(item, ba, "a branch")
		if bo == nil {
			continue
		}
		b := Branch{Pos: posOf(bo.node)}
		if sv := bo.require("steps"); sv != nil {
			b.Steps = p.stepList(sv, ba.key("steps"), fmt.Sprintf("%s/branch[%d]/", c.Path, i), true)
		}
		bo.done()
		s.Branches = append(s.Branches, b)
	}
	return s
}

// foreach reads the fields of a foreach step (reference §3.6).
func (p *parser) foreach(o *object, c StepCommon) *ForeachStep {
	s := &ForeachStep{StepCommon: c}
	a := at{step: c.Path}
	if v := o.require("iterationMapping"); v != nil {
		ia := a.key("iterationMapping")
		if im := p.object(v, ia, "iterationMapping"); im != nil {
			if cv := im.require("collection"); cv != nil {
				s.Collection = p.stepPath(cv, ia.key("collection"))
			}
			if iv := im.require("item"); iv != nil {
				s.Item = p.keyName(iv, ia.key("item"))
			}
			if iv := im.take("index"); iv != nil {
				s.Index = p.keyName(iv, ia.key("index"))
				if s.Index != "" && s.Index == s.Item {
					p.errorf(iv, ia.key("index"), "is the same key as item")
				}
			}
			im.done()
		}
	}
	if v := o.require("steps"); v != nil {
		s.Steps = p.stepList(v, a.key("steps"), c.Path+"/", true)
	}
	return s
}

// keyName reads a non-empty string used as a key of the iteration input.
func (p *parser) keyName(n *yaml.Node, a at) string {
	s, ok := p.str(n, a)
	if ok && s == "" {
		p.errorf(n, a, "must not be empty")
	}
	return s
}

// fail reads the fields of a fail step (reference §3.8).
func (p *parser) fail(o *object, c StepCommon) *FailStep {
	s := &FailStep{StepCommon: c}
	a := at{step: c.Path}
	if v := o.take("error"); v != nil {
		s.Error, _ = p.str(v, a.key("error"))
	}
	if v := o.take("cause"); v != nil {
		s.Cause, _ = p.str(v, a.key("cause"))
	}
	if s.Error == "" {
		p.warnf(o.node, a, "has no error name; callers and catch policies see an empty error")
	}
	return s
}
