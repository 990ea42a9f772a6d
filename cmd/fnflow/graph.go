package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowgraph"
)

const graphUsage = `graph [--format mermaid|dot|svg] [-o FILE] FILE|FLOW [--execution NAME] [flags]

Draws a flow's steps, choices with their conditions, parallel branches,
foreach bodies, gotos, retries and catches: as a Mermaid flowchart (the
default), a Graphviz digraph, or an SVG picture that needs no other program.
The picture goes to standard output, or to FILE with -o.

FILE is a flow file; anything else names a flow deployed on the gateway
(--endpoint). With --execution, the picture is that execution's: the
definition it runs, each step coloured by how far the execution got with it
(running, waiting, done, failed; not reached stays white). The history
names steps, not their paths, so steps of one name share a colour.

A flow with errors is not drawn: its diagnostics are printed as
"fnflow validate" prints them, and the exit status is 1. Warnings are printed
to standard error and the flow is drawn. Exit status 2 on a usage error.`

// runGraph is the graph command. It parses the definition with the same
// fdl.Parse as validate, so a flow that is drawn is one the gateway accepts.
func runGraph(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("graph", graphUsage, stdout, stderr)
	format := c.flags.String("format", "mermaid", "mermaid, dot or svg")
	output := c.flags.String("o", "", "write the picture to this file instead of standard output")
	execution := c.flags.String("execution", "", "colour the steps by this execution's state (a deployed FLOW only)")
	args, status, ok := c.parse(args, 1, 1)
	if !ok {
		return status
	}
	render := map[string]func(*flowgraph.Graph) string{
		"mermaid": (*flowgraph.Graph).Mermaid,
		"dot":     (*flowgraph.Graph).DOT,
		"svg":     (*flowgraph.Graph).SVG,
	}[*format]
	if render == nil {
		return c.usageError(fmt.Errorf("unknown format %q; use mermaid, dot or svg", *format))
	}
	if c.asJSON {
		// The flag is every client command's; a picture has no JSON form.
		return c.usageError(errors.New("graph draws a picture and has no --json; choose one with --format"))
	}

	name, src, states, exit := c.graphSource(ctx, args[0], *execution)
	if src == nil {
		return exit
	}
	flow, diags := fdl.Parse(name, src)
	if diags.HasErrors() {
		for _, d := range diags {
			fmt.Fprintln(stdout, d)
		}
		return 1
	}
	for _, d := range diags {
		fmt.Fprintln(stderr, d)
	}

	graph := flowgraph.Build(flow)
	if states != nil {
		graph.Colour(states)
	}
	picture := render(graph)
	var err error
	if *output == "" {
		_, err = io.WriteString(stdout, picture)
	} else {
		err = os.WriteFile(*output, []byte(picture), 0o644)
	}
	if err != nil {
		return c.failure(err)
	}
	return 0
}

// graphSource reads what to draw: a flow file, a deployed flow's
// definition, or the definition an execution runs with the states of its
// steps. A nil src means the command is over, with exit as its status.
func (c *clientCommand) graphSource(ctx context.Context, arg, execution string) (name string, src []byte, states map[string]flowgraph.State, exit int) {
	if _, err := os.Stat(arg); err == nil || strings.ContainsAny(arg, "./") {
		if execution != "" {
			return "", nil, nil, c.usageError(errors.New("--execution needs the name of a deployed flow, not a file"))
		}
		src, err := os.ReadFile(arg)
		if err != nil {
			fmt.Fprintln(c.stdout, fdl.Diagnostic{File: arg, Severity: fdl.SeverityError, Message: readError(err)})
			return "", nil, nil, 1
		}
		return arg, src, nil, 0
	}
	client, err := c.client()
	if err != nil {
		return "", nil, nil, c.usageError(err)
	}
	if execution == "" {
		f, err := client.DescribeFlow(ctx, arg)
		if err != nil {
			return "", nil, nil, c.failure(err)
		}
		return arg, []byte(f.Definition), nil, 0
	}
	e, err := client.DescribeExecution(ctx, arg, execution, 0)
	if err != nil {
		return "", nil, nil, c.failure(err)
	}
	events, err := history(ctx, client, arg, execution)
	if err != nil {
		return "", nil, nil, c.failure(err)
	}
	read := make([]flowgraph.Event, len(events))
	for i, ev := range events {
		read[i] = flowgraph.Event{Type: ev.Type, StepName: ev.StepName}
	}
	return arg, []byte(e.FlowDefinition), flowgraph.States(read), 0
}
