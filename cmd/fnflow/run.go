package main

import (
	"context"
	"fmt"
	"io"
)

// waitRound is how long one DescribeExecution waits for the end: the API's
// most. A longer execution is waited for in several rounds.
const waitRound = 60

// runRun is `fnflow run`: it starts an execution and, with --wait, waits
// for its end and says how it ended, in the exit status too.
func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("run", "run FLOW [--input JSON|@file] [--name N] [--wait|--watch] [flags]\n\nStarts an execution of a flow. With --wait, waits until it ends, prints its\nstatus and output or error, and exits 1 unless it succeeded. --watch does the\nsame and shows the execution's progress meanwhile: the steps entered and\nleft, what a waiting step waits for, foreach iterations done.", stdout, stderr)
	input := c.flags.String("input", "", "the execution's input: a JSON object, or @file holding one (default {})")
	name := c.flags.String("name", "", "the execution's name (default: one the gateway makes up)")
	wait := c.flags.Bool("wait", false, "wait until the execution ends")
	watch := c.flags.Bool("watch", false, "show the execution's progress until it ends (implies --wait)")
	flows, status, ok := c.parse(args, 1, 1)
	if !ok {
		return status
	}
	if *input != "" {
		var err error
		if *input, err = jsonArg("input", *input); err != nil {
			return c.usageError(err)
		}
	}
	client, err := c.client()
	if err != nil {
		return c.usageError(err)
	}
	e, err := client.StartExecution(ctx, flows[0], *name, *input)
	if err != nil {
		return c.failure(err)
	}
	if !*wait && !*watch {
		if c.asJSON {
			return c.printJSON(e)
		}
		fmt.Fprintf(stdout, "started execution %s of flow %s\n", e.Name, e.FlowName)
		return 0
	}
	if *watch && !c.asJSON {
		if err := newWatcher(stdout).follow(ctx, client, e.FlowName, e.Name); err != nil {
			return c.failure(err)
		}
	}
	for !e.Ended() {
		if e, err = client.DescribeExecution(ctx, e.FlowName, e.Name, waitRound); err != nil {
			return c.failure(err)
		}
	}
	var exit int
	if c.asJSON {
		exit = c.printJSON(e)
	} else {
		exit = c.printExecution(ctx, client, e)
	}
	if exit == 0 && e.Status != "Succeeded" {
		return 1
	}
	return exit
}
