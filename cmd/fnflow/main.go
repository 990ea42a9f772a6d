// Command fnflow runs Alibaba Cloud Serverless Workflow flows (FDL) on
// Temporal: `fnflow dev` runs everything on one machine, `fnflow worker` and
// `fnflow gateway` run the parts against a Temporal cluster or Temporal
// Cloud, `fnflow validate` checks flow files, and the client commands (flow,
// run, exec, task) call a gateway.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `fnflow runs Serverless Workflow (FDL) flows on Temporal.

Usage:
  fnflow dev       run Temporal, the Web UI, the worker and the gateway in one process
  fnflow worker    run flow executions against a Temporal cluster
  fnflow gateway   serve the fnf API (2019-03-15) against a Temporal cluster
  fnflow validate  check flow files and print every problem found
  fnflow graph     draw a flow file as Mermaid, Graphviz DOT or SVG

Client commands, against a gateway (--endpoint, default http://127.0.0.1:8080):
  fnflow flow      deploy, list, show and delete flows
  fnflow run       start an execution of a flow; --wait waits for its end
  fnflow exec      list, show, stop executions and show their history
  fnflow task      report a waiting callback task succeeded or failed

Run "fnflow COMMAND -h" for a command's flags. Every flag can also be set
with an environment variable FNFLOW_<FLAG>, e.g. FNFLOW_DATA_DIR.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"dev":      runDev,
		"worker":   runWorker,
		"gateway":  runGateway,
		"validate": runValidate,
		"graph":    runGraph,
		"flow":     runFlow,
		"run":      runRun,
		"exec":     runExec,
		"task":     runTask,
	}
	command, ok := commands[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "fnflow: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return command(ctx, args[1:], stdout, stderr)
}
