package flowgraph

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fnflow/fnflow/fdl"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// flows are the inputs: the sample and the valid flows of fdl's tests, which
// between them use every step kind, nesting, gotos, retries and catches.
var flows = map[string]string{
	"everything":   "../fdl/testdata/valid/everything.yaml",
	"saga":         "../fdl/testdata/valid/saga.yaml",
	"polling_loop": "../fdl/testdata/valid/polling_loop.yaml",
	"callbacks":    "../fdl/testdata/valid/callbacks.yaml",
	"demo":         "../samples/flows/fnf-demo-callback.yaml",
	"choices":      "testdata/choices.yaml",
}

func parse(t *testing.T, file string) *fdl.Flow {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := fdl.Parse(file, src)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", file, diags)
	}
	return f
}

func TestGolden(t *testing.T) {
	for name, file := range flows {
		g := Build(parse(t, file))
		for ext, text := range map[string]string{"mmd": g.Mermaid(), "dot": g.DOT()} {
			golden := filepath.Join("testdata", name+"."+ext)
			if *update {
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./flowgraph -update)", err)
			}
			if text != string(want) {
				t.Errorf("%s differs from the golden file; got:\n%s", golden, text)
			}
		}
	}
}

func TestEdges(t *testing.T) {
	g := Build(parse(t, flows["everything"]))
	has := func(from, to string, kind EdgeKind, label string) {
		t.Helper()
		for _, e := range g.Edges {
			if e.From == from && e.To == to && e.Kind == kind && e.Label == label {
				return
			}
		}
		t.Errorf("no %s edge %s -> %s %q", kind, from, to, label)
	}
	has("s_callFunction", "s_callFunction", EdgeRetry, "retry FC.ResourceThrottled, FC.Unknown, FnF.TaskTimeout ×10")
	has("s_callFunction", "s_rejected", EdgeCatch, "catch OrderInvalid")
	has("s_route", "s_route_choices_0_coolOff", EdgeBranch, "$.approved == true && ($.amount > 1000 || $.vip)")
	has("s_route", "s_fanOut", EdgeJump, "default")
	has("s_route_choices_0_untilCutoff", "s_fanOut", EdgeNext, "")
	has("s_fanOut", "s_fanOut_branch_1_child", EdgeBranch, "")
	has("s_fanOut_branch_0_notify", "s_fanOut_join", EdgeNext, "")
	has("s_perItem_pause", "s_perItem_join", EdgeNext, "")
	has("s_done", "flow_end", EdgeJump, "")
	has("s_rejected", "flow_end", EdgeJump, "")
	has("s_failed", "flow_end", EdgeFail, "OrderFailed")

	// A succeed step ends its list even when steps follow it.
	g = Build(parse(t, flows["saga"]))
	for _, e := range g.Edges {
		if e.From == "s_orderSucceeded" && (e.To != "flow_end" || e.Kind != EdgeJump) {
			t.Errorf("succeed step edge %+v, want a jump to the end", e)
		}
	}
}

func TestIDsAreUnique(t *testing.T) {
	f := parse(t, writeFile(t, `version: v1
type: flow
steps:
  - type: pass
    name: 审批
  - type: pass
    name: 付款
  - type: pass
    name: a_b
  - type: parallel
    name: a
    branches:
      - steps:
          - type: pass
            name: b
`))
	seen := map[string]bool{}
	for _, n := range Build(f).Nodes {
		if seen[n.ID] {
			t.Errorf("ID %s twice", n.ID)
		}
		seen[n.ID] = true
	}
}

func writeFile(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "flow.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSVG checks the picture's structure rather than its bytes: it is
// well-formed XML, has one box per node and one per step path, no two boxes
// overlap, and every box of a cluster lies inside it.
func TestSVG(t *testing.T) {
	for name, file := range flows {
		t.Run(name, func(t *testing.T) {
			g := Build(parse(t, file))
			svg := g.SVG()
			boxes, clusters := svgBoxes(t, svg)
			if len(boxes) != len(g.Nodes) {
				t.Errorf("%d node boxes, want %d", len(boxes), len(g.Nodes))
			}
			for _, n := range g.Nodes {
				if _, ok := boxes[n.ID]; !ok {
					t.Errorf("no box for node %s", n.ID)
				}
			}
			for a, ra := range boxes {
				for b, rb := range boxes {
					if a < b && overlap(ra, rb) {
						t.Errorf("boxes %s %v and %s %v overlap", a, ra, b, rb)
					}
				}
			}
			var inside func(c rect, ms []Member)
			inside = func(c rect, ms []Member) {
				for _, m := range ms {
					if m.Cluster != nil {
						inside(c, m.Cluster.Members)
					} else if r := boxes[m.Node.ID]; r.x < c.x || r.y < c.y || r.right() > c.right() || r.bottom() > c.bottom() {
						t.Errorf("node %s %v outside its cluster %v", m.Node.ID, r, c)
					}
				}
			}
			for _, c := range g.clusters {
				inside(clusters[c.ID], c.Members)
			}
		})
	}
}

func overlap(a, b rect) bool {
	return a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
}

// svgBoxes reads the first rect of every node and cluster group.
func svgBoxes(t *testing.T, svg string) (nodes, clusters map[string]rect) {
	nodes, clusters = map[string]rect{}, map[string]rect{}
	dec := xml.NewDecoder(strings.NewReader(svg))
	var group string
	var into map[string]rect
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v", err)
			}
			return nodes, clusters
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := map[string]string{}
		for _, a := range el.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch {
		case el.Name.Local == "g" && attr["class"] == "node":
			group, into = attr["id"], nodes
		case el.Name.Local == "g" && attr["class"] == "cluster":
			group, into = attr["id"], clusters
		case el.Name.Local == "rect" && group != "":
			num := func(k string) float64 { v, _ := strconv.ParseFloat(attr[k], 64); return v }
			into[group] = rect{num("x"), num("y"), num("width"), num("height")}
			group = ""
		}
	}
}
