package flowgraph

import (
	"fmt"
	"strings"

	"github.com/fnflow/fnflow/fdl"
)

// Mermaid renders the graph as a Mermaid flowchart, top to bottom.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	var members func(ms []Member, indent string)
	members = func(ms []Member, indent string) {
		for _, m := range ms {
			if m.Cluster != nil {
				fmt.Fprintf(&b, "%ssubgraph %s [\"%s\"]\n", indent, m.Cluster.ID, mermaidText(m.Cluster.Label))
				members(m.Cluster.Members, indent+"  ")
				fmt.Fprintf(&b, "%send\n", indent)
				continue
			}
			open, closing := mermaidShape(m.Node)
			fmt.Fprintf(&b, "%s%s%s\"%s\"%s\n", indent, m.Node.ID, open, mermaidLines(m.Node.Lines), closing)
		}
	}
	members(g.Members, "  ")
	for _, state := range stateOrder {
		var ids []string
		for _, n := range g.Nodes {
			if n.State == state {
				ids = append(ids, n.ID)
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(&b, "  classDef %s fill:%s\n  class %s %s\n", state, stateColours[state], strings.Join(ids, ","), state)
		}
	}
	for _, e := range g.Edges {
		arrow := "-->"
		if e.Kind == EdgeRetry || e.Kind == EdgeCatch {
			arrow = "-.->"
		}
		if e.Label != "" {
			arrow += "|\"" + mermaidText(e.Label) + "\"|"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", e.From, arrow, e.To)
	}
	return b.String()
}

func mermaidShape(n *Node) (string, string) {
	switch {
	case n.Kind == NodeStart || n.Kind == NodeEnd:
		return "([", "])"
	case n.Kind == NodeJoin:
		return "((", "))"
	}
	switch n.Step.Common().Type {
	case fdl.StepChoice:
		return "{", "}"
	case fdl.StepParallel, fdl.StepForeach:
		return "[[", "]]"
	}
	return "[", "]"
}

func mermaidLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mermaidText(l)
	}
	return strings.Join(out, "<br/>")
}

// mermaidText writes the characters Mermaid reads as syntax inside a quoted
// label (quotes, pipes, brackets, the entity sign, markdown backticks) as its
// #code; entities, so that conditions show as written.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"', '#', '|', '<', '>', '&', '`', '[', ']', '{', '}':
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DOT renders the graph as a Graphviz digraph, with clusters for the
// sub-graphs.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph flow {\n")
	b.WriteString("  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10];\n")
	var members func(ms []Member, indent string)
	members = func(ms []Member, indent string) {
		for _, m := range ms {
			if m.Cluster != nil {
				fmt.Fprintf(&b, "%ssubgraph cluster_%s {\n", indent, m.Cluster.ID)
				fmt.Fprintf(&b, "%s  label=%s; style=dashed;\n", indent, dotText(m.Cluster.Label))
				members(m.Cluster.Members, indent+"  ")
				fmt.Fprintf(&b, "%s}\n", indent)
				continue
			}
			fill := ""
			if m.Node.State != StateNotReached {
				fill = fmt.Sprintf(", style=\"rounded,filled\", fillcolor=\"%s\"", stateColours[m.Node.State])
			}
			fmt.Fprintf(&b, "%s%s [label=%s%s%s];\n", indent, m.Node.ID, dotText(strings.Join(m.Node.Lines, "\n")), dotShape(m.Node), fill)
		}
	}
	members(g.Members, "  ")
	for _, e := range g.Edges {
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, "label="+dotText(e.Label))
		}
		if e.Kind == EdgeRetry || e.Kind == EdgeCatch {
			attrs = append(attrs, "style=dashed")
		}
		if e.Kind == EdgeFail {
			attrs = append(attrs, "color=firebrick")
		}
		suffix := ""
		if len(attrs) > 0 {
			suffix = " [" + strings.Join(attrs, ", ") + "]"
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", e.From, e.To, suffix)
	}
	b.WriteString("}\n")
	return b.String()
}

func dotShape(n *Node) string {
	switch {
	case n.Kind == NodeStart || n.Kind == NodeEnd:
		return ", shape=oval"
	case n.Kind == NodeJoin:
		return ", shape=circle"
	}
	switch n.Step.Common().Type {
	case fdl.StepChoice:
		return ", shape=diamond, style=solid"
	case fdl.StepParallel, fdl.StepForeach:
		return ", style=\"rounded,bold\""
	}
	return ""
}

// dotText quotes a string for DOT; a newline starts a new label line.
func dotText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
