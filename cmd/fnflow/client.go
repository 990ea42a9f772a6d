package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fnflow/fnflow/fnfclient"
)

// clientCommand is a command that calls a gateway: its flags (--endpoint,
// the credentials, --json), how it is used, and where it writes.
type clientCommand struct {
	flags          *flag.FlagSet
	endpoint       string
	accessKeyID    string
	secret         secret
	asJSON         bool
	profile        string
	stdout, stderr io.Writer
}

func newClientCommand(name, usage string, stdout, stderr io.Writer) *clientCommand {
	fs := flag.NewFlagSet("fnflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &clientCommand{flags: fs, stdout: stdout, stderr: stderr}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fnflow %s\n\nFlags (each also FNFLOW_<FLAG>, e.g. %s):\n", usage, envName("endpoint"))
		fs.PrintDefaults()
	}
	fs.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:8080", "the gateway's URL")
	fs.StringVar(&c.accessKeyID, "access-key-id", "", "access key ID to sign requests with, as Alibaba's SDKs sign; unsigned without")
	c.secret.register(fs, "access-key-secret", "the access key's secret")
	fs.BoolVar(&c.asJSON, "json", false, "print the API's reply as JSON, for scripts")
	fs.StringVar(&c.profile, "profile", "", "a file of endpoint, access-key-id and access-key-secret[-file] lines (key = value) for what neither flags nor the environment set (default ~/.fnflow/profile, if it exists)")
	return c
}

// parse reads flags anywhere among args, then the environment, and checks
// that there are between minArgs and maxArgs positional arguments (maxArgs < 0: any
// number). ok is false when the command must not run; status is then its
// exit status.
func (c *clientCommand) parse(args []string, minArgs, maxArgs int) (positional []string, status int, ok bool) {
	positional, err := parseInterspersed(c.flags, args)
	if err == nil {
		// The command line is parsed already; this fills what it did not
		// set from FNFLOW_* variables, then from the profile.
		err = parseFlags(c.flags, nil)
	}
	if err == nil {
		path, explicit := c.profile, c.profile != ""
		if !explicit {
			path = defaultProfile()
		}
		if path != "" {
			if err = applyProfile(c.flags, path, explicit); err != nil {
				fmt.Fprintf(c.stderr, "%s: %v\n", c.flags.Name(), err)
			}
		}
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil, 0, false
	}
	if err != nil {
		return nil, 2, false
	}
	if len(positional) < minArgs || (maxArgs >= 0 && len(positional) > maxArgs) {
		c.flags.Usage()
		return nil, 2, false
	}
	return positional, 0, true
}

// open parses the command line and builds the client, for the commands that
// need nothing else before they call the gateway. ok is false when the
// command is over; status is then its exit status.
func (c *clientCommand) open(args []string, minArgs, maxArgs int) (positional []string, client *fnfclient.Client, status int, ok bool) {
	if positional, status, ok = c.parse(args, minArgs, maxArgs); !ok {
		return nil, nil, status, false
	}
	client, err := c.client()
	if err != nil {
		return nil, nil, c.usageError(err), false
	}
	return positional, client, 0, true
}

// client returns the client the flags describe.
func (c *clientCommand) client() (*fnfclient.Client, error) {
	secret, err := c.secret.get()
	if err != nil {
		return nil, err
	}
	if (c.accessKeyID == "") != (secret == "") {
		return nil, errors.New("--access-key-id and --access-key-secret go together: give both or neither")
	}
	return &fnfclient.Client{Endpoint: c.endpoint, AccessKeyID: c.accessKeyID, AccessKeySecret: secret}, nil
}

// usageError reports a problem with what the user gave: exit status 2.
func (c *clientCommand) usageError(err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", c.flags.Name(), err)
	return 2
}

// failure reports a failed call or execution: exit status 1. An API error
// reads "Code: Message (HTTP status, RequestId …)".
func (c *clientCommand) failure(err error) int {
	fmt.Fprintf(c.stderr, "%s: %v\n", c.flags.Name(), err)
	return 1
}

// printJSON prints v indented, for --json.
func (c *clientCommand) printJSON(v any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return c.failure(err)
	}
	return 0
}

// table writes rows under a header, in columns aligned for a terminal.
func (c *clientCommand) table(header []string, rows [][]string) {
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, row := range rows {
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	w.Flush()
}

// subcommands runs the subcommand args[0] of a command group such as
// `fnflow flow`; usage lists them.
func subcommands(ctx context.Context, group, usage string, table map[string]func(context.Context, []string, io.Writer, io.Writer) int, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	sub, ok := table[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "fnflow %s: unknown command %q\n\n%s", group, args[0], usage)
		return 2
	}
	return sub(ctx, args[1:], stdout, stderr)
}

// jsonArg reads a JSON object given as text or as @file (--input,
// --output), so that large or multi-line payloads need no shell quoting.
func jsonArg(flagName, text string) (string, error) {
	if file, ok := strings.CutPrefix(text, "@"); ok {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--%s: %s", flagName, readError(err))
		}
		text = string(data)
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &object); err != nil || object == nil {
		return "", fmt.Errorf("--%s must be a JSON object (or @file holding one)", flagName)
	}
	return text, nil
}

// shortTime shows an API time (UTC, milliseconds) to the second, which is
// what a table needs; text that is not such a time is shown as it is.
func shortTime(text string) string {
	t, err := time.Parse(time.RFC3339Nano, text)
	if err != nil {
		return text
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// duration is how long an execution ran, or has run so far, to a tenth of
// a second.
func duration(started, stopped string) string {
	start, err := time.Parse(time.RFC3339Nano, started)
	if err != nil {
		return ""
	}
	end := time.Now()
	if stopped != "" {
		if end, err = time.Parse(time.RFC3339Nano, stopped); err != nil {
			return ""
		}
	}
	return end.Sub(start).Round(100 * time.Millisecond).String()
}
