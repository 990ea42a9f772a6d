package flowgraph

import (
	"cmp"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/fnflow/fnflow/fdl"
)

type point struct{ x, y float64 }

// route is an edge drawn as a polyline, with its label's place.
type route struct {
	kind   EdgeKind
	pts    []point
	label  string
	at     point
	anchor string // text-anchor of the label
}

// routed reports whether an edge goes round the side of the picture: jumps,
// catches and fails, and anything that would have to go up.
func routed(e Edge, from, to rect) bool {
	switch e.Kind {
	case EdgeNext, EdgeBranch:
		return to.y < from.bottom()
	}
	return e.Kind != EdgeRetry
}

// routes draws every edge. Edges from a node to what lies below it go down,
// across in the gap above the target, and down again. Routed edges leave a
// node's right side, run down or up a lane of their own right of all the
// blocks, and come back into the target's right side; the ends on one side
// are spread out, ordered by where their other end is, so that they do not
// meet. Retries are small loops on the left with their labels.
func routes(g *Graph, nodes map[string]rect, contentRight float64) []route {
	type end struct {
		edge  int
		out   bool
		other float64
	}
	ends := map[string][]end{}
	var side []int
	for i, e := range g.Edges {
		from, to := nodes[e.From], nodes[e.To]
		if routed(e, from, to) {
			side = append(side, i)
			ends[e.From] = append(ends[e.From], end{i, true, to.y + to.h/2})
			ends[e.To] = append(ends[e.To], end{i, false, from.y + from.h/2})
		}
	}
	portY := map[[2]int]float64{} // {edge, 1 if out} → y
	for id, es := range ends {
		slices.SortStableFunc(es, func(a, b end) int { return cmp.Compare(a.other, b.other) })
		r := nodes[id]
		for j, x := range es {
			out := 0
			if x.out {
				out = 1
			}
			portY[[2]int{x.edge, out}] = r.y + float64(j+1)*r.h/float64(len(es)+1)
		}
	}

	// Lanes start right of every block and of every label on the way to them;
	// the shortest spans get the innermost lanes.
	base := contentRight + 12
	for _, i := range side {
		e := g.Edges[i]
		base = max(base, nodes[e.From].right()+textWidth(e.Label)+20)
	}
	span := func(i int) float64 {
		e := g.Edges[i]
		return math.Abs(nodes[e.From].y - nodes[e.To].y)
	}
	slices.SortStableFunc(side, func(a, b int) int { return cmp.Compare(span(a), span(b)) })
	lane := map[int]float64{}
	for k, i := range side {
		lane[i] = base + float64(k)*10
	}

	var out []route
	retries := map[string]int{}
	for i, e := range g.Edges {
		from, to := nodes[e.From], nodes[e.To]
		r := route{kind: e.Kind, label: e.Label}
		switch {
		case e.Kind == EdgeRetry:
			// The k-th of n loops sits at the k-th of n places down the left side.
			k := retries[e.From]
			retries[e.From]++
			y := from.y + float64(k+1)*from.h/float64(len(retryLabels(g, e.From))+1)
			x := from.x
			r.pts = []point{{x, y - 5}, {x - loopW, y - 5}, {x - loopW, y + 5}, {x, y + 5}}
			r.at, r.anchor = point{x - loopW - 6, y + 4}, "end"
		case routed(e, from, to):
			ys, yt, x := portY[[2]int{i, 1}], portY[[2]int{i, 0}], lane[i]
			r.pts = []point{{from.right(), ys}, {x, ys}, {x, yt}, {to.right(), yt}}
			r.at, r.anchor = point{from.right() + 6, ys - 4}, "start"
		default:
			sx, tx := from.midX(), to.midX()
			mid := to.y - vGap/2
			if e.Kind == EdgeBranch {
				mid = from.bottom() + 10
			}
			r.pts = []point{{sx, from.bottom()}, {sx, mid}, {tx, mid}, {tx, to.y}}
			if math.Abs(sx-tx) < 0.5 {
				r.pts = []point{{sx, from.bottom()}, {tx, to.y}}
			}
			r.at, r.anchor = point{tx, to.y - 12}, "middle"
		}
		out = append(out, r)
	}
	return out
}

func retryLabels(g *Graph, id string) []string {
	var ls []string
	for _, e := range g.Edges {
		if e.From == id && e.Kind == EdgeRetry {
			ls = append(ls, e.Label)
		}
	}
	return ls
}

var edgeStyle = map[EdgeKind]string{
	EdgeNext:   `stroke="#4a5568"`,
	EdgeBranch: `stroke="#4a5568"`,
	EdgeJump:   `stroke="#2b6cb0"`,
	EdgeCatch:  `stroke="#c05621" stroke-dasharray="5 3"`,
	EdgeRetry:  `stroke="#6b46c1" stroke-dasharray="3 2"`,
	EdgeFail:   `stroke="#c53030"`,
}

var fills = map[fdl.StepType]string{
	fdl.StepTask:     "#ebf4ff",
	fdl.StepChoice:   "#fefcbf",
	fdl.StepParallel: "#e9d8fd",
	fdl.StepForeach:  "#e9d8fd",
	fdl.StepSucceed:  "#c6f6d5",
	fdl.StepFail:     "#fed7d7",
}

// SVG renders the graph as a standalone SVG picture, laid out top to bottom in
// step order, that needs no external program.
func (g *Graph) SVG() string {
	lay := g.lay()
	nodes := map[string]rect{}
	for id, r := range lay.nodes {
		nodes[id] = rect{r.x + margin, r.y + margin, r.w, r.h}
	}
	rs := routes(g, nodes, lay.w+margin)
	width := lay.w + margin
	for _, r := range rs {
		for _, p := range r.pts {
			width = max(width, p.x)
		}
		if r.anchor == "start" {
			width = max(width, r.at.x+textWidth(r.label))
		}
	}
	width += margin
	height := lay.h + 2*margin

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans Mono, monospace" font-size="12">`+"\n",
		width, height, width, height)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#4a5568"/></marker></defs>` + "\n")
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	for _, c := range lay.clusters {
		r := c.r
		fmt.Fprintf(&b, `<g class="cluster" id="%s"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="#f7fafc" stroke="#a0aec0" stroke-dasharray="4 3"/><text x="%.1f" y="%.1f" fill="#4a5568">%s</text></g>`+"\n",
			c.c.ID, r.x+margin, r.y+margin, r.w, r.h, r.x+margin+8, r.y+margin+15, esc(c.c.Label))
	}
	for _, r := range rs {
		var pts []string
		for _, p := range r.pts {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", p.x, p.y))
		}
		fmt.Fprintf(&b, `<polyline class="edge %s" points="%s" fill="none" %s marker-end="url(#arrow)"/>`+"\n",
			r.kind, strings.Join(pts, " "), edgeStyle[r.kind])
	}
	for _, n := range g.Nodes {
		writeNode(&b, n, nodes[n.ID])
	}
	for _, r := range rs {
		if r.label == "" {
			continue
		}
		w := textWidth(r.label)
		x := r.at.x
		switch r.anchor {
		case "middle":
			x -= w / 2
		case "end":
			x -= w
		}
		fmt.Fprintf(&b, `<g class="label"><rect x="%.1f" y="%.1f" width="%.1f" height="14" fill="white" fill-opacity="0.85"/><text x="%.1f" y="%.1f" fill="#2d3748">%s</text></g>`+"\n",
			x-2, r.at.y-11, w+4, x, r.at.y, esc(r.label))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// writeNode draws a node's box and its label, the name in bold, centred.
func writeNode(b *strings.Builder, n *Node, r rect) {
	fill, rx := "#ffffff", 6.0
	switch n.Kind {
	case NodeStart, NodeEnd:
		fill, rx = "#e2e8f0", r.h/2
	case NodeJoin:
		fill, rx = "#e9d8fd", r.h/2
	default:
		if f, ok := fills[n.Step.Common().Type]; ok {
			fill = f
		}
	}
	path := ""
	if n.Step != nil {
		path = fmt.Sprintf(` data-path="%s"`, esc(n.Step.Common().Path))
	}
	if n.State != StateNotReached {
		// An execution's picture: the state's fill, and the state for a
		// page's script or style.
		fill = stateColours[n.State]
		path += fmt.Sprintf(` data-state="%s"`, n.State)
	}
	fmt.Fprintf(b, `<g class="node" id="%s"%s><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%.1f" fill="%s" stroke="#4a5568"/>`,
		n.ID, path, r.x, r.y, r.w, r.h, rx, fill)
	top := r.y + (r.h-float64(len(n.Lines))*lineH)/2
	for i, line := range n.Lines {
		weight := ""
		if i == 0 && n.Kind == NodeStep {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle"%s>%s</text>`, r.midX(), top+float64(i)*lineH+11.5, weight, esc(line))
	}
	b.WriteString("</g>\n")
}

func esc(s string) string { return html.EscapeString(s) }
