package fdl

import (
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// MaxRetryIntervalSeconds bounds intervalSeconds and maxIntervalSeconds
// (reference §4.1).
const MaxRetryIntervalSeconds = 86400

// actionName is the form of a task's action: product:Action.
var actionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*:[A-Za-z][A-Za-z0-9]*$`)

var patterns = []Pattern{PatternRequestResponse, PatternSync, PatternWaitForCallback}

// task reads the fields of a task step (reference §3.1, §4).
func (p *parser) task(o *object, c StepCommon) *TaskStep {
	t := &TaskStep{StepCommon: c, Pattern: PatternRequestResponse}
	a := at{step: c.Path}
	rv, av := o.take("resourceArn"), o.take("action")
	switch {
	case rv == nil && av == nil:
		p.errorf(o.node, a, "needs a resourceArn or an action")
	case rv != nil && av != nil:
		p.errorf(av, a, "has both resourceArn and action; give only one")
	}
	if rv != nil {
		if arn, ok := p.str(rv, a.key("resourceArn")); ok {
			t.ResourceArn = arn
			r, err := ParseResourceArn(arn)
			if err != nil {
				p.errorf(rv, a.key("resourceArn"), "%v", err)
			}
			t.Resource = r
		}
	}
	if av != nil {
		if action, ok := p.str(av, a.key("action")); ok {
			t.Action = action
			if !actionName.MatchString(action) {
				p.errorf(av, a.key("action"), "%q is not of the form product:Action (for example fnf:StartExecution)", action)
			}
		}
	}
	pv := o.take("pattern")
	if pv != nil {
		if s, ok := p.str(pv, a.key("pattern")); ok {
			t.Pattern = Pattern(s)
			if !slices.Contains(patterns, t.Pattern) {
				p.errorf(pv, a.key("pattern"), "unknown pattern %q (use requestResponse, sync or waitForCallback)", s)
			}
		}
	}
	if v := o.take("timeoutSeconds"); v != nil {
		t.TimeoutSeconds, _ = p.integer(v, a.key("timeoutSeconds"), 0, maxInt32)
	}
	hv := o.take("heartbeatSeconds")
	if hv != nil {
		t.HeartbeatSeconds, _ = p.integer(hv, a.key("heartbeatSeconds"), 0, maxInt32)
	}
	sv := o.take("serviceParams")
	if sv != nil && !isNull(p.resolve(sv)) {
		if v, ok := p.value(sv, a.key("serviceParams")); ok {
			if m, isMap := v.(map[string]any); isMap {
				t.ServiceParams = m
			} else {
				p.errorf(sv, a.key("serviceParams"), "must be an object, not %s", kindName(p.resolve(sv)))
			}
		}
	}
	t.Retry = p.retries(o.take("retry"), a.key("retry"))
	t.Catch = p.catches(o.take("catch"), a.key("catch"))
	if v := o.take("errorMappings"); v != nil {
		t.ErrorMappings = p.mappings(v, a.key("errorMappings"), mappingError)
		if len(t.Catch) == 0 && len(t.ErrorMappings) > 0 {
			p.warnf(v, a.key("errorMappings"), "are used only when a catch policy handles the error, and this task has no catch")
		}
	}
	if pv == nil {
		pv = o.node
	}
	if sv == nil {
		sv = o.node
	}
	p.checkIntegration(t, a, pv, sv)
	if hv != nil {
		p.checkHeartbeat(t, a, hv)
	}
	return t
}

// checkHeartbeat checks heartbeatSeconds, fnflow's extension: only a
// waitForCallback task waits on someone else who can heartbeat; fnflow
// heartbeats its own calls.
func (p *parser) checkHeartbeat(t *TaskStep, a at, n *yaml.Node) {
	switch {
	case t.HeartbeatSeconds == 0:
	case t.Pattern != PatternWaitForCallback:
		p.errorf(n, a.key("heartbeatSeconds"), "applies only to waitForCallback tasks, whose worker reports heartbeats with ReportTaskHeartbeat")
	case t.TimeoutSeconds > 0 && t.HeartbeatSeconds >= t.TimeoutSeconds:
		p.warnf(n, a.key("heartbeatSeconds"), "is not less than timeoutSeconds (%d); the task times out before a heartbeat is missed", t.TimeoutSeconds)
	}
}

// retries reads a retry list and applies the documented defaults.
func (p *parser) retries(n *yaml.Node, a at) []RetryPolicy {
	if n == nil {
		return nil
	}
	items, _ := p.list(n, a)
	var out []RetryPolicy
	var lists []errorList
	for i, item := range items {
		ra := a.index(i)
		o := p.object(item, ra, "a retry policy")
		if o == nil {
			continue
		}
		r := RetryPolicy{IntervalSeconds: 1, MaxAttempts: 3, Multiplier: 2, MaxIntervalSeconds: MaxRetryIntervalSeconds, Pos: posOf(o.node)}
		if v := o.require("errors"); v != nil {
			r.Errors = p.errorNames(v, ra.key("errors"))
		}
		if v := o.take("intervalSeconds"); v != nil {
			if n, ok := p.integer(v, ra.key("intervalSeconds"), 1, MaxRetryIntervalSeconds); ok {
				r.IntervalSeconds = n
			}
		}
		if v := o.take("maxAttempts"); v != nil {
			if n, ok := p.integer(v, ra.key("maxAttempts"), 0, maxInt32); ok {
				r.MaxAttempts = n
			}
		}
		if v := o.take("multiplier"); v != nil {
			if f, ok := p.number(v, ra.key("multiplier")); ok {
				if f < 1 {
					p.errorf(v, ra.key("multiplier"), "must be at least 1, not %v", f)
				} else {
					r.Multiplier = f
				}
			}
		}
		mv := o.take("maxIntervalSeconds")
		if mv != nil {
			if n, ok := p.integer(mv, ra.key("maxIntervalSeconds"), 1, MaxRetryIntervalSeconds); ok {
				r.MaxIntervalSeconds = n
			}
		}
		if mv != nil && r.IntervalSeconds > r.MaxIntervalSeconds {
			p.warnf(mv, ra, "intervalSeconds (%d) is above maxIntervalSeconds (%d); every wait is %d seconds",
				r.IntervalSeconds, r.MaxIntervalSeconds, r.MaxIntervalSeconds)
		}
		o.done()
		out = append(out, r)
		lists = append(lists, errorList{node: o.node, a: ra, errors: r.Errors})
	}
	p.checkShadowed(lists)
	return out
}

// catches reads a catch list. Goto targets are checked with the task's
// siblings (checkSiblings).
func (p *parser) catches(n *yaml.Node, a at) []CatchPolicy {
	if n == nil {
		return nil
	}
	items, _ := p.list(n, a)
	var out []CatchPolicy
	var lists []errorList
	for i, item := range items {
		ca := a.index(i)
		o := p.object(item, ca, "a catch policy")
		if o == nil {
			continue
		}
		c := CatchPolicy{Pos: posOf(o.node)}
		if v := o.require("errors"); v != nil {
			c.Errors = p.errorNames(v, ca.key("errors"))
		}
		if v := o.require("goto"); v != nil {
			c.Goto, _ = p.str(v, ca.key("goto"))
		}
		o.done()
		out = append(out, c)
		lists = append(lists, errorList{node: o.node, a: ca, errors: c.Errors})
	}
	p.checkShadowed(lists)
	return out
}

// errorNames reads a non-empty list of error names.
func (p *parser) errorNames(n *yaml.Node, a at) []string {
	items, ok := p.list(n, a)
	if ok && len(items) == 0 {
		p.errorf(n, a, "needs at least one error name (%s matches every error)", ErrAll)
	}
	var names []string
	for i, item := range items {
		if s, ok := p.str(item, a.index(i)); ok {
			if s == "" {
				p.errorf(item, a.index(i), "must not be empty")
				continue
			}
			if s == ErrDataLimitExceeded {
				p.warnf(item, a.index(i), "%s is never matched: it ends the execution", s)
			}
			names = append(names, s)
		}
	}
	return names
}

// errorList is the errors of one retry or catch policy, for checkShadowed.
type errorList struct {
	node   *yaml.Node
	a      at
	errors []string
}

// checkShadowed warns about policies that can never apply because an
// earlier policy of the same list already handles their errors: policies are
// tried in order and the first match wins (reference §4.1, §4.2).
func (p *parser) checkShadowed(lists []errorList) {
	handled := map[string]int{}
	for i, l := range lists {
		if all, ok := handled[ErrAll]; ok {
			p.warnf(l.node, l.a, "is never used: %s before it handles %s", lists[all].a.field, ErrAll)
			continue
		}
		for _, e := range l.errors {
			if j, ok := handled[e]; ok && j != i {
				p.warnf(l.node, l.a, "error %q is already handled by %s before it", e, lists[j].a.field)
			} else if !ok {
				handled[e] = i
			}
		}
	}
}

// integration describes what an integration accepts (reference §3.1).
type integration struct {
	name     string
	patterns []Pattern
	params   []string // known serviceParams keys
}

var integrations = map[ResourceKind]integration{
	ResourceFunction: {"a function", []Pattern{PatternRequestResponse, PatternSync, PatternWaitForCallback}, []string{"InvocationType", "StatefulAsyncInvocationID"}},
	ResourceQueue:    {"a queue", []Pattern{PatternRequestResponse, PatternWaitForCallback}, []string{"MessageBody", "Priority", "DelaySeconds"}},
	ResourceTopic:    {"a topic", []Pattern{PatternRequestResponse, PatternWaitForCallback}, []string{"MessageBody", "MessageTag", "MessageAttributes"}},
	ResourceFlow:     {"a child flow", []Pattern{PatternRequestResponse, PatternSync, PatternWaitForCallback}, []string{"Input", "ExecutionName"}},
}

// checkIntegration checks a task's pattern and serviceParams against what
// its integration supports. patternN and paramsN locate the diagnostics.
func (p *parser) checkIntegration(t *TaskStep, a at, patternN, paramsN *yaml.Node) {
	pa := a.key("serviceParams")
	for _, key := range sortedKeys(t.ServiceParams) {
		s, ok := t.ServiceParams[key].(string)
		switch {
		case !ok:
		case isParamPath(s):
			if _, err := ParsePath(s); err != nil {
				p.errorf(paramNode(paramsN, key), pa.key(key), "%v", err)
			}
		case pathRoot(s) != "":
			p.warnf(paramNode(paramsN, key), pa.key(key), "%q is a constant string; serviceParams read the step input with $ (for example $.key)", s)
		}
	}
	if t.Action != "" {
		if t.Pattern != PatternRequestResponse && slices.Contains(patterns, t.Pattern) {
			p.errorf(patternN, a.key("pattern"), "an action task supports only requestResponse, not %s", t.Pattern)
		}
		return
	}
	in, known := integrations[t.Resource.Kind]
	if !known {
		return // the resourceArn error has been reported
	}
	if !slices.Contains(in.patterns, t.Pattern) && slices.Contains(patterns, t.Pattern) {
		p.errorf(patternN, a.key("pattern"), "%s does not support the %s pattern", in.name, t.Pattern)
	}
	for _, key := range sortedKeys(t.ServiceParams) {
		if !slices.Contains(in.params, key) {
			p.warnf(paramNode(paramsN, key), pa.key(key), "unknown parameter for %s is ignored", in.name)
		}
	}
	switch t.Resource.Kind {
	case ResourceFunction:
		inv, set := t.ServiceParams["InvocationType"]
		if set && inv != "Sync" && inv != "Async" {
			p.errorf(paramNode(paramsN, "InvocationType"), pa.key("InvocationType"), "must be Sync or Async, not %v", inv)
		}
		if t.Pattern == PatternSync && inv != "Async" {
			p.errorf(patternN, a.key("pattern"), "a function supports the sync pattern only with serviceParams.InvocationType: Async")
		}
		if id, set := t.ServiceParams["StatefulAsyncInvocationID"]; set {
			s, isStr := id.(string)
			switch {
			case inv != "Async":
				p.warnf(paramNode(paramsN, "StatefulAsyncInvocationID"), pa.key("StatefulAsyncInvocationID"), "is ignored without InvocationType: Async")
			case !isStr || !isParamPath(s) && !ValidName(s):
				p.errorf(paramNode(paramsN, "StatefulAsyncInvocationID"), pa.key("StatefulAsyncInvocationID"), "%#v is not a valid invocation ID: 1-128 letters, digits, _ and -, starting with a letter or _, or a $ path", id)
			}
		}
	case ResourceQueue, ResourceTopic:
		if _, set := t.ServiceParams["MessageBody"]; !set {
			// Default to sending the mapped step input, the usual choice.
			if t.ServiceParams == nil {
				t.ServiceParams = map[string]any{}
			}
			t.ServiceParams["MessageBody"] = RootStep
		}
		p.checkIntParam(t, paramsN, pa, "Priority", 1, 16)
		p.checkIntParam(t, paramsN, pa, "DelaySeconds", 0, 604800)
	case ResourceFlow:
		if name, ok := t.ServiceParams["ExecutionName"].(string); ok && !isParamPath(name) && !ValidName(name) {
			p.errorf(paramNode(paramsN, "ExecutionName"), pa.key("ExecutionName"), "%q is not a valid execution name", name)
		}
	}
	if t.Pattern == PatternWaitForCallback && !mentionsToken(t.InputMappings) {
		p.warnf(patternN, a, "waitForCallback task does not map $context.task.token into its input; nothing can report its result")
	}
}

// checkIntParam checks a constant integer service parameter's range.
func (p *parser) checkIntParam(t *TaskStep, n *yaml.Node, a at, key string, lo, hi float64) {
	v, set := t.ServiceParams[key]
	if !set {
		return
	}
	if s, isStr := v.(string); isStr && isParamPath(s) {
		return // read at run time
	}
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) || f < lo || f > hi {
		p.errorf(paramNode(n, key), a.key(key), "must be a whole number between %v and %v, not %v", lo, hi, v)
	}
}

// paramNode returns the node of serviceParams' value for key, to point
// diagnostics at it, or params itself when it cannot be found.
func paramNode(params *yaml.Node, key string) *yaml.Node {
	for i := 0; params.Kind == yaml.MappingNode && i+1 < len(params.Content); i += 2 {
		if params.Content[i].Value == key {
			return params.Content[i+1]
		}
	}
	return params
}

// mentionsToken reports whether the mappings read $context.task.token.
func mentionsToken(ms []Mapping) bool {
	for _, m := range ms {
		if m.Source != nil && m.Source.Root() == RootContext && m.Source.String() == "$context.task.token" {
			return true
		}
	}
	return false
}
