package executions_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// TestExpressStarts: a start for one mode refuses a flow of the other; a
// start for either (child flows, schedules) takes both; an Express
// execution runs at most ExpressMaxDuration, less when the flow says less.
func TestExpressStarts(t *testing.T) {
	s, env, f := service(t)
	ctx := context.Background()
	flows := flowstore.New(env.Client, taskQueue)
	express := testenv.ResourceName(t, "-express")
	expressShort, expressLong := express+"_short", express+"_long"
	for name, def := range map[string]string{
		express:      definition,
		expressShort: "timeoutSeconds: 60\n" + definition,
		expressLong:  "timeoutSeconds: 3600\n" + definition,
	} {
		if _, err := flows.Create(ctx, flowstore.Flow{Name: name, Definition: def, ExecutionMode: flowstore.ModeExpress}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Start(ctx, executions.Request{Flow: express, Name: "std", Mode: flowstore.ModeStandard}); !errors.Is(err, executions.ErrWrongMode) {
		t.Errorf("a Standard start of an Express flow: %v, want ErrWrongMode", err)
	}
	if _, err := s.Start(ctx, executions.Request{Flow: f, Name: "exp", Mode: flowstore.ModeExpress}); !errors.Is(err, executions.ErrWrongMode) {
		t.Errorf("an Express start of a Standard flow: %v, want ErrWrongMode", err)
	}
	for i, tt := range []struct {
		flow string
		mode string
		want time.Duration
	}{
		{express, flowstore.ModeExpress, executions.ExpressMaxDuration},
		{express, "", executions.ExpressMaxDuration},
		{expressShort, flowstore.ModeExpress, time.Minute},
		{expressLong, flowstore.ModeExpress, executions.ExpressMaxDuration},
		{f, "", 0},
	} {
		e, err := s.Start(ctx, executions.Request{Flow: tt.flow, Name: fmt.Sprintf("timeout-%d", i), Mode: tt.mode})
		if err != nil {
			t.Errorf("starting %s with mode %q: %v", tt.flow, tt.mode, err)
			continue
		}
		resp, err := env.Client.DescribeWorkflowExecution(ctx, interpreter.ExecutionWorkflowID(tt.flow, e.Name), e.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.GetExecutionConfig().GetWorkflowExecutionTimeout().AsDuration(); got != tt.want {
			t.Errorf("%s (mode %q): execution timeout %v, want %v", tt.flow, tt.mode, got, tt.want)
		}
		if _, err := s.Stop(ctx, tt.flow, e.Name, "", "test over"); err != nil {
			t.Error(err)
		}
	}
}
