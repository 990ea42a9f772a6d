package fdl

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Severity says whether a diagnostic stops a flow from running.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is one problem found in a flow definition.
type Diagnostic struct {
	File string
	Pos  Pos
	// StepPath is the step the problem belongs to (see StepCommon.Path), or ""
	// for the flow itself.
	StepPath string
	Severity Severity
	Message  string
}

// String formats the diagnostic the way compilers do, so that editors and
// terminals can jump to it: "file:line:col: step path: message". Warnings say
// so before the message. Parts that are unknown are left out.
func (d Diagnostic) String() string {
	var b strings.Builder
	if d.File != "" {
		b.WriteString(d.File)
		b.WriteString(":")
	}
	switch {
	case d.Pos.Line > 0 && d.Pos.Col > 0:
		fmt.Fprintf(&b, "%d:%d:", d.Pos.Line, d.Pos.Col)
	case d.Pos.Line > 0: // YAML syntax errors give a line only
		fmt.Fprintf(&b, "%d:", d.Pos.Line)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if d.StepPath != "" {
		b.WriteString(d.StepPath)
		b.WriteString(": ")
	}
	if d.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics are all the problems found in a flow, in source order.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error. A flow with errors
// must not run.
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// Err returns nil when there are no errors, and otherwise an error whose
// message lists every error diagnostic, one per line. Warnings are left out.
func (ds Diagnostics) Err() error {
	var lines []string
	for _, d := range ds {
		if d.Severity == SeverityError {
			lines = append(lines, d.String())
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New(strings.Join(lines, "\n"))
}

// sort orders diagnostics by position so that output reads top to bottom and
// is the same on every run. The sort is stable: diagnostics at the same
// position keep the order in which they were found.
func (ds Diagnostics) sort() {
	slices.SortStableFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
}
