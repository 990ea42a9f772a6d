package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fnflow/fnflow/fnfclient"
)

const taskUsage = `Usage: fnflow task COMMAND [flags]

Commands:
  list [FLOW [NAME]]                               list the callback steps waiting for a report
  succeed TOKEN|--step FLOW/NAME/PATH --output JSON  report a waiting callback task done, with its output
  fail TOKEN|--step FLOW/NAME/PATH --error E [--cause C]
                                                   report a waiting callback task failed

TOKEN is the task token the callback step handed over ("fnflow task list
--json" shows it). --step names the step instead: the execution NAME of flow
FLOW, and the step's path in the flow (a/b for step b inside a parallel
branch or a foreach of a); --task-event picks one when several iterations
or attempts wait at that path.

Run "fnflow task COMMAND -h" for a command's flags.
`

func runTask(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return subcommands(ctx, "task", taskUsage, map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"list":    runTaskList,
		"succeed": runTaskSucceed,
		"fail":    runTaskFail,
	}, args, stdout, stderr)
}

func runTaskList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("task list", "task list [FLOW [NAME]] [flags]\n\nLists the callback steps waiting for a report (ListWaitingTasks): of every\nflow, of FLOW, or of its execution NAME. --json adds their tokens.", stdout, stderr)
	names, client, status, ok := c.open(args, 0, 2)
	if !ok {
		return status
	}
	// No flow is every flow's tasks.
	flow, execution := "", ""
	if len(names) > 0 {
		flow = names[0]
	}
	if len(names) == 2 {
		execution = names[1]
	}
	all := fnfclient.WaitingPage{Tasks: []fnfclient.WaitingTask{}}
	for next := ""; ; {
		page, err := client.ListWaitingTasks(ctx, flow, execution, next)
		if err != nil {
			return c.failure(err)
		}
		all.Tasks = append(all.Tasks, page.Tasks...)
		if next = page.NextToken; next == "" {
			break
		}
	}
	if c.asJSON {
		return c.printJSON(all)
	}
	var rows [][]string
	for _, t := range all.Tasks {
		rows = append(rows, []string{t.FlowName + "/" + t.ExecutionName + "/" + t.StepPath, strconv.FormatInt(t.TaskEventID, 10), strconv.Itoa(t.Attempt), shortTime(t.Since), duration(t.Since, "")})
	}
	c.table([]string{"STEP", "TASK", "ATTEMPT", "WAITING SINCE", "FOR"}, rows)
	return 0
}

// stepFlags are --step and --task-event, which name a waiting step instead
// of its token.
type stepFlags struct {
	step      string
	taskEvent int64
}

func (f *stepFlags) register(c *clientCommand) {
	c.flags.StringVar(&f.step, "step", "", "report the step waiting at FLOW/NAME/PATH instead of a TOKEN")
	c.flags.Int64Var(&f.taskEvent, "task-event", 0, "with --step: the waiting task's TaskScheduled event ID, when several wait at the path")
}

// target reads what a report is for: a token (the one positional
// argument) or --step. Exactly one is given.
func (f *stepFlags) target(args []string) (token string, step *fnfclient.Step, err error) {
	switch {
	case f.step == "" && len(args) == 1:
		return args[0], nil, nil
	case f.step != "" && len(args) == 0:
		flow, rest, ok1 := strings.Cut(f.step, "/")
		execution, path, ok2 := strings.Cut(rest, "/")
		if !ok1 || !ok2 || flow == "" || execution == "" || path == "" {
			return "", nil, fmt.Errorf("--step %q: give FLOW/NAME/PATH", f.step)
		}
		return "", &fnfclient.Step{Flow: flow, Execution: execution, Path: path, TaskEventID: f.taskEvent}, nil
	default:
		return "", nil, errors.New("give a TOKEN or --step FLOW/NAME/PATH, one of them")
	}
}

func runTaskSucceed(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newClientCommand("task succeed", "task succeed TOKEN|--step FLOW/NAME/PATH --output JSON|@file [flags]\n\nReports the callback task of TOKEN, or the one waiting at the step, done\n(ReportTaskSucceeded, or ReportStepSucceeded); the output becomes the\nstep's $local.", stdout, stderr)
	output := c.flags.String("output", "", "the task's output: a JSON object, or @file holding one (required)")
	var sf stepFlags
	sf.register(c)
	args, status, ok := c.parse(args, 0, 1)
	if !ok {
		return status
	}
	token, step, err := sf.target(args)
	if err != nil {
		return c.usageError(err)
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
	var reply *fnfclient.ReportReply
	if step != nil {
		reply, err = client.ReportStepSucceeded(ctx, *step, text)
	} else {
		reply, err = client.ReportTaskSucceeded(ctx, token, text)
	}
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
	c := newClientCommand("task fail", "task fail TOKEN|--step FLOW/NAME/PATH --error E [--cause C] [flags]\n\nReports the callback task of TOKEN, or the one waiting at the step, failed\n(ReportTaskFailed, or ReportStepFailed); the step's retry and catch match\nthe error by name.", stdout, stderr)
	errorName := c.flags.String("error", "", "the error's name, 1 to 128 characters (required)")
	cause := c.flags.String("cause", "", "what went wrong")
	var sf stepFlags
	sf.register(c)
	args, status, ok := c.parse(args, 0, 1)
	if !ok {
		return status
	}
	token, step, err := sf.target(args)
	if err != nil {
		return c.usageError(err)
	}
	if *errorName == "" {
		return c.usageError(errors.New("--error is required"))
	}
	client, err := c.client()
	if err != nil {
		return c.usageError(err)
	}
	var reply *fnfclient.ReportReply
	if step != nil {
		reply, err = client.ReportStepFailed(ctx, *step, *errorName, *cause)
	} else {
		reply, err = client.ReportTaskFailed(ctx, token, *errorName, *cause)
	}
	if err != nil {
		return c.failure(err)
	}
	if c.asJSON {
		return c.printJSON(reply)
	}
	fmt.Fprintln(stdout, "reported the task failed")
	return 0
}
