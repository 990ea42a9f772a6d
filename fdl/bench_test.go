package fdl

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// BenchmarkParse measures what a flow costs before it runs: the workflow
// parses its definition snapshot on every start and on every replay after
// the worker's cache dropped it. The baseline is decoding the same bytes into
// a yaml.Node, the least any YAML-reading parser does; the ratio is what
// building the model and validating it add.
func BenchmarkParse(b *testing.B) {
	src, err := os.ReadFile("testdata/valid/everything.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fdl.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, diags := Parse("everything.yaml", src); diags.HasErrors() {
				b.Fatal(diags)
			}
		}
	})
	b.Run("baseline-yaml.Node", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var node yaml.Node
			if err := yaml.Unmarshal(src, &node); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCondition measures a choice condition, parsed once with the flow
// and evaluated at every pass through the choice.
func BenchmarkCondition(b *testing.B) {
	const text = `$.order.total >= 100 && $.order.country in ["CN", "SG"] || !$.order.verified`
	input := map[string]any{"order": map[string]any{"total": 120.0, "country": "SG", "verified": true}}
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseCondition(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	cond, err := ParseCondition(text)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("evaluate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cond.Eval(input); err != nil {
				b.Fatal(err)
			}
		}
	})
}
