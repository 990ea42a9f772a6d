package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/devserver"
	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway"
	"github.com/fnflow/fnflow/gateway/mns"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/searchattrs"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
	"github.com/fnflow/fnflow/worker"
)

// devOptions configure `fnflow dev`.
type devOptions struct {
	dataDir      string
	temporalPort int
	uiPort       int
	gatewayAddr  string
	// accessKeys are the gateway's; none accepts unsigned requests.
	accessKeys *acs.Keys
	// maxNonces is how many signature nonces the gateway remembers.
	maxNonces int
	metrics   metricsFlags
	functions string
	flowsDir  string
	// mnsFile declares queues and topics to create at start.
	mnsFile string
	// handoffTimeout is the worker's; zero means the interpreter's default.
	handoffTimeout time.Duration
	// maxStepData is the worker's, as interpreter.Options takes it.
	maxStepData int
	// workflowCacheSize sizes the Temporal SDK's workflow cache.
	workflowCacheSize int
	// console serves the console in the browser under /console.
	console bool
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var opts devOptions
	var access accessFlags
	cmd := newCommand("dev", "Runs an embedded Temporal server (SQLite), the Temporal Web UI, the worker and the gateway in one process.", stderr)
	fs := cmd.flags
	fs.StringVar(&opts.dataDir, "data-dir", ".fnflow", "directory for the Temporal database and the token key; restarting on it resumes everything")
	fs.IntVar(&opts.temporalPort, "temporal-port", 7233, "Temporal frontend gRPC port (on loopback)")
	fs.IntVar(&opts.uiPort, "ui-port", 8233, "Temporal Web UI port (on loopback); 0 turns the UI off")
	fs.StringVar(&opts.gatewayAddr, "gateway-addr", "127.0.0.1:8080", "address of the fnf API gateway; one other machines can reach needs --access-keys or --insecure-no-auth")
	access.register(fs)
	fs.StringVar(&opts.functions, "functions", "", functionsUsage)
	registerHandoffTimeout(fs, &opts.handoffTimeout)
	registerMaxStepData(fs, &opts.maxStepData)
	registerWorkflowCacheSize(fs, &opts.workflowCacheSize)
	fs.StringVar(&opts.flowsDir, "flows", "", "deploy every *.yaml flow in this directory at start, named after the file")
	fs.BoolVar(&opts.console, "console", true, "serve the console in the browser under /console")
	fs.StringVar(&opts.mnsFile, "mns", "", "create the queues, topics and subscriptions this YAML file declares at start (docs/integrations.md)")
	opts.metrics.register(fs, true)
	var profiling profilingFlags
	profiling.register(fs)
	logger, status := cmd.parse(args)
	if logger == nil {
		return status
	}
	keys, err := access.load("gateway-addr", opts.gatewayAddr, logger)
	if err != nil {
		return cmd.usageError(err)
	}
	opts.accessKeys, opts.maxNonces = acs.NewKeys(keys), access.maxNonces
	access.reloadOnHangup(ctx, opts.accessKeys, logger)
	profiles, err := profiling.serve(logger)
	if err != nil {
		return cmd.failure(err)
	}
	defer profiles.stop()
	stack, err := startLocal(ctx, opts, logger)
	if err != nil {
		return cmd.failure(err)
	}
	printBanner(stdout, opts, stack)
	<-ctx.Done()
	logger.Info("stopping")
	if err := stack.stop(); err != nil {
		return cmd.failure(err)
	}
	return 0
}

// localStack is everything `fnflow dev` runs.
type localStack struct {
	server   *devserver.Server
	temporal client.Client
	worker   sdkworker.Worker
	// gatewayListener is the gateway's address, claimed before anything
	// starts so that a busy one fails at once; gateway serves on it.
	gatewayListener net.Listener
	gateway         *http.Server
	gatewayURL      string
	gatewayDone     chan error
	metrics         *metricsServer
	// stopCounting ends the count of waiting steps.
	stopCounting context.CancelFunc
	logger       *slog.Logger
}

func startLocal(ctx context.Context, opts devOptions, logger *slog.Logger) (*localStack, error) {
	// Check what the user gave before anything starts.
	var flowFiles []flowFile
	if opts.flowsDir != "" {
		var err error
		if flowFiles, err = readFlows(opts.flowsDir); err != nil {
			return nil, err
		}
	}
	declared := &mnsFile{}
	if opts.mnsFile != "" {
		var err error
		if declared, err = readMNSFile(opts.mnsFile); err != nil {
			return nil, err
		}
	}
	var bindings *activities.Bindings
	if opts.functions != "" {
		var err error
		if bindings, err = activities.LoadBindings(opts.functions); err != nil {
			return nil, err
		}
	}
	stack := &localStack{logger: logger}
	if err := stack.start(ctx, opts, bindings, flowFiles, declared); err != nil {
		_ = stack.stop()
		return nil, err
	}
	return stack, nil
}

func (stack *localStack) start(ctx context.Context, opts devOptions, bindings *activities.Bindings, flowFiles []flowFile, declared *mnsFile) error {
	logger := stack.logger
	// The addresses the user chose are claimed first: one that is taken
	// fails the start before the data directory is touched.
	var err error
	if stack.gatewayListener, err = listenHTTP("gateway", opts.gatewayAddr); err != nil {
		return err
	}
	if stack.metrics, err = opts.metrics.serve(logger); err != nil {
		return err
	}
	if err := os.MkdirAll(opts.dataDir, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	key, err := token.LoadOrCreateKeyFile(filepath.Join(opts.dataDir, "token.key"))
	if err != nil {
		return err
	}
	signer, err := token.NewSigner(key)
	if err != nil {
		return err
	}
	// Subscribers fetch the certificate from the gateway to check
	// notifications' signatures.
	pushSigner, err := topics.LoadOrCreatePushSigner(opts.dataDir, localCertificateURL(stack.gatewayListener.Addr()))
	if err != nil {
		return err
	}
	// Before the server: its own system workers are the process's first
	// Temporal workers, and the SDK sizes its one cache when the first
	// starts.
	useWorkflowCacheSize(opts.workflowCacheSize)
	stack.server, err = devserver.Start(ctx, devserver.Options{
		DataDir: opts.dataDir,
		Port:    opts.temporalPort,
		UIPort:  opts.uiPort,
		// fnflow's workflows set these; a production namespace has an
		// operator register them (docs/deploy.md).
		SearchAttributes: searchattrs.All(),
		Logger:           logger.With("component", "temporal-server"),
	})
	if err != nil {
		return err
	}
	stack.temporal, err = worker.Dial(ctx, worker.TemporalConfig{
		Address:   stack.server.FrontendAddress(),
		Namespace: stack.server.Namespace(),
		// The server is in this process: gzip would compress for loopback.
		Uncompressed: true,
	}, logger)
	if err != nil {
		return err
	}
	reg := stack.metrics.registerer()
	// One Store for the worker and the gateway: a peek through the gateway
	// sees what a flow's queue step sent a moment ago, and a busy queue's
	// sends from both are gathered together.
	queueStore := queues.New(stack.temporal, queues.Config{
		Namespace: stack.server.Namespace(), TaskQueue: worker.DefaultTaskQueue, Handles: signer,
		// The embedded server has the search attribute it needs.
		GroupSends: true,
	})
	stack.worker = worker.New(stack.temporal, worker.Config{
		Namespace:      stack.server.Namespace(),
		PushSigner:     pushSigner,
		TaskQueue:      worker.DefaultTaskQueue,
		Functions:      bindings,
		Tokens:         signer,
		Logger:         logger,
		HandoffTimeout: opts.handoffTimeout,
		MaxStepData:    opts.maxStepData,
		Metrics:        reg,
		Queues:         queueStore,
	})
	if err := stack.worker.Start(); err != nil {
		stack.worker = nil
		return fmt.Errorf("starting worker: %w", err)
	}
	var gatewayMetrics *gateway.Metrics
	if reg != nil {
		gatewayMetrics = gateway.NewMetrics(reg)
		if opts.metrics.waitingEvery > 0 {
			var countCtx context.Context
			countCtx, stack.stopCounting = context.WithCancel(context.Background())
			go worker.CountWaitingSteps(countCtx, stack.temporal, worker.WaitingCount{
				Namespace: stack.server.Namespace(), TaskQueue: worker.DefaultTaskQueue, Every: opts.metrics.waitingEvery, Metrics: reg, Logger: logger,
			})
		}
	}
	flows := flowstore.New(stack.temporal, worker.DefaultTaskQueue)
	for _, f := range flowFiles {
		if _, err := flows.Put(ctx, flowstore.Flow{Name: f.name, Definition: f.definition, Type: "FDL", Description: "deployed by fnflow dev --flows"}); err != nil {
			return fmt.Errorf("deploying flow %s: %w", f.name, err)
		}
		logger.Info("flow deployed", "flow", f.name)
	}
	topicStore := topics.New(stack.temporal, topics.Config{TaskQueue: worker.DefaultTaskQueue})
	if err := declared.declare(ctx, queueStore, topicStore, logger); err != nil {
		return err
	}
	handler := gateway.New(gateway.Config{
		Temporal:           stack.temporal,
		Namespace:          stack.server.Namespace(),
		TaskQueue:          worker.DefaultTaskQueue,
		Tokens:             signer,
		Flows:              flows,
		Queues:             queueStore,
		Topics:             topicStore,
		PushCertificatePEM: pushSigner.CertificatePEM(),
		Logger:             logger,
		AccessKeys:         opts.accessKeys,
		MaxNonces:          opts.maxNonces,
		Console:            opts.console,
		Metrics:            gatewayMetrics,
	})
	stack.gateway, stack.gatewayURL, stack.gatewayDone = serveOn("gateway", stack.gatewayListener, handler, logger)
	return nil
}

type flowFile struct{ name, definition string }

// readFlows reads every *.yaml file in dir as the flow named after the file,
// and reports the diagnostics of every invalid one: one bad flow deploys none.
func readFlows(dir string) ([]flowFile, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing flows: %w", err)
	}
	var flows []flowFile
	var problems []string
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("reading flow: %w", err)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		if !fdl.ValidName(name) {
			problems = append(problems, fmt.Sprintf("%s: %q is not a valid flow name (letters, digits, _ and -, starting with a letter or _)", file, name))
			continue
		}
		if _, diags := fdl.Parse(file, text); diags.HasErrors() {
			problems = append(problems, diags.Err().Error())
			continue
		}
		flows = append(flows, flowFile{name: name, definition: string(text)})
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("flows in %s are not valid:\n%s", dir, strings.Join(problems, "\n"))
	}
	return flows, nil
}

// stop stops what was started, the gateway first so no request reaches a
// stopped worker, the metrics last so that they are served while the rest
// stops.
func (s *localStack) stop() error {
	var errs []error
	if s.gateway != nil {
		if err := stopHTTP(s.gateway, stopGrace, s.logger); err != nil {
			errs = append(errs, err)
		}
		<-s.gatewayDone
	} else if s.gatewayListener != nil {
		s.gatewayListener.Close()
	}
	if s.stopCounting != nil {
		s.stopCounting()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.temporal != nil {
		s.temporal.Close()
	}
	if s.server != nil {
		if err := s.server.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping Temporal: %w", err))
		}
	}
	s.metrics.stop()
	return errors.Join(errs...)
}

func printBanner(w io.Writer, opts devOptions, s *localStack) {
	ui := s.server.UIAddress()
	if ui == "" {
		ui = "off"
	}
	gw := s.gatewayURL
	fmt.Fprintf(w, `
fnflow dev is running (Ctrl-C stops it)
  fnf API gateway    %s/
  MNS queues, topics %s/queues, %s/topics
  Temporal Web UI    %s
  Temporal frontend  %s (namespace %s)
  Data directory     %s
`, gw, gw, gw, ui, s.server.FrontendAddress(), s.server.Namespace(), opts.dataDir)
	if opts.console {
		fmt.Fprintf(w, "  Console            %s/console\n", gw)
	}
	if s.metrics != nil {
		fmt.Fprintf(w, "  Metrics            %s%s\n", s.metrics.url, metricsPath)
	}
	if opts.flowsDir == "" || opts.functions == "" {
		fmt.Fprintf(w, `
For the callback example, start with the sample flow and function bound:
  go run ./cmd/fnflow dev --functions samples/functions/bindings.yaml --flows samples/flows
`)
	}
	// The client commands' default endpoint is the default gateway
	// address; another one needs saying.
	endpoint := ""
	if gw != "http://127.0.0.1:8080" {
		endpoint = " --endpoint " + gw
	}
	fmt.Fprintf(w, `
Next, with the echo function running (go run ./samples/functions/echo):
  go run ./cmd/fnflow run fnf-demo-callback --name run1 --watch%[1]s
  go run ./cmd/fnflow task list%[1]s
  go run ./cmd/fnflow task succeed --step fnf-demo-callback/run1/mytask --output '{"status":"ok"}'%[1]s

`, endpoint)
}

// localCertificateURL is where subscribers on this machine fetch the
// certificate of fnflow dev's notifications from its gateway, listening on
// addr: the address it really listens on (a port of 0 is the one the system
// gave), and 127.0.0.1 for a gateway on every interface, which names no
// host a subscriber could dial.
func localCertificateURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + mns.CertificatePath
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + mns.CertificatePath
}
