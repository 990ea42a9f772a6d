package fdl

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files of testdata/invalid")

// Every flow under testdata/valid parses without a single diagnostic: a
// valid flow produces no output.
func TestValidFlows(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*")
	if len(files) == 0 {
		t.Fatal("no test flows")
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		flow, diags := Parse(filepath.Base(file), src)
		if flow == nil || len(diags) > 0 {
			t.Errorf("%s:\n%s", file, diagText(diags))
		}
	}
}

// Every flow under testdata/invalid produces exactly the diagnostics (errors,
// or for some files only warnings) in the .golden file beside it. Run go test -update to rewrite them, then review
// the diff.
func TestInvalidFlows(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.yaml")
	jsonFiles, _ := filepath.Glob("testdata/invalid/*.json")
	files = append(files, jsonFiles...)
	if len(files) == 0 {
		t.Fatal("no test flows")
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, diags := Parse(filepath.Base(file), src)
		got := diagText(diags)
		golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", file, got, want)
		}
		if len(diags) == 0 {
			t.Errorf("%s: no diagnostics; valid flows belong in testdata/valid", file)
		}
	}
}

func diagText(diags Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String())
		b.WriteString("\n")
	}
	return b.String()
}
