package main

import (
	"context"
	"fmt"
	"io"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/worker"
)

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var tf temporalFlags
	var functions, logLevel string
	fs := newFlagSet("worker", "Runs flow executions, flow records and task activities against a Temporal cluster or Temporal Cloud.", stderr)
	tf.register(fs)
	fs.StringVar(&functions, "functions", "", "function bindings file (YAML)")
	fs.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return 2
	}
	logger, err := newLogger(stderr, logLevel)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	signer, err := tf.signer()
	if err != nil {
		fmt.Fprintf(stderr, "fnflow worker: %v\n", err)
		return 2
	}
	var bindings *activities.Bindings
	if functions != "" {
		if bindings, err = activities.LoadBindings(functions); err != nil {
			fmt.Fprintf(stderr, "fnflow worker: %v\n", err)
			return 1
		}
	}
	c, err := worker.Dial(ctx, tf.config, logger)
	if err != nil {
		fmt.Fprintf(stderr, "fnflow worker: %v\n", err)
		return 1
	}
	defer c.Close()
	w := worker.New(c, worker.Config{TaskQueue: tf.taskQueue, Functions: bindings, Tokens: signer, Logger: logger})
	if err := w.Start(); err != nil {
		fmt.Fprintf(stderr, "fnflow worker: starting: %v\n", err)
		return 1
	}
	logger.Info("worker running", "temporal", tf.config.Address, "namespace", tf.config.Namespace, "taskQueue", tf.taskQueue)
	<-ctx.Done()
	logger.Info("stopping")
	w.Stop()
	return 0
}
