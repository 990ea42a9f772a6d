package fdl

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// parseFile parses a file of testdata/valid and fails on any diagnostic.
func parseFile(t *testing.T, name string) *Flow {
	t.Helper()
	src, err := os.ReadFile("testdata/valid/" + name)
	if err != nil {
		t.Fatal(err)
	}
	flow, diags := Parse(name, src)
	if len(diags) > 0 || flow == nil {
		t.Fatalf("%s:\n%s", name, diagText(diags))
	}
	return flow
}

// stepPaths lists the Path of every step, depth first.
func stepPaths(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Common().Path)
		switch s := s.(type) {
		case *ChoiceStep:
			for _, b := range s.Choices {
				out = append(out, stepPaths(b.Steps)...)
			}
			if s.Default != nil {
				out = append(out, stepPaths(s.Default.Steps)...)
			}
		case *ParallelStep:
			for _, b := range s.Branches {
				out = append(out, stepPaths(b.Steps)...)
			}
		case *ForeachStep:
			out = append(out, stepPaths(s.Steps)...)
		}
	}
	return out
}

func TestParseModel(t *testing.T) {
	f := parseFile(t, "everything.yaml")
	if f.Version != "v1" || f.Type != "flow" || f.TimeoutSeconds != 3600 {
		t.Errorf("flow header = %q %q %d", f.Version, f.Type, f.TimeoutSeconds)
	}
	if got := len(f.InputMappings) + len(f.OutputMappings); got != 3 {
		t.Errorf("flow mappings: %d", got)
	}
	if m := f.InputMappings[1]; m.Target != "region" || m.Source != nil || m.Constant != "cn-hangzhou" || m.Pos != (Pos{Line: 9, Col: 5}) {
		t.Errorf("constant mapping = %+v", m)
	}

	wantPaths := []string{
		"init", "callFunction", "askApproval",
		"route", "route/choices[0]/coolOff", "route/choices[0]/untilCutoff",
		"fanOut", "fanOut/branch[0]/notify", "fanOut/branch[1]/child",
		"perItem", "perItem/pause",
		"done", "rejected", "failed",
	}
	if got := stepPaths(f.Steps); !reflect.DeepEqual(got, wantPaths) {
		t.Errorf("step paths:\n%q\nwant\n%q", got, wantPaths)
	}

	init := f.Steps[0].(*PassStep)
	constants := map[string]any{}
	for _, m := range init.OutputMappings {
		constants[m.Target] = m.Constant
	}
	wantConstants := map[string]any{
		"small_file_limit": 52428800.0, // YAML integers become float64, as in encoding/json
		"tags":             []any{"A", "B"},
		"meta":             map[string]any{"a": "b", "c": 1.0},
		"delimiter":        "/",
	}
	if !reflect.DeepEqual(constants, wantConstants) {
		t.Errorf("constants = %#v", constants)
	}

	call := f.Steps[1].(*TaskStep)
	wantResource := Resource{Kind: ResourceFunction, Region: "cn-hangzhou", Account: "123456", Service: "orders", Qualifier: "LATEST", Function: "check"}
	if call.Resource != wantResource || call.Pattern != PatternRequestResponse || call.TimeoutSeconds != 60 {
		t.Errorf("task = %+v %q %d", call.Resource, call.Pattern, call.TimeoutSeconds)
	}
	wantRetry := []RetryPolicy{
		{Errors: []string{"FC.ResourceThrottled", "FC.Unknown", "FnF.TaskTimeout"}, IntervalSeconds: 3, MaxAttempts: 10, Multiplier: 1.5, MaxIntervalSeconds: 60, Pos: Pos{38, 9}},
		{Errors: []string{"FnF.ALL"}, IntervalSeconds: 1, MaxAttempts: 3, Multiplier: 2, MaxIntervalSeconds: 86400, Pos: Pos{43, 9}},
	}
	if !reflect.DeepEqual(call.Retry, wantRetry) {
		t.Errorf("retry = %+v", call.Retry)
	}
	if len(call.Catch) != 2 || call.Catch[0].Goto != "rejected" || call.Catch[1].Errors[0] != "FnF.ALL" {
		t.Errorf("catch = %+v", call.Catch)
	}
	if len(call.ErrorMappings) != 2 || call.ErrorMappings[0].Source.String() != "$local.error" {
		t.Errorf("errorMappings = %+v", call.ErrorMappings)
	}

	ask := f.Steps[2].(*TaskStep)
	if ask.Resource.Kind != ResourceQueue || ask.Resource.Name != "approvals" || ask.Pattern != PatternWaitForCallback {
		t.Errorf("queue task = %+v %q", ask.Resource, ask.Pattern)
	}
	if !reflect.DeepEqual(ask.ServiceParams, map[string]any{"MessageBody": "$", "Priority": 1.0}) {
		t.Errorf("serviceParams = %#v", ask.ServiceParams)
	}

	route := f.Steps[3].(*ChoiceStep)
	if len(route.Choices) != 3 || route.Default == nil || route.Default.Goto != "fanOut" || route.Choices[1].Goto != "fanOut" {
		t.Fatalf("choice = %+v", route)
	}
	if ok, err := route.Choices[0].Condition.Eval(map[string]any{"approved": true, "amount": 5.0, "vip": true}); !ok || err != nil {
		t.Errorf("condition = %v, %v", ok, err)
	}
	cool := route.Choices[0].Steps[0].(*WaitStep)
	until := route.Choices[0].Steps[1].(*WaitStep)
	if cool.Duration == nil || cool.Duration.Seconds != 60 || cool.Timestamp != nil || until.Timestamp.Path.String() != "$.cutoff" {
		t.Errorf("waits = %+v %+v", cool, until)
	}

	fan := f.Steps[4].(*ParallelStep)
	child := fan.Branches[1].Steps[0].(*TaskStep)
	if len(fan.Branches) != 2 || child.Resource != (Resource{Kind: ResourceFlow, Name: "shipping"}) || child.Pattern != PatternSync {
		t.Errorf("parallel = %+v", fan)
	}
	notify := fan.Branches[0].Steps[0].(*TaskStep)
	if notify.Resource.Kind != ResourceTopic || notify.Resource.Name != "orders" {
		t.Errorf("topic = %+v", notify.Resource)
	}

	each := f.Steps[5].(*ForeachStep)
	if each.Collection.String() != "$.order.items" || each.Item != "item" || each.Index != "i" || len(each.Steps) != 1 {
		t.Errorf("foreach = %+v", each)
	}
	if pause := each.Steps[0].(*WaitStep); pause.Duration.Path.String() != "$.item.delay" {
		t.Errorf("wait path = %+v", pause.Duration)
	}

	if _, ok := f.Steps[6].(*SucceedStep); !ok {
		t.Errorf("step 6 is %T", f.Steps[6])
	}
	if rejected := f.Steps[7].(*PassStep); !rejected.End {
		t.Error("end: true was not read")
	}
	if failed := f.Steps[8].(*FailStep); failed.Error != "OrderFailed" || failed.Cause != "the order could not be processed" {
		t.Errorf("fail = %+v", failed)
	}
	if c := f.Steps[8].Common(); c.Type != StepFail || c.Name != "failed" || c.Pos != (Pos{Line: 122, Col: 5}) {
		t.Errorf("common = %+v", c)
	}
}

func TestParseJSON(t *testing.T) {
	f := parseFile(t, "json_flow.json")
	check := f.Steps[0].(*ChoiceStep)
	if check.Pos != (Pos{Line: 5, Col: 5}) || check.Default != nil || check.Choices[0].Steps[0].Common().Path != "check/choices[0]/ready" {
		t.Errorf("choice = %+v", check)
	}
	if w := f.Steps[1].(*WaitStep); w.Timestamp.Time != "2019-05-02T15:04:05Z" {
		t.Errorf("wait = %+v", w.Timestamp)
	}
}

func TestParseYAMLFeatures(t *testing.T) {
	f := parseFile(t, "yaml_features.yaml")
	second, third := f.Steps[1].(*TaskStep), f.Steps[2].(*TaskStep)
	if len(second.Retry) != 1 || second.Retry[0].MaxAttempts != 10 {
		t.Errorf("aliased retry = %+v", second.Retry)
	}
	if third.Name != "third" || third.Path != "third" || !third.End || len(third.Retry) != 1 {
		t.Errorf("merged step = %+v", third)
	}
}

func TestParseNilFlow(t *testing.T) {
	for _, src := range []string{"", "# nothing", "[1, 2]", "just text", "{", "42"} {
		flow, diags := Parse("f", []byte(src))
		if flow != nil || !diags.HasErrors() {
			t.Errorf("%q: flow %v, diags %v", src, flow, diags)
		}
	}
	flow, diags := Parse("f", []byte("{}"))
	if flow == nil || !diags.HasErrors() {
		t.Errorf("{}: flow %v, diags %v", flow, diags)
	}
}

func TestParseLimits(t *testing.T) {
	branches := strings.Repeat("      - steps: [{type: pass, name: p}]\n", MaxBranches+1)
	src := "version: v1\ntype: flow\nsteps:\n  - type: parallel\n    name: wide\n    branches:\n" + branches
	_, diags := Parse("f", []byte(src))
	if want := "f:7:7: wide: branches: has 101 branches; a parallel step has at most 100"; diagText(diags) != want+"\n" {
		t.Errorf("got %s\nwant %s", diagText(diags), want)
	}

	branches = strings.Repeat("      - steps: [{type: pass, name: p}]\n", MaxBranches)
	src = "version: v1\ntype: flow\nsteps:\n  - type: parallel\n    name: wide\n    branches:\n" + branches
	if _, diags := Parse("f", []byte(src)); len(diags) > 0 {
		t.Errorf("100 branches: %s", diagText(diags))
	}

	src = "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: w\n    duration: 172800\n"
	if _, diags := Parse("f", []byte(src)); len(diags) > 0 {
		t.Errorf("2 days: %s", diagText(diags))
	}
}

// Aliases may not make a flow expand beyond maxNodes ("billion laughs").
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: p\n    outputMappings:\n      - target: x\n        source: *a7\n")
	_, diags := Parse("f", []byte(b.String()))
	if !strings.Contains(diagText(diags), "the flow expands to more than") {
		t.Errorf("got %s", diagText(diags))
	}
}

func TestParseRecursiveAlias(t *testing.T) {
	src := "version: v1\ntype: flow\nsteps: &s\n  - type: parallel\n    name: p\n    branches:\n      - steps: *s\n"
	_, diags := Parse("f", []byte(src))
	if want := "f:7:16: the alias *s refers to a value that contains it\n"; diagText(diags) != want {
		t.Errorf("got %s\nwant %s", diagText(diags), want)
	}
}
