package gateway_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestNodeSDK drives the signing gateway with Alibaba's official Node.js SDK,
// @alicloud/fnf-2019-03-15 on @alicloud/pop-core: the tests in compat/node
// (node:test) call every supported action through it, as a Node worker would.
// Missing Node.js or packages fail the test rather than skip it, so that CI
// cannot go green without having run them.
func TestNodeSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the Node.js SDK tests need Node.js 20 and npm; install them, then run npm ci --prefix compat/node")
	}
	root := ".."
	if _, err := os.Stat(filepath.Join(root, "compat", "node", "node_modules", "@alicloud", "fnf-2019-03-15")); err != nil {
		t.Fatal("the Node.js SDK is not installed: run npm ci --prefix compat/node")
	}
	e := integration(t)

	// The tests take about a second; the bound turns a hung request into a
	// failure with node's output rather than go test's ten-minute panic.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "compat/node/fnf/")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"FNFLOW_ENDPOINT="+e.signedURL,
		"FNFLOW_ACCESS_KEY_ID="+accessKeyID,
		"FNFLOW_ACCESS_KEY_SECRET="+accessKeySecret,
		"FNFLOW_PASS_FLOW="+passFlow,
		"FNFLOW_CALLBACK_FLOW="+callbackFlow,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test compat/node/fnf/: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
