package testenv

import (
	"log/slog"
	"time"

	temporallog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
)

// unitDeadlockTimeout replaces the SDK's one second: on a loaded two-core
// CI machine a workflow goroutine can wait that long for a CPU, and the
// test environment then fails the run as a deadlock.
const unitDeadlockTimeout = time.Minute

// NewWorkflowEnv returns the SDK's test environment for workflow unit tests,
// with its logs discarded and deadlock detection that a slow machine does
// not trip.
func NewWorkflowEnv() *testsuite.TestWorkflowEnvironment {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(temporallog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: unitDeadlockTimeout})
	return env
}
