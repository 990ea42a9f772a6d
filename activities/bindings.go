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

// Bindings maps function resources (services/S/functions/F) to where the
// function really runs. A zero or nil Bindings binds nothing.
type Bindings struct {
	byResource map[string]*FunctionBinding
}

// FunctionBinding binds one function. Exactly one of HTTP and Temporal is set.
type FunctionBinding struct {
	Resource string           `yaml:"resource"`
	HTTP     *HTTPBinding     `yaml:"http"`
	Temporal *TemporalBinding `yaml:"temporal"`
}

// HTTPBinding calls a function by POSTing the step input as JSON to URL; the
// JSON reply is the function's result.
type HTTPBinding struct {
	URL     string            `yaml:"url"`
	Timeout time.Duration     `yaml:"timeout"`
	Headers map[string]string `yaml:"headers"`
}

// TemporalBinding runs a function as a Temporal activity, so functions can be
// written with any Temporal SDK.
type TemporalBinding struct {
	Activity  string        `yaml:"activity"`
	TaskQueue string        `yaml:"taskQueue"`
	Timeout   time.Duration `yaml:"timeout"`
}

type bindingsFile struct {
	Functions []*FunctionBinding `yaml:"functions"`
}

// LoadBindings reads a bindings file.
func LoadBindings(path string) (*Bindings, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading function bindings: %w", err)
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
		return nil, fmt.Errorf("parsing function bindings: %w", err)
	}
	b := &Bindings{byResource: map[string]*FunctionBinding{}}
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
	switch {
	case (fb.HTTP == nil) == (fb.Temporal == nil):
		return fmt.Errorf("%s: give exactly one of http and temporal", fb.Resource)
	case fb.HTTP != nil && !strings.HasPrefix(fb.HTTP.URL, "http://") && !strings.HasPrefix(fb.HTTP.URL, "https://"):
		return fmt.Errorf("%s: http.url %q must be an http or https URL", fb.Resource, fb.HTTP.URL)
	case fb.Temporal != nil && (fb.Temporal.Activity == "" || fb.Temporal.TaskQueue == ""):
		return fmt.Errorf("%s: temporal needs activity and taskQueue", fb.Resource)
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
