package fdl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Versions of FDL a flow may declare. v1beta1 appears in older samples and
// means the same language.
var versions = []string{"v1", "v1beta1"}

// Parse parses and validates a flow written in YAML or JSON. filename is used
// only in diagnostics.
//
// Parse reports every problem it finds, in source order, and never stops at
// the first. The returned *Flow is nil only when the text is not a YAML/JSON
// mapping at all; otherwise it holds as much of the flow as could be read, and
// callers must check diags.HasErrors() before running it.
func Parse(filename string, src []byte) (flow *Flow, diags Diagnostics) {
	p := &parser{file: filename, budget: maxNodes}
	defer func() {
		p.diags.sort()
		diags = p.diags
	}()
	root := p.document(src)
	if root == nil {
		return nil, nil
	}
	return p.flow(root), nil
}

var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document decodes src into a single YAML document and returns its root
// mapping, or nil after reporting why there is none.
func (p *parser) document(src []byte) (root *yaml.Node) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := decodeSafely(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.report(SeverityError, Pos{}, at{}, "the flow definition is empty")
			return nil
		}
		pos, msg := Pos{}, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlErrorLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			pos, msg = Pos{Line: line}, m[2]
		}
		p.report(SeverityError, pos, at{}, "not valid YAML or JSON: %s", msg)
		return nil
	}
	var next yaml.Node
	if err := decodeSafely(dec, &next); !errors.Is(err, io.EOF) {
		pos := Pos{}
		if err == nil {
			pos = posOf(&next)
		}
		p.report(SeverityError, pos, at{}, "the flow definition must be a single YAML document")
	}
	if len(doc.Content) == 0 {
		p.report(SeverityError, posOf(&doc), at{}, "the flow definition is empty")
		return nil
	}
	if n := aliasCycle(&doc, map[*yaml.Node]int{}); n != nil {
		p.errorf(n, at{}, "the alias *%s refers to a value that contains it", n.Value)
		return nil
	}
	root = p.resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.errorf(root, at{}, "a flow definition is an object with version, type and steps, not %s", kindName(root))
		return nil
	}
	return root
}

// aliasCycle returns an alias that refers to one of its own ancestors, or
// nil. Such a value is infinite: walking it would never end. state records
// nodes being walked (1) and walked (2), so each node is walked once.
func aliasCycle(n *yaml.Node, state map[*yaml.Node]int) *yaml.Node {
	switch state[n] {
	case 1:
		return n
	case 2:
		return nil
	}
	state[n] = 1
	defer func() { state[n] = 2 }()
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if state[n.Alias] == 1 {
			return n
		}
		return aliasCycle(n.Alias, state)
	}
	for _, c := range n.Content {
		if found := aliasCycle(c, state); found != nil {
			return found
		}
	}
	return nil
}

// decodeSafely decodes the next document, turning a panic inside yaml.v3
// into an error: Parse must survive any input, and yaml.v3 has panicked on
// malformed input before.
func decodeSafely(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the YAML parser failed: %v", r)
		}
	}()
	return dec.Decode(n)
}

// flow reads the top level of a flow definition.
func (p *parser) flow(n *yaml.Node) *Flow {
	f := &Flow{}
	o := p.object(n, at{}, "a flow")
	if o == nil {
		return f
	}
	if !o.has("version") && (o.has("States") || o.has("StartAt")) {
		p.errorf(n, at{}, "this is a CloudFlow state machine (StartAt, States); fnflow runs FDL flows (version: v1, type: flow, steps)")
		return f
	}
	if v := o.require("version"); v != nil {
		if s, ok := p.str(v, at{field: "version"}); ok {
			f.Version = s
			if !slices.Contains(versions, s) {
				p.errorf(v, at{field: "version"}, "unsupported version %q (fnflow reads v1 and v1beta1)", s)
			}
		}
	}
	if v := o.require("type"); v != nil {
		if s, ok := p.str(v, at{field: "type"}); ok {
			f.Type = s
			if s != "flow" {
				p.errorf(v, at{field: "type"}, "must be flow, not %q", s)
			}
		}
	}
	if v := o.take("timeoutSeconds"); v != nil {
		f.TimeoutSeconds, _ = p.integer(v, at{field: "timeoutSeconds"}, 0, maxInt32)
	}
	f.InputMappings = p.mappings(o.take("inputMappings"), at{field: "inputMappings"}, mappingOther)
	f.OutputMappings = p.mappings(o.take("outputMappings"), at{field: "outputMappings"}, mappingOther)
	if v := o.require("steps"); v != nil {
		f.Steps = p.stepList(v, at{field: "steps"}, "", true)
	}
	o.done()
	return f
}

// maxInt32 bounds integer fields: values beyond it are mistakes, and it
// keeps arithmetic on them (seconds to durations) far from overflow.
const maxInt32 = 1<<31 - 1

// stepList reads a list of steps. prefix is the step path of the list
// ("" at top level, "parallel1/branch[0]/" in a branch); a is where the
// list itself sits, for problems with the list as a whole.
func (p *parser) stepList(n *yaml.Node, a at, prefix string, required bool) []Step {
	items, ok := p.list(n, a)
	if !ok {
		return nil
	}
	if len(items) == 0 && required {
		p.errorf(n, a, "needs at least one step")
	}
	var steps []Step
	var dropped []string
	for i, item := range items {
		step, name := p.step(item, prefix, i)
		if step != nil {
			steps = append(steps, step)
		} else if name != "" {
			dropped = append(dropped, name)
		}
	}
	p.checkSiblings(steps, dropped)
	return steps
}

// stepKinds lists the step types, for messages.
var stepKinds = []StepType{StepTask, StepPass, StepChoice, StepWait, StepParallel, StepForeach, StepSucceed, StepFail}

// step reads one step. It returns nil when the step's type is missing or
// unknown, together with the step's name so that its siblings can still
// refer to it without further errors.
func (p *parser) step(n *yaml.Node, prefix string, index int) (Step, string) {
	path := prefix + fmt.Sprintf("steps[%d]", index)
	o := p.object(n, at{step: path}, "a step")
	if o == nil {
		return nil, ""
	}
	c := StepCommon{Pos: posOf(o.node)}
	if v := o.require("name"); v != nil {
		if name, ok := p.str(v, at{step: path, field: "name"}); ok {
			c.Name = name
			if msg := checkStepName(name); msg != "" {
				p.errorf(v, at{step: path, field: "name"}, "%s", msg)
			} else {
				path = prefix + name
			}
		}
	}
	c.Path = path
	a := at{step: path}
	o.a = a
	if v := o.require("type"); v != nil {
		if t, ok := p.str(v, a.key("type")); ok {
			c.Type = StepType(t)
			if !slices.Contains(stepKinds, c.Type) {
				hint := ""
				if t == "loop" {
					hint = "; loop steps appear only in an editor schema and are not supported, use a choice with goto"
				} else if s := suggestType(t); s != "" {
					hint = fmt.Sprintf(" (did you mean %q?)", s)
				}
				p.errorf(v, a.key("type"), "unknown step type %q%s", t, hint)
			}
		}
	}
	if !slices.Contains(stepKinds, c.Type) {
		return nil, c.Name
	}
	if c.Type == StepSucceed || c.Type == StepFail {
		if v := o.take("end"); v != nil {
			p.warnf(v, a.key("end"), "has no effect: a %s step always ends its step list", c.Type)
		}
	} else if v := o.take("end"); v != nil {
		c.End, _ = p.boolean(v, a.key("end"))
	}
	input := mappingOther
	if c.Type == StepTask {
		input = mappingTaskInput
	}
	c.InputMappings = p.mappings(o.take("inputMappings"), a.key("inputMappings"), input)
	c.OutputMappings = p.mappings(o.take("outputMappings"), a.key("outputMappings"), mappingOther)

	var step Step
	switch c.Type {
	case StepTask:
		step = p.task(o, c)
	case StepPass:
		step = &PassStep{StepCommon: c}
	case StepChoice:
		step = p.choice(o, c)
	case StepWait:
		step = p.wait(o, c)
	case StepParallel:
		step = p.parallel(o, c)
	case StepForeach:
		step = p.foreach(o, c)
	case StepSucceed:
		step = &SucceedStep{StepCommon: c}
	case StepFail:
		step = p.fail(o, c)
	}
	o.done()
	return step, c.Name
}

// suggestType returns the step type closest to t, or "".
func suggestType(t string) string {
	names := make([]string, len(stepKinds))
	for i, k := range stepKinds {
		names[i] = string(k)
	}
	return suggest(t, names)
}
