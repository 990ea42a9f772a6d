package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/fnflow/fnflow/fnfclient"
)

const execUsage = `Usage: fnflow exec COMMAND [flags]

Commands:
  list FLOW [--status S]                list a flow's executions
  show FLOW NAME                        show an execution: status, input, output or error
  history FLOW NAME                     show an execution's events
  stop FLOW NAME [--error E --cause C]  stop a running execution

Run "fnflow exec COMMAND -h" for a command's flags.
`

func runExec(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return subcommands(ctx, "exec", execUsage, map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"list":    runExecList,
		"show":    runExecShow,
		"history": runExecHistory,
		"stop":    runExecStop,
	}, args, stdout, stderr)
}

func runExecList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("exec list", "exec list FLOW [--status S] [flags]\n\nLists a flow's executions, most recent first, following the pages of ListExecutions.", stdout, stderr)
	status := c.flags.String("status", "", "only executions in this status: Running, Succeeded, Failed, Stopped or TimedOut")
	flows, client, exit, ok := c.open(args, 1, 1)
	if !ok {
		return exit
	}
	all := fnfclient.ExecutionPage{Executions: []fnfclient.Execution{}}
	for filter := (fnfclient.ExecutionFilter{Status: *status}); ; {
		page, err := client.ListExecutions(ctx, flows[0], filter)
		if err != nil {
			return c.failure(err)
		}
		all.Executions = append(all.Executions, page.Executions...)
		if filter.NextToken = page.NextToken; filter.NextToken == "" {
			break
		}
	}
	if c.asJSON {
		return c.printJSON(all)
	}
	var rows [][]string
	for _, e := range all.Executions {
		rows = append(rows, []string{e.Name, e.Status, shortTime(e.StartedTime), duration(e.StartedTime, e.StoppedTime)})
	}
	c.table([]string{"NAME", "STATUS", "STARTED", "DURATION"}, rows)
	return 0
}

func runExecShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("exec show", "exec show FLOW NAME [flags]\n\nShows an execution: its status, times, input, and its output or error.", stdout, stderr)
	names, client, status, ok := c.open(args, 2, 2)
	if !ok {
		return status
	}
	e, err := client.DescribeExecution(ctx, names[0], names[1], 0)
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(e)
	}
	return c.printExecution(ctx, client, e)
}

// printExecution shows an execution as a person reads it. The 2019-03-15
// execution object has no error fields, so a failed or stopped one's error
// and cause come from its last event.
func (c *clientCommand) printExecution(ctx context.Context, client *fnfclient.Client, e *fnfclient.Execution) int {
	fmt.Fprintf(c.stdout, "Execution:  %s\nFlow:       %s\nStatus:     %s\nStarted:    %s\n", e.Name, e.FlowName, e.Status, shortTime(e.StartedTime))
	if e.StoppedTime != "" {
		fmt.Fprintf(c.stdout, "Stopped:    %s\n", shortTime(e.StoppedTime))
	}
	fmt.Fprintf(c.stdout, "Duration:   %s\n", duration(e.StartedTime, e.StoppedTime))
	if e.Input != "" {
		fmt.Fprintf(c.stdout, "Input:      %s\n", e.Input)
	}
	if e.Output != "" {
		fmt.Fprintf(c.stdout, "Output:     %s\n", e.Output)
	}
	if !e.Ended() || e.Status == "Succeeded" {
		return 0
	}
	events, err := history(ctx, client, e.FlowName, e.Name)
	if err != nil {
		return c.failure(err)
	}
	if len(events) > 0 {
		var ended struct{ Error, Cause string }
		last := events[len(events)-1]
		if json.Unmarshal([]byte(last.EventDetail), &ended) == nil && ended.Error != "" {
			fmt.Fprintf(c.stdout, "Error:      %s\nCause:      %s\n", ended.Error, ended.Cause)
		}
	}
	return 0
}

// history reads every page of an execution's events.
func history(ctx context.Context, client *fnfclient.Client, flow, name string) ([]fnfclient.Event, error) {
	events := []fnfclient.Event{}
	for next := ""; ; {
		page, err := client.GetExecutionHistory(ctx, flow, name, next)
		if err != nil {
			return nil, err
		}
		events = append(events, page.Events...)
		if next = page.NextToken; next == "" {
			return events, nil
		}
	}
}

// detailWidth is how much of an event's detail the history table shows:
// a detail can be a whole payload, and it can hold a callback token, which
// is a bearer secret. --json shows it whole.
const detailWidth = 60

func runExecHistory(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("exec history", "exec history FLOW NAME [flags]\n\nShows an execution's events, following the pages of GetExecutionHistory.\nThe table shortens each event's detail; --json gives it whole.", stdout, stderr)
	names, client, status, ok := c.open(args, 2, 2)
	if !ok {
		return status
	}
	events, err := history(ctx, client, names[0], names[1])
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(fnfclient.EventPage{Events: events})
	}
	var rows [][]string
	for _, e := range events {
		rows = append(rows, []string{strconv.FormatInt(e.EventID, 10), e.Type, e.StepName, shortTime(e.Time), shorten(e.EventDetail, detailWidth)})
	}
	c.table([]string{"ID", "TYPE", "STEP", "TIME", "DETAIL"}, rows)
	return 0
}

// shorten cuts text to at most width characters, marking the cut; "{}"
// (an event with nothing to say) shows as nothing.
func shorten(text string, width int) string {
	if text == "{}" {
		return ""
	}
	if r := []rune(text); len(r) > width {
		return string(r[:width-1]) + "…"
	}
	return text
}

func runExecStop(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("exec stop", "exec stop FLOW NAME [--error E --cause C] [flags]\n\nStops a running execution, recording the error and cause given.", stdout, stderr)
	var stop fnfclient.Stop
	c.flags.StringVar(&stop.Error, "error", "", "the error the stopped execution records")
	c.flags.StringVar(&stop.Cause, "cause", "", "the cause the stopped execution records")
	names, client, status, ok := c.open(args, 2, 2)
	if !ok {
		return status
	}
	e, err := client.StopExecution(ctx, names[0], names[1], stop)
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(e)
	}
	fmt.Fprintf(stdout, "stopped execution %s of flow %s\n", e.Name, e.FlowName)
	return 0
}
