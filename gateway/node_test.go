package gateway_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/fnflow/fnflow/internal/testenv"
)

// nodeTool returns node and the repository root, failing the test (never
// skipping it) when Node.js or the SDKs of compat/node are missing, so that
// CI cannot go green without having run them.
func nodeTool(t *testing.T) (node, root string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the Node.js SDK tests need Node.js 20 and npm; install them, then run npm ci --prefix compat/node")
	}
	root = ".."
	for _, sdk := range []string{"fnf-2019-03-15", "mns"} {
		if _, err := os.Stat(filepath.Join(root, "compat", "node", "node_modules", "@alicloud", sdk)); err != nil {
			t.Fatal("the Node.js SDKs are not installed: run npm ci --prefix compat/node")
		}
	}
	return node, root
}

// runNode runs a Node.js program from the repository root with env added,
// bounded so that a hung request fails with node's output rather than go
// test's ten-minute panic.
func runNode(t *testing.T, timeout time.Duration, env []string, args ...string) {
	t.Helper()
	node, root := nodeTool(t)
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = root
	// The samples find the SDKs that compat/node installed.
	modules, err := filepath.Abs(filepath.Join(root, "compat", "node", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), append(env, "NODE_PATH="+modules)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, out)
	}
	t.Logf("%s", out)
}

// TestNodeMNSSDK drives the signing gateway's MNS face with Alibaba's
// official Node.js MNS SDK, @alicloud/mns: the tests in compat/node/mns
// (node:test) call every queue, message, topic and subscription operation
// through it, success and error paths, and check the notifications a topic
// pushes to an HTTP subscriber (run by the test itself) and into a queue.
func TestNodeMNSSDK(t *testing.T) {
	e := integration(t)
	runNode(t, 3*time.Minute, []string{
		"FNFLOW_ENDPOINT=" + e.signedURL,
		"FNFLOW_ACCESS_KEY_ID=" + accessKeyID,
		"FNFLOW_ACCESS_KEY_SECRET=" + accessKeySecret,
	}, "--test", "--test-reporter=spec", "compat/node/mns/")
}

// TestNodeSDK drives the signing gateway with Alibaba's official Node.js SDK,
// @alicloud/fnf-2019-03-15 on @alicloud/pop-core: the tests in
// compat/node/fnf (node:test) call every supported action through it, as a
// Node worker would. Missing Node.js or packages fail the test rather than
// skip it, so that CI cannot go green without having run them.
func TestNodeSDK(t *testing.T) {
	e := integration(t)
	// The tests take about a second.
	runNode(t, 2*time.Minute, []string{
		"FNFLOW_ENDPOINT=" + e.signedURL,
		"FNFLOW_ACCESS_KEY_ID=" + accessKeyID,
		"FNFLOW_ACCESS_KEY_SECRET=" + accessKeySecret,
		"FNFLOW_PASS_FLOW=" + passFlow,
		"FNFLOW_CALLBACK_FLOW=" + callbackFlow,
		// The tests' flows are named after this run of the test.
		"FNFLOW_NAME_PREFIX=" + testenv.ResourceName(t, "-"),
	}, "--test", "--test-reporter=spec", "compat/node/fnf/")
}
