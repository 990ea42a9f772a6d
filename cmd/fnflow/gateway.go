package main

import (
	"context"
	"io"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
	"github.com/fnflow/fnflow/worker"
)

func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var tf temporalFlags
	var access accessFlags
	var addr string
	var consoleOn bool
	var push pushFlags
	var metrics metricsFlags
	cmd := newCommand("gateway", "Serves Alibaba's fnf API (2019-03-15) and MNS queue and topic API (2015-06-06) against a Temporal cluster or Temporal Cloud.", stderr)
	tf.register(cmd.flags)
	access.register(cmd.flags)
	push.register(cmd.flags, false)
	metrics.register(cmd.flags, false)
	var profiling profilingFlags
	profiling.register(cmd.flags)
	cmd.flags.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on; one other machines can reach needs --access-keys or --insecure-no-auth")
	var groupSendsFlag groupSendsMode
	registerGroupSends(cmd.flags, &groupSendsFlag)
	cmd.flags.BoolVar(&consoleOn, "console", false, "serve the console in the browser under /console (HTTP Basic with an access key: put TLS in front)")
	logger, status := cmd.parse(args)
	if logger == nil {
		return status
	}
	temporal, signer, err := tf.load()
	if err != nil {
		return cmd.usageError(err)
	}
	initialKeys, err := access.load("addr", addr, logger)
	if err != nil {
		return cmd.usageError(err)
	}
	keys := acs.NewKeys(initialKeys)
	access.reloadOnHangup(ctx, keys, logger)
	pushSigner, err := push.signer()
	if err != nil {
		return cmd.usageError(err)
	}
	var certificate []byte
	if pushSigner != nil {
		certificate = pushSigner.CertificatePEM()
	}
	profiles, err := profiling.serve(logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer profiles.stop()
	// The addresses are claimed before Temporal is dialled, which may wait:
	// one that is taken fails the start at once.
	ln, err := listenHTTP("gateway", addr)
	if err != nil {
		return cmd.failure(err)
	}
	defer ln.Close() // after the server's stop, a second close, which does nothing
	metricsServer, err := metrics.serve(logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer metricsServer.stop()
	c, err := worker.Dial(ctx, temporal, logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer c.Close()
	groupSends, err := groupSendsFlag.decide(ctx, c, temporal.Namespace, logger)
	if err != nil {
		return cmd.failure(err)
	}
	var gatewayMetrics *gateway.Metrics
	if reg := metricsServer.registerer(); reg != nil {
		gatewayMetrics = gateway.NewMetrics(reg)
	}
	handler := gateway.New(gateway.Config{
		Temporal:  c,
		Namespace: temporal.Namespace,
		TaskQueue: tf.taskQueue,
		Tokens:    signer,
		Flows:     flowstore.New(c, tf.taskQueue),
		Queues:    queues.New(c, queues.Config{Namespace: temporal.Namespace, TaskQueue: tf.taskQueue, Handles: signer, GroupSends: groupSends}),
		Topics:    topics.New(c, topics.Config{TaskQueue: tf.taskQueue}),
		// Served for subscribers to check notifications with.
		PushCertificatePEM: certificate,
		Logger:             logger,
		AccessKeys:         keys,
		MaxNonces:          access.maxNonces,
		Console:            consoleOn,
		Metrics:            gatewayMetrics,
	})
	srv, url, done := serveOn("gateway", ln, handler, logger)
	logger.Info("gateway listening", "url", url, "temporal", temporal.Address, "namespace", temporal.Namespace, "signedRequestsOnly", keys.Required())
	select {
	case <-ctx.Done():
	case err := <-done:
		return cmd.failure(err)
	}
	logger.Info("stopping")
	if err := stopHTTP(srv, stopGrace, logger); err != nil {
		return cmd.failure(err)
	}
	return 0
}
