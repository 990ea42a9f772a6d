package fdl

import (
	"testing"
)

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		d    Diagnostic
		want string
	}{
		{Diagnostic{File: "f.yaml", Pos: Pos{3, 5}, StepPath: "parallel1/branch[0]/mytask", Severity: SeverityError, Message: "retry[0].maxAttempts: must be between 0 and 2147483647, not -1"},
			"f.yaml:3:5: parallel1/branch[0]/mytask: retry[0].maxAttempts: must be between 0 and 2147483647, not -1"},
		{Diagnostic{File: "f.yaml", Pos: Pos{1, 1}, Severity: SeverityWarning, Message: `unknown key "name" is ignored`},
			`f.yaml:1:1: warning: unknown key "name" is ignored`},
		{Diagnostic{File: "f.yaml", Severity: SeverityError, Message: "the flow definition is empty"},
			"f.yaml: the flow definition is empty"},
		{Diagnostic{Pos: Pos{2, 0}, Severity: SeverityError, Message: "invalid YAML"},
			"2: invalid YAML"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q\nwant %q", got, tt.want)
		}
	}
}

func TestDiagnosticsErr(t *testing.T) {
	ds := Diagnostics{
		{File: "f", Pos: Pos{1, 1}, Severity: SeverityWarning, Message: "w"},
	}
	if ds.HasErrors() || ds.Err() != nil {
		t.Fatal("warnings alone are not errors")
	}
	ds = append(ds,
		Diagnostic{File: "f", Pos: Pos{2, 1}, Severity: SeverityError, Message: "e1"},
		Diagnostic{File: "f", Pos: Pos{3, 1}, StepPath: "s", Severity: SeverityError, Message: "e2"})
	if !ds.HasErrors() {
		t.Fatal("HasErrors() = false")
	}
	if got, want := ds.Err().Error(), "f:2:1: e1\nf:3:1: s: e2"; got != want {
		t.Errorf("Err() = %q, want %q", got, want)
	}
}
