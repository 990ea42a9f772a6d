package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/worker"
)

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var tf temporalFlags
	var functions string
	var handoffTimeout time.Duration
	var maxStepData, workflowCacheSize int
	var push pushFlags
	var metrics metricsFlags
	cmd := newCommand("worker", "Runs flow executions, flow records, task activities and the queues' and topics' messages against a Temporal cluster or Temporal Cloud.", stderr)
	tf.register(cmd.flags)
	cmd.flags.StringVar(&functions, "functions", "", functionsUsage)
	push.register(cmd.flags, true)
	registerHandoffTimeout(cmd.flags, &handoffTimeout)
	registerMaxStepData(cmd.flags, &maxStepData)
	registerWorkflowCacheSize(cmd.flags, &workflowCacheSize)
	var groupSendsFlag groupSendsMode
	registerGroupSends(cmd.flags, &groupSendsFlag)
	metrics.register(cmd.flags, true)
	var profiling profilingFlags
	profiling.register(cmd.flags)
	logger, status := cmd.parse(args)
	if logger == nil {
		return status
	}
	temporal, signer, err := tf.load()
	if err != nil {
		return cmd.usageError(err)
	}
	pushSigner, err := push.signer()
	if err != nil {
		return cmd.usageError(err)
	}
	var bindings *activities.Bindings
	if functions != "" {
		if bindings, err = activities.LoadBindings(functions); err != nil {
			return cmd.failure(err)
		}
	}
	profiles, err := profiling.serve(logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer profiles.stop()
	c, err := worker.Dial(ctx, temporal, logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer c.Close()
	groupSends, err := groupSendsFlag.decide(ctx, c, temporal.Namespace, logger)
	if err != nil {
		return cmd.failure(err)
	}
	metricsServer, err := metrics.serve(logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer metricsServer.stop()
	useWorkflowCacheSize(workflowCacheSize)
	w := worker.New(c, worker.Config{
		Namespace: temporal.Namespace, TaskQueue: tf.taskQueue, Functions: bindings, Tokens: signer,
		PushSigner: pushSigner, Logger: logger, HandoffTimeout: handoffTimeout, MaxStepData: maxStepData,
		Metrics: metricsServer.registerer(), GroupSends: groupSends,
	})
	if err := w.Start(); err != nil {
		return cmd.failure(fmt.Errorf("starting: %w", err))
	}
	if reg := metricsServer.registerer(); reg != nil && metrics.waitingEvery > 0 {
		countCtx, stopCounting := context.WithCancel(ctx)
		defer stopCounting()
		go worker.CountWaitingSteps(countCtx, c, worker.WaitingCount{
			Namespace: temporal.Namespace, TaskQueue: tf.taskQueue, Every: metrics.waitingEvery, Metrics: reg, Logger: logger,
		})
	}
	logger.Info("worker running", "temporal", temporal.Address, "namespace", temporal.Namespace, "taskQueue", tf.taskQueue, "signedNotifications", pushSigner != nil)
	<-ctx.Done()
	logger.Info("stopping")
	w.Stop()
	return 0
}
