package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/worker"
)

func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var tf temporalFlags
	var addr, accessKeys, logLevel string
	fs := newFlagSet("gateway", "Serves Alibaba's fnf API (2019-03-15) against a Temporal cluster or Temporal Cloud.", stderr)
	tf.register(fs)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&accessKeys, "access-keys", "", "comma-separated ID:SECRET pairs; when set, every request must be signed by one of them the way Alibaba's SDKs sign")
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
		fmt.Fprintf(stderr, "fnflow gateway: %v\n", err)
		return 2
	}
	keys, err := parseAccessKeys(accessKeys)
	if err != nil {
		fmt.Fprintf(stderr, "fnflow gateway: --access-keys: %v\n", err)
		return 2
	}
	c, err := worker.Dial(ctx, tf.config, logger)
	if err != nil {
		fmt.Fprintf(stderr, "fnflow gateway: %v\n", err)
		return 1
	}
	defer c.Close()
	handler := gateway.New(gateway.Config{
		Temporal:   c,
		Namespace:  tf.config.Namespace,
		TaskQueue:  tf.taskQueue,
		Tokens:     signer,
		Flows:      flowstore.New(c, tf.taskQueue),
		Logger:     logger,
		AccessKeys: keys,
	})
	srv, url, done, err := serveHTTP(addr, handler, logger)
	if err != nil {
		fmt.Fprintf(stderr, "fnflow gateway: %v\n", err)
		return 1
	}
	logger.Info("gateway listening", "url", url, "temporal", tf.config.Address, "namespace", tf.config.Namespace)
	select {
	case <-ctx.Done():
	case err := <-done:
		fmt.Fprintf(stderr, "fnflow gateway: %v\n", err)
		return 1
	}
	logger.Info("stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "fnflow gateway: stopping: %v\n", err)
		return 1
	}
	return 0
}

func parseAccessKeys(text string) (map[string]string, error) {
	keys := map[string]string{}
	for _, pair := range strings.Split(text, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		id, secret, ok := strings.Cut(pair, ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("%q is not ID:SECRET", pair)
		}
		keys[id] = secret
	}
	return keys, nil
}
