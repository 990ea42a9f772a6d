// Package flowgraph draws a parsed flow: it turns an *fdl.Flow into a graph of
// nodes (a start, an end, every step, and a join after each parallel and
// foreach step) and edges (the order of the steps, choices, gotos, retries,
// catches and failures), and renders it as Mermaid, Graphviz DOT or SVG.
//
// Node IDs are derived from step paths, so the same flow always gives the same
// IDs and a later step can colour nodes by an execution's state.
package flowgraph

import (
	"fmt"
	"strings"

	"github.com/fnflow/fnflow/fdl"
)

// NodeKind says what a node stands for.
type NodeKind string

const (
	NodeStart NodeKind = "start"
	NodeEnd   NodeKind = "end"
	NodeStep  NodeKind = "step"
	NodeJoin  NodeKind = "join" // where a parallel's branches or a foreach's iterations meet
)

// Node is one box of the picture.
type Node struct {
	ID   string
	Kind NodeKind
	// Step is the step a step node stands for, and the parallel or foreach
	// step of a join; nil for the start and the end.
	Step  fdl.Step
	Lines []string // the label, one entry a line
	// State is how far an execution got with the step (Colour); a
	// picture of the flow alone leaves it StateNotReached.
	State State
}

// EdgeKind says why an edge is there; renderers draw the kinds differently.
type EdgeKind string

const (
	// EdgeNext runs on to what is drawn right below: the next step, or the
	// join or end after the last step of a list.
	EdgeNext EdgeKind = "next"
	// EdgeBranch enters a choice branch, a parallel branch or a foreach body.
	EdgeBranch EdgeKind = "branch"
	// EdgeJump goes anywhere else: a goto, a choice branch without steps, the
	// end of a list reached early (end: true, succeed).
	EdgeJump  EdgeKind = "jump"
	EdgeRetry EdgeKind = "retry" // a self-loop
	EdgeCatch EdgeKind = "catch"
	EdgeFail  EdgeKind = "fail" // a fail step ends the flow with its error
)

// Edge is one arrow.
type Edge struct {
	From, To string
	Kind     EdgeKind
	Label    string
}

// Cluster is a sub-graph: one parallel branch or a foreach body.
type Cluster struct {
	ID      string
	Label   string
	Members []Member
}

// Member is a node or a nested cluster, in reading order.
type Member struct {
	Node    *Node
	Cluster *Cluster
}

// Graph is a flow as nodes, clusters and edges.
type Graph struct {
	Members []Member // the top level: start, steps, clusters, joins, end
	Nodes   []*Node  // every node, for lookups
	Edges   []Edge

	flow     *fdl.Flow
	ids      map[string]bool
	byPath   map[string]*Node    // step nodes by step path
	joins    map[string]*Node    // join nodes by their step's path
	clusters map[string]*Cluster // clusters by the path of their steps' parent
}

const (
	startID = "flow_start"
	endID   = "flow_end"
)

// Build makes the graph of a flow that fdl.Parse accepted.
func Build(f *fdl.Flow) *Graph {
	g := &Graph{flow: f, ids: map[string]bool{}, byPath: map[string]*Node{}, joins: map[string]*Node{}, clusters: map[string]*Cluster{}}
	g.addNode(&g.Members, startID, NodeStart, nil, []string{"start"})
	var steps []Member
	g.list(f.Steps, &steps, Edge{From: startID, Kind: EdgeNext}, endID, EdgeNext)
	g.Members = append(g.Members, steps...)
	g.addNode(&g.Members, endID, NodeEnd, nil, []string{"end"})
	return g
}

// Node returns the node of the step at path, or nil.
func (g *Graph) Node(path string) *Node { return g.byPath[path] }

func (g *Graph) addNode(into *[]Member, id string, kind NodeKind, s fdl.Step, lines []string) *Node {
	n := &Node{ID: id, Kind: kind, Step: s, Lines: lines}
	g.ids[id] = true
	g.Nodes = append(g.Nodes, n)
	*into = append(*into, Member{Node: n})
	return n
}

func (g *Graph) edge(from, to string, kind EdgeKind, label string) {
	g.Edges = append(g.Edges, Edge{From: from, To: to, Kind: kind, Label: label})
}

// newID makes an identifier from a step path that every renderer accepts
// (letters, digits, underscores). Paths are unique but their sanitised forms
// need not be (names may be Chinese), so a clash gets a counter.
func (g *Graph) newID(prefix, path string) string {
	var b strings.Builder
	b.WriteString(prefix)
	under := false
	for _, r := range path {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	id := strings.TrimSuffix(b.String(), "_")
	for i := 2; g.ids[id]; i++ {
		id = fmt.Sprintf("%s_%d", strings.TrimSuffix(b.String(), "_"), i)
	}
	g.ids[id] = true
	return id
}

// list adds the edge in, to the list's first step, then the list's nodes and
// edges. exit is where the list runs on to when it ends, and exitKind how that
// edge is drawn (a jump when the exit is a goto target elsewhere).
func (g *Graph) list(steps []fdl.Step, into *[]Member, in Edge, exit string, exitKind EdgeKind) {
	if len(steps) == 0 {
		g.edge(in.From, exit, in.Kind, in.Label)
		return
	}
	// Gotos name siblings before or after the step, so every sibling needs its
	// ID before the first edge is drawn.
	ids := map[string]string{}
	entries := make([]string, len(steps))
	for i, s := range steps {
		entries[i] = g.newID("s_", s.Common().Path)
		ids[s.Common().Name] = entries[i]
	}
	g.edge(in.From, entries[0], in.Kind, in.Label)
	for i, s := range steps {
		next, kind := exit, exitKind
		switch {
		case i < len(steps)-1 && (s.Common().End || isSucceed(s)):
			// The list ends early: the step below is not where it goes.
			next, kind = exit, EdgeJump
		case i < len(steps)-1:
			next, kind = entries[i+1], EdgeNext
		}
		g.step(s, entries[i], into, ids, next, kind)
	}
}

func isSucceed(s fdl.Step) bool { _, ok := s.(*fdl.SucceedStep); return ok }

// step adds one step; next is where it runs on to.
func (g *Graph) step(s fdl.Step, id string, into *[]Member, siblings map[string]string, next string, kind EdgeKind) {
	c := s.Common()
	n := g.addNode(into, id, NodeStep, s, stepLines(s))
	g.byPath[c.Path] = n
	switch s := s.(type) {
	case *fdl.TaskStep:
		for _, r := range s.Retry {
			g.edge(id, id, EdgeRetry, fmt.Sprintf("retry %s ×%d", strings.Join(r.Errors, ", "), r.MaxAttempts))
		}
		for _, ct := range s.Catch {
			if to, ok := siblings[ct.Goto]; ok {
				g.edge(id, to, EdgeCatch, "catch "+strings.Join(ct.Errors, ", "))
			}
		}
		g.edge(id, next, kind, "")
	case *fdl.ChoiceStep:
		g.choice(s, id, into, siblings, next, kind)
	case *fdl.ParallelStep:
		join := g.newID("s_", c.Path+"/join")
		for i, b := range s.Branches {
			path := fmt.Sprintf("%s/branch[%d]", c.Path, i)
			cl := &Cluster{ID: g.newID("c_", path), Label: fmt.Sprintf("branch %d", i)}
			g.clusters[path] = cl
			g.list(b.Steps, &cl.Members, Edge{From: id, Kind: EdgeBranch}, join, EdgeNext)
			*into = append(*into, Member{Cluster: cl})
		}
		g.joins[c.Path] = g.addNode(into, join, NodeJoin, s, []string{"join"})
		g.edge(join, next, kind, "")
	case *fdl.ForeachStep:
		join := g.newID("s_", c.Path+"/join")
		label := "each " + s.Item
		if s.Index != "" {
			label += ", index " + s.Index
		}
		cl := &Cluster{ID: g.newID("c_", c.Path+"/body"), Label: label}
		g.clusters[c.Path] = cl
		g.list(s.Steps, &cl.Members, Edge{From: id, Kind: EdgeBranch}, join, EdgeNext)
		*into = append(*into, Member{Cluster: cl})
		g.joins[c.Path] = g.addNode(into, join, NodeJoin, s, []string{"join"})
		g.edge(join, next, kind, "")
	case *fdl.FailStep:
		g.edge(id, endID, EdgeFail, s.Error)
	default: // pass, wait, succeed
		g.edge(id, next, kind, "")
	}
}

// choice adds an edge per branch: into its steps, or straight to its goto
// target or the step after the choice. The steps of a branch run on to the
// branch's goto target, or to what follows the choice.
func (g *Graph) choice(s *fdl.ChoiceStep, id string, into *[]Member, siblings map[string]string, next string, kind EdgeKind) {
	branch := func(b *fdl.ChoiceBranch, label string) {
		exit, exitKind := next, kind
		if b.Goto != "" {
			exit, exitKind = siblings[b.Goto], EdgeJump
		}
		if len(b.Steps) == 0 {
			g.edge(id, exit, EdgeJump, label)
			return
		}
		g.list(b.Steps, into, Edge{From: id, Kind: EdgeBranch, Label: label}, exit, exitKind)
	}
	for i := range s.Choices {
		label := "?"
		if cond := s.Choices[i].Condition; cond != nil {
			label = cond.String()
		}
		branch(&s.Choices[i], label)
	}
	if s.Default != nil {
		branch(s.Default, "default")
	} else {
		// With no match and no default the flow goes on after the choice (Q7).
		g.edge(id, next, EdgeJump, "no match")
	}
}

// stepLines is a step's label: its name, its kind, and what it works on.
func stepLines(s fdl.Step) []string {
	c := s.Common()
	lines := []string{c.Name, string(c.Type)}
	switch s := s.(type) {
	case *fdl.TaskStep:
		lines[1] = "task · " + string(s.Pattern)
		lines = append(lines, resource(s))
	case *fdl.WaitStep:
		lines[1] = "wait " + waitText(s)
	case *fdl.ParallelStep:
		lines[1] = fmt.Sprintf("parallel · %d branches", len(s.Branches))
	case *fdl.ForeachStep:
		if s.Collection != nil {
			lines[1] = "foreach " + s.Collection.String()
		}
	case *fdl.FailStep:
		if s.Error != "" {
			lines[1] = "fail · " + s.Error
		}
	}
	return lines
}

// resource is the short form of what a task calls.
func resource(t *fdl.TaskStep) string {
	r := t.Resource
	switch r.Kind {
	case fdl.ResourceFunction:
		service := r.Service
		if r.Qualifier != "" {
			service += "." + r.Qualifier
		}
		return "fc " + service + "/" + r.Function
	case fdl.ResourceQueue, fdl.ResourceTopic, fdl.ResourceFlow:
		return string(r.Kind) + " " + r.Name
	}
	return "action " + t.Action
}

func waitText(w *fdl.WaitStep) string {
	v, until := w.Duration, ""
	if v == nil {
		v, until = w.Timestamp, "until "
	}
	switch {
	case v == nil:
		return ""
	case v.Path != nil:
		return until + v.Path.String()
	case until != "":
		return until + v.Time
	}
	return fmt.Sprintf("%gs", v.Seconds)
}
