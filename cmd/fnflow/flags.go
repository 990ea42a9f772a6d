package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	sdkworker "go.temporal.io/sdk/worker"

	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/interpreter"
	"github.com/fnflow/fnflow/worker"
)

// parseFlags parses args, then fills every flag not given on the command line
// from its environment variable FNFLOW_<NAME> (dashes become underscores). The
// flag set reports its own problems; those of the environment are reported
// here, to the flag set's output.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var problems []error
	fs.VisitAll(func(f *flag.Flag) {
		value, ok := os.LookupEnv(envName(f.Name))
		if given[f.Name] || !ok {
			return
		}
		if err := fs.Set(f.Name, value); err != nil {
			problems = append(problems, fmt.Errorf("invalid value %q for %s: %w", value, envName(f.Name), err))
		}
	})
	err := errors.Join(problems...)
	if err != nil {
		fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
	}
	return err
}

func envName(flagName string) string {
	return "FNFLOW_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// command is a long-running command: its flags, the --log-level they all
// take, and how it reports a problem.
type command struct {
	flags    *flag.FlagSet
	logLevel string
	stderr   io.Writer
}

// newCommand returns a command whose usage mentions the environment.
func newCommand(name, summary string, stderr io.Writer) *command {
	fs := flag.NewFlagSet("fnflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fnflow %s [flags]\n\n%s\n\nFlags (each also FNFLOW_<FLAG>, e.g. %s):\n", name, summary, envName("log-level"))
		fs.PrintDefaults()
	}
	c := &command{flags: fs, stderr: stderr}
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	return c
}

// parse reads args and the environment and returns the command's logger:
// text on a terminal, JSON elsewhere. When the command must not run (-h, or
// a problem already reported) the logger is nil and status is the exit
// status.
func (c *command) parse(args []string) (logger *slog.Logger, status int) {
	if err := parseFlags(c.flags, args); errors.Is(err, flag.ErrHelp) {
		return nil, 0
	} else if err != nil {
		return nil, 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, c.usageError(fmt.Errorf("--log-level: %w", err))
	}
	opts := &slog.HandlerOptions{Level: level}
	if f, ok := c.stderr.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(c.stderr, opts)), 0
		}
	}
	return slog.New(slog.NewJSONHandler(c.stderr, opts)), 0
}

// usageError reports a problem with what the user gave: exit status 2.
func (c *command) usageError(err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", c.flags.Name(), err)
	return 2
}

// failure reports a problem while running: exit status 1.
func (c *command) failure(err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", c.flags.Name(), err)
	return 1
}

// secret is a flag that can also be read from a file, so that it need not
// appear on a command line, which every user of the host can read (ps).
type secret struct {
	name        string
	value, file string
}

func (s *secret) register(fs *flag.FlagSet, name, usage string) {
	s.name = name
	fs.StringVar(&s.value, name, "", fmt.Sprintf("%s; visible in ps: prefer %s or --%s-file", usage, envName(name), name))
	fs.StringVar(&s.file, name+"-file", "", fmt.Sprintf("file holding --%s (surrounding white space is ignored); not with --%s", name, name))
}

// get returns the secret, "" when neither the value nor a file is given.
func (s *secret) get() (string, error) {
	if s.file == "" {
		return s.value, nil
	}
	if s.value != "" {
		return "", fmt.Errorf("--%s (%s) and --%s-file (%s_FILE) are both set: give one", s.name, envName(s.name), s.name, envName(s.name))
	}
	text, err := os.ReadFile(s.file)
	if err != nil {
		return "", fmt.Errorf("reading --%s-file: %w", s.name, err)
	}
	value := strings.TrimSpace(string(text))
	if value == "" {
		return "", fmt.Errorf("--%s-file %s is empty", s.name, s.file)
	}
	return value, nil
}

// functionsUsage is the help of --functions, the one bindings file that
// fnflow dev and fnflow worker run with and fnflow validate checks flows
// against.
const functionsUsage = "bindings file (YAML): where the functions (acs:fc:...) and actions (product:Action) of task steps run"

// registerHandoffTimeout registers --handoff-timeout, for the commands that
// run a worker.
func registerHandoffTimeout(fs *flag.FlagSet, timeout *time.Duration) {
	*timeout = interpreter.DefaultHandoffTimeout
	fs.Var((*positiveDuration)(timeout), "handoff-timeout", "how long a callback step's hand-off (calling the function with the token and recording the token) may take before it is abandoned and the step handed over again; also what stopping waits for hand-offs in progress; the same on every worker; a `duration` such as 30s")
}

// registerWorkflowCacheSize registers --workflow-cache-size, for the
// commands that run a worker.
func registerWorkflowCacheSize(fs *flag.FlagSet, size *int) {
	*size = defaultWorkflowCacheSize
	fs.Var((*positiveInt)(size), "workflow-cache-size", "how many executions the worker keeps in memory between their steps (Temporal's sticky workflow cache); one it lets go is rebuilt from its history when its next step comes: less memory held for more CPU per step resumed")
}

// defaultWorkflowCacheSize is a tenth of the Go SDK's own default (the Java
// SDK's is 600): with 1,000, 10,000 executions waiting fit in under 1 GiB
// beside the embedded server, and neither the throughput scenario at 1,500
// in flight nor completing 10,000 waiting executions measured slower
// (docs/benchmarks.md, "Where a waiting execution's memory goes").
const defaultWorkflowCacheSize = 1000

// useWorkflowCacheSize sizes the Temporal SDK's workflow cache, which is
// the process's, shared by its workers: call it before the first worker
// starts.
func useWorkflowCacheSize(size int) { sdkworker.SetStickyWorkflowCacheSize(size) }

// positiveInt is an int flag that refuses zero and negative values.
type positiveInt int

func (n *positiveInt) String() string { return strconv.Itoa(int(*n)) }

func (n *positiveInt) Set(text string) error {
	v, err := strconv.Atoi(text)
	if err != nil {
		return err
	}
	if v < 1 {
		return fmt.Errorf("must be at least 1")
	}
	*n = positiveInt(v)
	return nil
}

// positiveDuration is a duration flag that refuses zero and negative values.
type positiveDuration time.Duration

func (d *positiveDuration) String() string { return time.Duration(*d).String() }

func (d *positiveDuration) Set(text string) error {
	v, err := time.ParseDuration(text)
	if err != nil {
		return err
	}
	if v <= 0 {
		return errors.New("must be positive")
	}
	*d = positiveDuration(v)
	return nil
}

// registerMaxStepData registers --max-step-data, for the commands that run a
// worker. limit takes interpreter.Options' meaning: NoStepDataLimit for 0.
func registerMaxStepData(fs *flag.FlagSet, limit *int) {
	*limit = interpreter.DefaultMaxStepData
	fs.Var((*stepDataSize)(limit), "max-step-data", "largest JSON one step's input, output and $local may hold together, in bytes or with KiB or MiB; a step past it fails with FnF.DataLimitExceeded, which ends the execution; 0 for no limit but Temporal's own (2MiB a payload by default); a running execution keeps the limit it started with")
}

// stepDataSize is a size of JSON: bytes ("32768") or KiB and MiB ("32KiB");
// 0 means no limit.
type stepDataSize int

func (n *stepDataSize) String() string {
	switch v := int(*n); {
	case v == interpreter.NoStepDataLimit:
		return "0"
	case v > 0 && v%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", v>>20)
	case v > 0 && v%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", v>>10)
	default:
		return strconv.Itoa(v)
	}
}

func (n *stepDataSize) Set(text string) error {
	digits, unit := text, 1
	for _, u := range []struct {
		suffix string
		size   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"B", 1}} { // B last: KiB ends with it
		if d, ok := strings.CutSuffix(text, u.suffix); ok {
			digits, unit = d, u.size
			break
		}
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v < 0 || v > math.MaxInt32/unit {
		return errors.New("must be a size such as 32768, 32KiB or 1MiB, or 0 for no limit")
	}
	if v == 0 {
		*n = interpreter.NoStepDataLimit
		return nil
	}
	*n = stepDataSize(v * unit)
	return nil
}

// temporalFlags are the flags of the commands that reach an existing Temporal.
type temporalFlags struct {
	config    worker.TemporalConfig
	apiKey    secret
	taskQueue string
	tokenKey  secret
}

func (t *temporalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.config.Address, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port")
	fs.StringVar(&t.config.Namespace, "namespace", "default", "Temporal namespace")
	fs.StringVar(&t.config.TLSCert, "tls-cert", "", "client certificate (PEM) for mTLS")
	fs.StringVar(&t.config.TLSKey, "tls-key", "", "client key (PEM) for mTLS")
	fs.StringVar(&t.config.TLSCA, "tls-ca", "", "CA certificate (PEM) to trust instead of the system roots")
	fs.StringVar(&t.config.TLSServerName, "tls-server-name", "", "server name to verify (turns TLS on)")
	fs.BoolFunc("temporal-gzip", "compress requests to Temporal with gzip (default true); false saves CPU where the network is fast: the same host, a LAN", func(value string) error {
		compressed, err := strconv.ParseBool(value)
		t.config.Uncompressed = !compressed
		return err
	})
	t.apiKey.register(fs, "api-key", "Temporal Cloud API key (turns TLS on)")
	fs.StringVar(&t.taskQueue, "task-queue", worker.DefaultTaskQueue, "task queue of flow executions")
	t.tokenKey.register(fs, "token-key", "key that signs callback tokens, base64 or hex, at least 32 bytes; the same on every worker and gateway (required)")
}

// load returns how to reach Temporal and the signer of callback tokens.
func (t *temporalFlags) load() (worker.TemporalConfig, *token.Signer, error) {
	config := t.config
	var err error
	if config.APIKey, err = t.apiKey.get(); err != nil {
		return config, nil, err
	}
	text, err := t.tokenKey.get()
	if err != nil {
		return config, nil, err
	}
	if text == "" {
		return config, nil, errors.New("--token-key (or FNFLOW_TOKEN_KEY, or --token-key-file) is required: generate one with `head -c 32 /dev/urandom | base64` and give every worker and gateway the same")
	}
	key, err := token.ParseKey(text)
	if err != nil {
		return config, nil, fmt.Errorf("--token-key: %w", err)
	}
	signer, err := token.NewSigner(key)
	return config, signer, err
}
