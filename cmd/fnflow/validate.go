package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/fdl"
)

const validateUsage = `Usage: fnflow validate [--json] [--functions FILE] FILE...

Checks FDL flow files (YAML or JSON) and prints every problem found, one per
line, as file:line:col: step path: message. A valid flow prints nothing.
With --json, prints a JSON array of {file, line, column, stepPath, severity,
message} objects instead (an empty array when there is nothing to say).

With --functions, the bindings file of fnflow dev or fnflow worker, checks it
too and warns about every task step whose function or action it does not
bind: such a step would fail when it runs. Queues, topics and child flows
need no binding.

Exit status: 0 when no file has errors (warnings do not count), 1 when some
file has errors, 2 on a usage error.
`

// runValidate is the validate command: it runs every file through the same
// fdl.Parse that CreateFlow and UpdateFlow use, so a flow that passes here
// is accepted by the gateway.
func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, validateUsage) }
	asJSON := fs.Bool("json", false, "print the diagnostics as JSON")
	functions := fs.String("functions", "", functionsUsage)

	files, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, "fnflow validate: no files given\n\n"+validateUsage)
		return 2
	}

	var diags fdl.Diagnostics
	var bindings *activities.Bindings
	if *functions != "" {
		var problems fdl.Diagnostics
		bindings, problems = readBindings(*functions)
		diags = append(diags, problems...)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			diags = append(diags, fdl.Diagnostic{File: file, Severity: fdl.SeverityError, Message: readError(err)})
			continue
		}
		flow, ds := fdl.Parse(file, src)
		if bindings != nil && flow != nil {
			ds = append(ds, unboundSteps(file, flow, bindings)...)
			// Stable: fdl's diagnostics at a step's position stay before
			// the warning about its binding.
			slices.SortStableFunc(ds, func(a, b fdl.Diagnostic) int {
				return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
			})
		}
		diags = append(diags, ds...)
	}

	if *asJSON {
		if err := writeJSON(stdout, diags); err != nil {
			fmt.Fprintf(stderr, "fnflow validate: %v\n", err)
			return 1
		}
	} else {
		for _, d := range diags {
			fmt.Fprintln(stdout, d)
		}
	}
	if diags.HasErrors() {
		return 1
	}
	return 0
}

// readBindings reads the bindings file of --functions. Each of its problems
// is an error of the file: the worker would refuse to start with it.
func readBindings(file string) (*activities.Bindings, fdl.Diagnostics) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fdl.Diagnostics{{File: file, Severity: fdl.SeverityError, Message: readError(err)}}
	}
	b, err := activities.ParseBindings(text)
	if err == nil {
		return b, nil
	}
	problems := []error{err}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		problems = joined.Unwrap()
	}
	var diags fdl.Diagnostics
	for _, p := range problems {
		diags = append(diags, fdl.Diagnostic{File: file, Severity: fdl.SeverityError, Message: p.Error()})
	}
	return nil, diags
}

// unboundSteps warns, at each task step of flow whose function or action
// bindings leave unbound, what the bindings file lacks: the step would fail
// when it runs. It is a warning, not an error: the flow is valid, and
// another worker's bindings may bind it.
func unboundSteps(file string, flow *fdl.Flow, bindings *activities.Bindings) fdl.Diagnostics {
	var diags fdl.Diagnostics
	fdl.Walk(flow.Steps, func(s fdl.Step) {
		t, ok := s.(*fdl.TaskStep)
		if !ok {
			return
		}
		if missing := bindings.Unbound(t); missing != "" {
			diags = append(diags, fdl.Diagnostic{File: file, Pos: t.Pos, StepPath: t.Path, Severity: fdl.SeverityWarning, Message: missing})
		}
	})
	return diags
}

// parseInterspersed parses flags wherever they appear among the file names,
// so that both "validate --json f.yaml" and "validate f.yaml --json" work.
// Arguments after "--" are all file names.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(files, rest...), nil
		}
		if len(rest) == 0 {
			return files, nil
		}
		// fs.Parse stopped at a file name; take it and go on with the rest.
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// readError says why a file could not be read, without Go's "open" prefix
// repeating the file name the diagnostic already shows.
func readError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return "cannot read the file: " + pe.Err.Error()
	}
	return "cannot read the file: " + err.Error()
}

// jsonDiagnostic is the --json form of a diagnostic, for editors and CI.
type jsonDiagnostic struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	StepPath string `json:"stepPath,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

func writeJSON(w io.Writer, diags fdl.Diagnostics) error {
	out := make([]jsonDiagnostic, 0, len(diags))
	for _, d := range diags {
		out = append(out, jsonDiagnostic{
			File: d.File, Line: d.Pos.Line, Column: d.Pos.Col, StepPath: d.StepPath,
			Severity: string(d.Severity), Message: d.Message,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
