package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/fnflow/fnflow/devserver/freeport"
)

const (
	clusterName = "active"
	storeName   = "sqlite-default"
	// visibilityStoreName is the visibility's store, in a file of its own
	// or, in an older data directory, the same file as storeName's.
	visibilityStoreName = "sqlite-visibility"
	// Internal services only talk to each other, never to other hosts.
	internalIP = "127.0.0.1"

	// tunedTransferPollRPS replaces history.transferProcessorMaxPollRPS's
	// default of 20. With one shard every workflow task waits for that limiter,
	// which costs ~50 ms per callback step; at 1000 the hop is a few ms.
	tunedTransferPollRPS = 1000
)

type ports struct {
	frontend, frontendHTTP, history, matching, worker int
}

func choosePorts(opts Options) (ports, error) {
	var p ports
	var err error
	if opts.Port == 0 {
		p.frontend, err = freeport.Reserve(opts.IP)
	} else {
		err = checkPortFree(opts.IP, opts.Port)
	}
	if err != nil {
		return p, err
	}
	// The UI server exits the process when it cannot listen, so a busy port
	// must be caught here.
	if opts.UIPort != 0 {
		if err := checkPortFree(opts.IP, opts.UIPort); err != nil {
			return p, err
		}
	}
	// Without the HTTP API the server warns at every start; nothing in fnflow
	// uses it, so it gets any free port.
	if p.frontendHTTP, err = freeport.Reserve(opts.IP); err != nil {
		return p, err
	}
	for _, port := range []*int{&p.history, &p.matching, &p.worker} {
		if *port, err = freeport.Reserve(internalIP); err != nil {
			return p, err
		}
	}
	if opts.Port != 0 {
		p.frontend = opts.Port
	}
	return p, nil
}

// databases are the SQLite files of a data directory: the executions
// (histories, mutable state, task queues, the cluster's and namespaces'
// records) and the visibility records that listings and counts read.
type databases struct {
	executions, visibility *config.SQL
}

// Files of a data directory.
const (
	executionsFile = "temporal.db"
	visibilityFile = "visibility.db"
)

// prepareDatabases returns the SQLite configuration for opts.DataDir,
// creating the schema of a database file that does not exist yet and the
// namespace if it is missing. An existing file is used as it is: it holds
// the executions.
//
// Visibility has a file of its own, so a second connection writes it beside
// the executions' one instead of queueing behind it (measured: 1.1-1.25x
// the rate of messages and callback steps when the cores are not all busy;
// docs/benchmarks.md). A data directory made before that (temporal.db and no
// visibility.db) keeps its visibility records in temporal.db, where they are.
func prepareDatabases(opts Options) (databases, error) {
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return databases{}, fmt.Errorf("creating data directory: %w", err)
	}
	executionsPath := filepath.Join(opts.DataDir, executionsFile)
	visibilityPath := filepath.Join(opts.DataDir, visibilityFile)
	haveExecutions, err := fileExists(executionsPath)
	if err != nil {
		return databases{}, err
	}
	haveVisibility, err := fileExists(visibilityPath)
	if err != nil {
		return databases{}, err
	}
	oneFile := haveExecutions && !haveVisibility

	dbs := databases{executions: sqliteConfig(executionsPath)}
	created, err := createSchema(dbs.executions)
	if err != nil {
		return databases{}, err
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, nil)
	if err != nil {
		return databases{}, fmt.Errorf("preparing namespace %q: %w", opts.Namespace, err)
	}
	// The helper hard-codes 24 hours. Setting it here saves an update at start
	// for a new namespace; ensureRetention handles existing ones.
	ns.Detail.Config.Retention = durationpb.New(opts.Retention)
	if err := sqliteschema.CreateNamespaces(dbs.executions, ns); err != nil {
		if created {
			removeDatabase(executionsPath)
		}
		return databases{}, fmt.Errorf("creating namespace %q: %w", opts.Namespace, err)
	}

	if oneFile {
		dbs.visibility = dbs.executions
		return dbs, nil
	}
	dbs.visibility = sqliteConfig(visibilityPath)
	if _, err := createSchema(dbs.visibility); err != nil {
		return databases{}, err
	}
	return dbs, nil
}

// sqliteConfig is the configuration of one SQLite database file.
func sqliteConfig(file string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: file,
		ConnectAttributes: map[string]string{
			"mode": "rwc",
			// Measured ~3.4× the throughput of the default rollback journal;
			// synchronous=normal can lose the last transactions on power loss,
			// never corrupt the file, which is fine for a local dev server.
			"journal_mode": "wal",
			"synchronous":  "normal",
		},
		// One connection to a file: more, even with WAL, measured slower on 2
		// vCPUs.
		MaxConns: 1,
	}
}

// createSchema creates the schema in conf's file if the file does not exist
// yet, and says whether it did. The server's helper creates the execution
// and the visibility tables together: in the visibility file the execution
// tables stay empty.
func createSchema(conf *config.SQL) (created bool, err error) {
	if exists, err := fileExists(conf.DatabaseName); exists || err != nil {
		return false, err
	}
	if err := sqliteschema.SetupSchema(conf); err != nil {
		removeDatabase(conf.DatabaseName)
		return false, fmt.Errorf("creating database schema in %s: %w", conf.DatabaseName, err)
	}
	return true, nil
}

// fileExists tells a missing file from one it cannot check: only a missing
// one may be created, and removed again when creating it fails.
func fileExists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("checking database file: %w", err)
	}
}

// removeDatabase deletes the database files after setting them up failed, so
// that the next start creates the schema again instead of trusting a half-made
// file.
func removeDatabase(dbFile string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(dbFile + suffix)
	}
}

func serverOptions(opts Options, p ports, dbs databases, log temporalLogger) []temporal.ServerOption {
	frontendAddr := net.JoinHostPort(dialIP(opts.IP), strconv.Itoa(p.frontend))
	internalAddr := func(port int) string { return net.JoinHostPort(internalIP, strconv.Itoa(port)) }

	internalService := func(port int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: port, BindOnIP: internalIP}}
	}
	conf := &config.Config{
		Persistence: config.Persistence{
			DefaultStore:    storeName,
			VisibilityStore: visibilityStoreName,
			// One shard is plenty for one machine and keeps SQLite's single
			// writer uncontended.
			NumHistoryShards: 1,
			DataStores: map[string]config.DataStore{
				storeName:           {SQL: dbs.executions},
				visibilityStoreName: {SQL: dbs.visibility},
			},
		},
		// ClusterID is left empty: the server generates one on the first start
		// and stores it in the database, whose record wins on later starts, so
		// it stays the same for the life of the data directory.
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {
					Enabled:                true,
					InitialFailoverVersion: 1,
					RPCAddress:             frontendAddr,
					HTTPAddress:            net.JoinHostPort(dialIP(opts.IP), strconv.Itoa(p.frontendHTTP)),
				},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			string(primitives.FrontendService): {RPC: config.RPC{GRPCPort: p.frontend, HTTPPort: p.frontendHTTP, BindOnIP: opts.IP}},
			string(primitives.HistoryService):  internalService(p.history),
			string(primitives.MatchingService): internalService(p.matching),
			string(primitives.WorkerService):   internalService(p.worker),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		// The worker service (system workflows) reaches the frontend here.
		PublicClient: config.PublicClient{HostPort: frontendAddr},
	}

	return []temporal.ServerOption{
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		// Every service runs in this process at a known address, so there is
		// no membership protocol to run (and no extra ports).
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: static.SingleLocalHost(frontendAddr),
			primitives.HistoryService:  static.SingleLocalHost(internalAddr(p.history)),
			primitives.MatchingService: static.SingleLocalHost(internalAddr(p.matching)),
			primitives.WorkerService:   static.SingleLocalHost(internalAddr(p.worker)),
		}),
		temporal.WithLogger(log),
		temporal.WithDynamicConfigClient(dynamicConfig(opts)),
	}
}

func dynamicConfig(opts Options) dynamicconfig.StaticClient {
	transferPollRPS := tunedTransferPollRPS
	if opts.transferPollRPS != 0 {
		transferPollRPS = opts.transferPollRPS
	}
	return dynamicconfig.StaticClient{
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): transferPollRPS,
		// The defaults (2000 and 9000) are sized for a shared database behind
		// many hosts; here one process owns the file. Same values as the CLI.
		dynamicconfig.FrontendPersistenceMaxQPS.Key(): 10000,
		dynamicconfig.HistoryPersistenceMaxQPS.Key():  45000,
		// The default of 128,000 cached executions is for a cluster host; a
		// laptop does not need that much memory held.
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key(): 8096,
		// The Web UI lists and counts executions often; the default of 10/s
		// throttles it.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// fnflow defines no search attributes, but one a user registers
		// (temporal operator search-attribute create) is usable at once
		// instead of after the cache refresh, as on Temporal's own dev server.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// MNS queues (package queues) give each message's delivery activity
		// its MNS priority, 1 (first) to 16, as its priority key; matching
		// knows 5 levels by default and would clip them.
		dynamicconfig.MatchingPriorityLevels.Key(): 16,
		// A task queue's partitions each keep their own priority order, so
		// an MNS queue is served in strict priority order only with one. One
		// process gains nothing from more partitions anyway.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
	}
}

// ensureNamespace raises the namespace's retention to at least
// opts.Retention and adds the opts.SearchAttributes it lacks. The schema
// helper creates namespaces with 24 hours, and databases made before
// prepareDatabase set it still have that; data directories made by an older
// fnflow lack search attributes added since.
func ensureNamespace(ctx context.Context, frontendAddr string, opts Options, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := client.Dial(client.Options{HostPort: frontendAddr, Namespace: opts.Namespace, Logger: sdklog.NewStructuredLogger(log)})
	if err != nil {
		return fmt.Errorf("connecting to the server: %w", err)
	}
	defer c.Close()
	if err := ensureRetention(ctx, c, opts.Namespace, opts.Retention); err != nil {
		return err
	}
	return EnsureSearchAttributes(ctx, c, opts.Namespace, opts.SearchAttributes)
}

func ensureRetention(ctx context.Context, c client.Client, namespace string, retention time.Duration) error {
	desc, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("describing namespace %q: %w", namespace, err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() >= retention {
		return nil
	}
	_, err = c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)},
	})
	if err != nil {
		return fmt.Errorf("raising retention of namespace %q to %v: %w", namespace, retention, err)
	}
	return nil
}

// EnsureSearchAttributes adds to namespace those of want, by name and type,
// that it lacks. The server's operator service does it: a server of one's
// own, as the embedded one, or a self-hosted one the benchmarks run on
// (package testenv); on Temporal Cloud an operator adds them.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string, want map[string]enumspb.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("listing the search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, kind := range want {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = kind
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("adding search attributes to namespace %q: %w", namespace, err)
	}
	return nil
}
