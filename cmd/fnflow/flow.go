package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/fnfclient"
)

const flowUsage = `Usage: fnflow flow COMMAND [flags]

Commands:
  deploy FILE... [--name N]  validate flow files, then create or update each flow
  list                       list the flows
  show NAME                  show a flow and its definition
  delete NAME                delete a flow

Run "fnflow flow COMMAND -h" for a command's flags.
`

func runFlow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return subcommands(ctx, "flow", flowUsage, map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"deploy": runFlowDeploy,
		"list":   runFlowList,
		"show":   runFlowShow,
		"delete": runFlowDelete,
	}, args, stdout, stderr)
}

// flowToDeploy is a checked flow file and the name it deploys as.
type flowToDeploy struct{ file, name, definition string }

// runFlowDeploy validates every file first, as `fnflow validate` does, so
// that one invalid file deploys nothing; then it creates each flow, or
// updates it when it exists.
func runFlowDeploy(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("flow deploy", "flow deploy FILE... [--name N] [flags]\n\nValidates the flow files, then creates each flow, or updates it when it exists.\nA flow is named after its file without the extension unless --name says otherwise.", stdout, stderr)
	name := c.flags.String("name", "", "the flow's name, for a single file")
	files, status, ok := c.parse(args, 1, -1)
	if !ok {
		return status
	}
	if *name != "" && len(files) > 1 {
		return c.usageError(errors.New("--name names one flow: give one file"))
	}
	client, err := c.client()
	if err != nil {
		return c.usageError(err)
	}
	flows, diags := checkFlowFiles(files, *name)
	for _, d := range diags {
		fmt.Fprintln(stderr, d)
	}
	if diags.HasErrors() {
		fmt.Fprintf(stderr, "%s: nothing deployed\n", c.flags.Name())
		return 1
	}
	var deployed []*fnfclient.Flow
	for _, f := range flows {
		flow, verb, err := deployFlow(ctx, client, f)
		if err != nil {
			return c.failure(fmt.Errorf("%s: %w", f.file, err))
		}
		deployed = append(deployed, flow)
		if !c.asJSON {
			fmt.Fprintf(stdout, "%s flow %s from %s\n", verb, f.name, f.file)
		}
	}
	if c.asJSON {
		return c.printJSON(deployed)
	}
	return 0
}

// checkFlowFiles reads and validates every file with the parser CreateFlow
// uses. name, when given, names the one file.
func checkFlowFiles(files []string, name string) ([]flowToDeploy, fdl.Diagnostics) {
	var flows []flowToDeploy
	var diags fdl.Diagnostics
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			diags = append(diags, fdl.Diagnostic{File: file, Severity: fdl.SeverityError, Message: readError(err)})
			continue
		}
		flowName := name
		if flowName == "" {
			flowName = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		}
		if !fdl.ValidName(flowName) {
			diags = append(diags, fdl.Diagnostic{File: file, Severity: fdl.SeverityError,
				Message: fmt.Sprintf("%q is not a valid flow name (letters, digits, _ and -, starting with a letter or _): give one with --name", flowName)})
			continue
		}
		_, ds := fdl.Parse(file, src)
		diags = append(diags, ds...)
		flows = append(flows, flowToDeploy{file: file, name: flowName, definition: string(src)})
	}
	return flows, diags
}

// deployFlow creates the flow, or updates it when the name is taken: one
// call in the common case of a new flow.
func deployFlow(ctx context.Context, client *fnfclient.Client, f flowToDeploy) (*fnfclient.Flow, string, error) {
	spec := fnfclient.FlowSpec{Name: f.name, Definition: f.definition, Description: "deployed by fnflow flow deploy"}
	flow, err := client.CreateFlow(ctx, spec)
	var apiErr *fnfclient.APIError
	if errors.As(err, &apiErr) && apiErr.Code == "FlowAlreadyExists" {
		// An update keeps the flow's description as it is.
		spec.Description = ""
		flow, err = client.UpdateFlow(ctx, spec)
		return flow, "updated", err
	}
	return flow, "created", err
}

func runFlowList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("flow list", "flow list [flags]\n\nLists every flow, following the pages of ListFlows.", stdout, stderr)
	if _, status, ok := c.parse(args, 0, 0); !ok {
		return status
	}
	client, err := c.client()
	if err != nil {
		return c.usageError(err)
	}
	// One list of every page: what a script wants, in the reply's shape.
	all := fnfclient.FlowPage{Flows: []fnfclient.Flow{}}
	for next := ""; ; {
		page, err := client.ListFlows(ctx, next)
		if err != nil {
			return c.failure(err)
		}
		all.Flows = append(all.Flows, page.Flows...)
		if next = page.NextToken; next == "" {
			break
		}
	}
	if c.asJSON {
		return c.printJSON(all)
	}
	var rows [][]string
	for _, f := range all.Flows {
		rows = append(rows, []string{f.Name, f.Type, shortTime(f.LastModifiedTime)})
	}
	c.table([]string{"NAME", "TYPE", "LAST MODIFIED"}, rows)
	return 0
}

func runFlowShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("flow show", "flow show NAME [flags]\n\nShows a flow and its definition.", stdout, stderr)
	names, client, status, ok := c.open(args, 1, 1)
	if !ok {
		return status
	}
	flow, err := client.DescribeFlow(ctx, names[0])
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(flow)
	}
	fmt.Fprintf(stdout, "Name:           %s\nType:           %s\nDescription:    %s\nCreated:        %s\nLast modified:  %s\n\n%s",
		flow.Name, flow.Type, flow.Description, shortTime(flow.CreatedTime), shortTime(flow.LastModifiedTime), flow.Definition)
	if !strings.HasSuffix(flow.Definition, "\n") {
		fmt.Fprintln(stdout)
	}
	return 0
}

func runFlowDelete(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("flow delete", "flow delete NAME [flags]\n\nDeletes a flow. Its running executions go on.", stdout, stderr)
	names, client, status, ok := c.open(args, 1, 1)
	if !ok {
		return status
	}
	reply, err := client.DeleteFlow(ctx, names[0])
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(reply)
	}
	fmt.Fprintf(stdout, "deleted flow %s\n", names[0])
	return 0
}
