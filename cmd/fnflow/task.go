package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const taskUsage = `Usage: fnflow task COMMAND [flags]

Commands:
  succeed TOKEN --output JSON|@file   report a waiting callback task done, with its output
  fail TOKEN --error E [--cause C]    report a waiting callback task failed

TOKEN is the task token the callback step handed over; "fnflow exec history
FLOW NAME --json" shows it in the TaskSubmitted event.

Run "fnflow task COMMAND -h" for a command's flags.
`

func runTask(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return subcommands(ctx, "task", taskUsage, map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"succeed": runTaskSucceed,
		"fail":    runTaskFail,
	}, args, stdout, stderr)
}

func runTaskSucceed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("task succeed", "task succeed TOKEN --output JSON|@file [flags]\n\nReports the callback task of TOKEN done (ReportTaskSucceeded); the output\nbecomes the step's $local.", stdout, stderr)
	output := c.flags.String("output", "", "the task's output: a JSON object, or @file holding one (required)")
	tokens, status, ok := c.parse(args, 1, 1)
	if !ok {
		return status
	}
	if *output == "" {
		return c.usageError(errors.New("--output is required: a JSON object, or @file holding one ({} for none)"))
	}
	text, err := jsonArg("output", *output)
	if err != nil {
		return c.usageError(err)
	}
	client, err := c.client()
	if err != nil {
		return c.usageError(err)
	}
	reply, err := client.ReportTaskSucceeded(ctx, tokens[0], text)
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(reply)
	}
	fmt.Fprintln(stdout, "reported the task succeeded")
	return 0
}

func runTaskFail(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("task fail", "task fail TOKEN --error E [--cause C] [flags]\n\nReports the callback task of TOKEN failed (ReportTaskFailed); the step's\nretry and catch match the error by name.", stdout, stderr)
	errorName := c.flags.String("error", "", "the error's name, 1 to 128 characters (required)")
	cause := c.flags.String("cause", "", "what went wrong")
	tokens, status, ok := c.parse(args, 1, 1)
	if !ok {
		return status
	}
	if *errorName == "" {
		return c.usageError(errors.New("--error is required"))
	}
	client, err := c.client()
	if err != nil {
		return c.usageError(err)
	}
	reply, err := client.ReportTaskFailed(ctx, tokens[0], *errorName, *cause)
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(reply)
	}
	fmt.Fprintln(stdout, "reported the task failed")
	return 0
}
