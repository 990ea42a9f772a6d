package flowgraph

import (
	"fmt"
	"unicode/utf8"

	"github.com/fnflow/fnflow/fdl"
)

// The SVG layout follows the flow's own structure rather than a general graph
// algorithm: a step list is a column of blocks in step order, choice branches
// and parallel branches stand side by side under their step, and a sub-graph
// is a box around its column. Every block has its entry node at its top, so
// edges into a block come from above. Blocks never overlap by construction.

// Sizes in pixels, for a 12 px monospace font whose glyphs are 0.6 em wide.
const (
	charW        = 7.2
	lineH        = 15.0
	padX         = 10.0
	padY         = 7.0
	vGap         = 36.0 // between blocks of a column
	hGap         = 24.0 // between columns
	portGap      = 16.0 // between edge ends on a node's side
	loopW        = 16.0 // how far a retry loop sticks out
	clusterPad   = 12.0
	clusterLabel = 18.0
	margin       = 20.0
)

type rect struct{ x, y, w, h float64 }

func (r rect) right() float64  { return r.x + r.w }
func (r rect) bottom() float64 { return r.y + r.h }
func (r rect) midX() float64   { return r.x + r.w/2 }

// box is a placed cluster.
type box struct {
	c *Cluster
	r rect
}

// block is a laid-out part of the picture, in its own coordinates.
type block struct {
	w, h     float64
	nodes    map[string]rect
	clusters []box
}

func newBlock() *block { return &block{nodes: map[string]rect{}} }

// put copies c into b with its origin at (dx, dy).
func (b *block) put(c *block, dx, dy float64) {
	for id, r := range c.nodes {
		r.x, r.y = r.x+dx, r.y+dy
		b.nodes[id] = r
	}
	for _, x := range c.clusters {
		x.r.x, x.r.y = x.r.x+dx, x.r.y+dy
		b.clusters = append(b.clusters, x)
	}
}

// textWidth estimates a line's width; East Asian characters take two cells.
func textWidth(s string) float64 {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 && utf8.RuneLen(r) > 2 {
			n++
		}
	}
	return float64(n) * charW
}

func maxWidth(lines []string) float64 {
	w := 0.0
	for _, l := range lines {
		w = max(w, textWidth(l))
	}
	return w
}

type layout struct {
	g       *Graph
	ports   map[string]int      // ends of routed edges (jumps, catches, fails) per node
	retries map[string][]string // retry labels per node
}

// lay places the whole graph: start, the steps, end.
func (g *Graph) lay() *block {
	l := &layout{g: g, ports: map[string]int{}, retries: map[string][]string{}}
	for _, e := range g.Edges {
		switch e.Kind {
		case EdgeRetry:
			l.retries[e.From] = append(l.retries[e.From], e.Label)
		case EdgeJump, EdgeCatch, EdgeFail:
			l.ports[e.From]++
			l.ports[e.To]++
		}
	}
	parts := []*block{l.node(g.Nodes[0]), l.list(g.flow.Steps), l.node(g.Nodes[len(g.Nodes)-1])}
	return stack(parts)
}

// node is one node's block; a node with retries has room for its loops and
// their labels on the left (and as much on the right, to stay centred).
func (l *layout) node(n *Node) *block {
	w := maxWidth(n.Lines) + 2*padX
	h := float64(len(n.Lines))*lineH + 2*padY
	h = max(h, float64(l.ports[n.ID]+1)*portGap, float64(len(l.retries[n.ID])+1)*portGap)
	ext := 0.0
	if r := l.retries[n.ID]; len(r) > 0 {
		ext = loopW + 8 + maxWidth(r)
	}
	b := newBlock()
	b.w, b.h = w+2*ext, h
	b.nodes[n.ID] = rect{ext, 0, w, h}
	return b
}

// stack puts blocks in a column, centred, vGap apart.
func stack(parts []*block) *block {
	b := newBlock()
	for _, p := range parts {
		b.w = max(b.w, p.w)
	}
	y := 0.0
	for _, p := range parts {
		b.put(p, (b.w-p.w)/2, y)
		y += p.h + vGap
	}
	b.h = max(0, y-vGap)
	return b
}

func (l *layout) list(steps []fdl.Step) *block {
	parts := make([]*block, len(steps))
	for i, s := range steps {
		parts[i] = l.step(s)
	}
	return stack(parts)
}

func (l *layout) step(s fdl.Step) *block {
	n := l.g.byPath[s.Common().Path]
	switch s := s.(type) {
	case *fdl.ChoiceStep:
		return l.choice(s, n)
	case *fdl.ParallelStep:
		var cols []column
		for i, br := range s.Branches {
			path := fmt.Sprintf("%s/branch[%d]", s.Path, i)
			cols = append(cols, l.cluster(l.g.clusters[path], br.Steps))
		}
		return l.fork(n, cols)
	case *fdl.ForeachStep:
		return l.fork(n, []column{l.cluster(l.g.clusters[s.Path], s.Steps)})
	}
	return l.node(n)
}

// column is a block that stands beside others under a choice or a fork.
type column struct {
	b     *block
	label string // the label of the edge into it, written above it
}

// cluster boxes a step list with the cluster's label in the top left. The
// box is wide enough that the label stays clear of the edge coming in at the
// middle.
func (l *layout) cluster(c *Cluster, steps []fdl.Step) column {
	inner := l.list(steps)
	b := newBlock()
	b.w = max(inner.w+2*clusterPad, 2*(textWidth(c.Label)+clusterPad))
	b.h = clusterLabel + inner.h + 2*clusterPad
	b.clusters = append(b.clusters, box{c, rect{0, 0, b.w, b.h}})
	b.put(inner, (b.w-inner.w)/2, clusterLabel+clusterPad)
	return column{b: b}
}

// choice puts the branches that have steps side by side under the choice
// node, each under its condition.
func (l *layout) choice(s *fdl.ChoiceStep, n *Node) *block {
	var cols []column
	add := func(b *fdl.ChoiceBranch) {
		if len(b.Steps) > 0 {
			entry := l.g.byPath[b.Steps[0].Common().Path]
			cols = append(cols, column{l.list(b.Steps), l.g.label(n.ID, entry.ID, EdgeBranch)})
		}
	}
	for i := range s.Choices {
		add(&s.Choices[i])
	}
	if s.Default != nil {
		add(s.Default)
	}
	return l.row(l.node(n), cols, nil, lineH+4)
}

// fork puts a parallel's branches or a foreach's body under its node and the
// join below them.
func (l *layout) fork(n *Node, cols []column) *block {
	return l.row(l.node(n), cols, l.node(l.g.joins[n.Step.Common().Path]), 0)
}

// row lays out a head node, columns side by side under it (labelRoom higher
// up for their labels), and an optional foot node under them.
func (l *layout) row(head *block, cols []column, foot *block, labelRoom float64) *block {
	widths, total, tallest := make([]float64, len(cols)), 0.0, 0.0
	for i, c := range cols {
		widths[i] = max(c.b.w, textWidth(c.label)+16)
		total += widths[i]
		tallest = max(tallest, c.b.h)
	}
	if len(cols) > 1 {
		total += hGap * float64(len(cols)-1)
	}
	b := newBlock()
	b.w = max(head.w, total)
	if foot != nil {
		b.w = max(b.w, foot.w)
	}
	b.put(head, (b.w-head.w)/2, 0)
	b.h = head.h
	if len(cols) > 0 {
		top := head.h + vGap + labelRoom
		x := (b.w - total) / 2
		for i, c := range cols {
			b.put(c.b, x+(widths[i]-c.b.w)/2, top)
			x += widths[i] + hGap
		}
		b.h = top + tallest
	}
	if foot != nil {
		b.put(foot, (b.w-foot.w)/2, b.h+vGap)
		b.h += vGap + foot.h
	}
	return b
}

// label returns the label of the first edge of the kind between two nodes.
func (g *Graph) label(from, to string, kind EdgeKind) string {
	for _, e := range g.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return e.Label
		}
	}
	return ""
}
