package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowgraph"
)

const graphUsage = `Usage: fnflow graph [--format mermaid|dot|svg] [-o FILE] FILE

Draws a flow file's steps, choices with their conditions, parallel branches,
foreach bodies, gotos, retries and catches: as a Mermaid flowchart (the
default), a Graphviz digraph, or an SVG picture that needs no other program.
The picture goes to standard output, or to FILE with -o.

A flow with errors is not drawn: its diagnostics are printed as
"fnflow validate" prints them, and the exit status is 1. Warnings are printed
to standard error and the flow is drawn. Exit status 2 on a usage error.
`

// runGraph is the graph command. It parses the file with the same fdl.Parse
// as validate, so a flow that is drawn is one the gateway accepts.
func runGraph(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, graphUsage) }
	format := fs.String("format", "mermaid", "mermaid, dot or svg")
	output := fs.String("o", "", "write the picture to this file instead of standard output")

	files, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) != 1 {
		fmt.Fprint(stderr, "fnflow graph: give one flow file\n\n"+graphUsage)
		return 2
	}
	render := map[string]func(*flowgraph.Graph) string{
		"mermaid": (*flowgraph.Graph).Mermaid,
		"dot":     (*flowgraph.Graph).DOT,
		"svg":     (*flowgraph.Graph).SVG,
	}[*format]
	if render == nil {
		fmt.Fprintf(stderr, "fnflow graph: unknown format %q; use mermaid, dot or svg\n", *format)
		return 2
	}

	src, err := os.ReadFile(files[0])
	if err != nil {
		fmt.Fprintln(stdout, fdl.Diagnostic{File: files[0], Severity: fdl.SeverityError, Message: readError(err)})
		return 1
	}
	flow, diags := fdl.Parse(files[0], src)
	if diags.HasErrors() {
		for _, d := range diags {
			fmt.Fprintln(stdout, d)
		}
		return 1
	}
	for _, d := range diags {
		fmt.Fprintln(stderr, d)
	}

	picture := render(flowgraph.Build(flow))
	if *output == "" {
		_, err = io.WriteString(stdout, picture)
	} else {
		err = os.WriteFile(*output, []byte(picture), 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fnflow graph: %v\n", err)
		return 1
	}
	return 0
}
