package fdl

import (
	"os"
	"testing"
)

func TestParseEverything(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/everything.yaml")
	if err != nil {
		t.Fatal(err)
	}
	flow, diags := Parse("everything.yaml", src)
	for _, d := range diags {
		t.Log(d)
	}
	if diags.HasErrors() || flow == nil {
		t.Fatalf("unexpected errors")
	}
}
