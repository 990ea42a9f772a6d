package activities

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fnflow/fnflow/fdl"
)

// Bindings says where the functions (services/S/functions/F) and the cloud
// API actions (product:Action) of task steps really run. A zero or nil
// Bindings binds nothing.
type Bindings struct {
	byResource map[string]*FunctionBinding
	byAction   map[string]*ActionBinding
}

// FunctionBinding binds one function.
type FunctionBinding struct {
	Resource string `yaml:"resource"`
	Target   `yaml:",inline"`
}

// ActionBinding binds one cloud API action, which fnflow cannot call in
// Alibaba Cloud: something of the user's stands in for it.
type ActionBinding struct {
	Action string `yaml:"action"`
	Target `yaml:",inline"`
}

// Target is where a binding runs. Exactly one of HTTP and Temporal is set.
type Target struct {
	HTTP     *HTTPBinding     `yaml:"http"`
	Temporal *TemporalBinding `yaml:"temporal"`
}

// HTTPBinding calls a function by POSTing the step input as JSON to URL, or
// an action by POSTing its request parameters; the JSON reply is the result.
type HTTPBinding struct {
	URL     string            `yaml:"url"`
	Timeout time.Duration     `yaml:"timeout"`
	Headers map[string]string `yaml:"headers"`
}

// TemporalBinding runs a function or an action as a Temporal activity, so
// that they can be written with any Temporal SDK.
type TemporalBinding struct {
	Activity  string        `yaml:"activity"`
	TaskQueue string        `yaml:"taskQueue"`
	Timeout   time.Duration `yaml:"timeout"`
}

type bindingsFile struct {
	Functions []*FunctionBinding `yaml:"functions"`
	Actions   []*ActionBinding   `yaml:"actions"`
}

// LoadBindings reads a bindings file.
func LoadBindings(path string) (*Bindings, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading bindings: %w", err)
	}
	b, err := ParseBindings(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// ParseBindings parses the YAML of a bindings file and reports every problem
// in it at once.
func ParseBindings(text []byte) (*Bindings, error) {
	var file bindingsFile
	dec := yaml.NewDecoder(bytes.NewReader(text))
	dec.KnownFields(true)
	// An empty file decodes to io.EOF and means "no bindings".
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parsing bindings: %w", err)
	}
	b := &Bindings{byResource: map[string]*FunctionBinding{}, byAction: map[string]*ActionBinding{}}
	var problems []error
	for i, fb := range file.Functions {
		if err := fb.check(); err != nil {
			problems = append(problems, fmt.Errorf("functions[%d]: %w", i, err))
			continue
		}
		key := strings.Trim(fb.Resource, "/")
		if _, dup := b.byResource[key]; dup {
			problems = append(problems, fmt.Errorf("functions[%d]: %s is bound twice", i, fb.Resource))
			continue
		}
		b.byResource[key] = fb
	}
	for i, ab := range file.Actions {
		if err := ab.check(); err != nil {
			problems = append(problems, fmt.Errorf("actions[%d]: %w", i, err))
			continue
		}
		if _, dup := b.byAction[ab.Action]; dup {
			problems = append(problems, fmt.Errorf("actions[%d]: %s is bound twice", i, ab.Action))
			continue
		}
		b.byAction[ab.Action] = ab
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return b, nil
}

func (fb *FunctionBinding) check() error {
	if fb == nil {
		return errors.New("empty binding")
	}
	if !strings.HasPrefix(strings.Trim(fb.Resource, "/"), "services/") || !strings.Contains(fb.Resource, "/functions/") {
		return fmt.Errorf("resource %q must look like services/SERVICE/functions/FUNCTION", fb.Resource)
	}
	return fb.Target.check(fb.Resource)
}

func (ab *ActionBinding) check() error {
	if ab == nil {
		return errors.New("empty binding")
	}
	if !fdl.ValidAction(ab.Action) {
		return fmt.Errorf("action %q must look like product:Action, as in a task's action (for example ocr:RecognizeIdentityCard)", ab.Action)
	}
	return ab.Target.check(ab.Action)
}

// check checks the target of what bound names.
func (t Target) check(bound string) error {
	switch {
	case (t.HTTP == nil) == (t.Temporal == nil):
		return fmt.Errorf("%s: give exactly one of http and temporal", bound)
	case t.HTTP != nil && !strings.HasPrefix(t.HTTP.URL, "http://") && !strings.HasPrefix(t.HTTP.URL, "https://"):
		return fmt.Errorf("%s: http.url %q must be an http or https URL", bound, t.HTTP.URL)
	case t.Temporal != nil && (t.Temporal.Activity == "" || t.Temporal.TaskQueue == ""):
		return fmt.Errorf("%s: temporal needs activity and taskQueue", bound)
	}
	return nil
}

// Lookup finds the binding of a function resource. A qualified service
// ("svc.prod") uses its own binding when there is one, else the service's.
func (b *Bindings) Lookup(r fdl.Resource) (*FunctionBinding, bool) {
	if b == nil || r.Kind != fdl.ResourceFunction {
		return nil, false
	}
	if r.Qualifier != "" {
		if fb, ok := b.byResource["services/"+r.Service+"."+r.Qualifier+"/functions/"+r.Function]; ok {
			return fb, true
		}
	}
	fb, ok := b.byResource["services/"+r.Service+"/functions/"+r.Function]
	return fb, ok
}

// LookupAction finds the binding of a task's action, by its exact
// product:Action.
func (b *Bindings) LookupAction(action string) (*ActionBinding, bool) {
	if b == nil {
		return nil, false
	}
	ab, ok := b.byAction[action]
	return ab, ok
}

// Unbound says what a task step lacks in the bindings file to run, or ""
// when it lacks nothing: its function or action is bound, or it needs no
// binding (queues, topics and child flows are fnflow's own).
func (b *Bindings) Unbound(t *fdl.TaskStep) string {
	switch {
	case t.Action != "":
		if _, ok := b.LookupAction(t.Action); !ok {
			return unboundAction(t.Action)
		}
	case t.Resource.Kind == fdl.ResourceFunction:
		if _, ok := b.Lookup(t.Resource); !ok {
			return unboundFunction(t.ResourceArn, t.Resource)
		}
	}
	return ""
}

// unboundFunction and unboundAction say what to add to the bindings file,
// the same before a flow runs (fnflow validate --functions) as when it does.
func unboundFunction(arn string, r fdl.Resource) string {
	return fmt.Sprintf("function %s is not bound: add services/%s/functions/%s to the functions of the --functions file", arn, r.Service, r.Function)
}

func unboundAction(action string) string {
	return fmt.Sprintf("action %s is not bound: add it to the actions of the --functions file", action)
}
