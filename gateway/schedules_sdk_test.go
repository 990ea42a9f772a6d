package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/fnf"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/schedules"
)

// The five schedule actions through Alibaba's official core Go SDK, as
// TestSDKFlows drives the flow actions.

func TestSDKSchedules(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, passFlow)

	create := fnf.CreateCreateScheduleRequest()
	at(create.RpcRequest)
	create.FlowName, create.ScheduleName, create.CronExpression = flow, "mornings", "CRON_TZ=Asia/Shanghai 0 30 8 * * MON-FRI"
	create.Description, create.Payload, create.Enable = "made by the SDK", `{"a":"b"}`, requests.NewBoolean(true)
	created, err := c.CreateSchedule(create)
	if err != nil {
		t.Fatal(err)
	}
	if created.ScheduleName != "mornings" || created.CronExpression != create.CronExpression || created.Description != "made by the SDK" ||
		created.Payload != `{"a":"b"}` || !created.Enable || created.ScheduleId == "" || created.RequestId == "" ||
		!wireTime.MatchString(created.CreatedTime) || created.LastModifiedTime != created.CreatedTime {
		t.Errorf("CreateSchedule response %+v", created)
	}
	_, err = c.CreateSchedule(create)
	serverError(t, err, 409, "ScheduleAlreadyExists")
	noFlow := fnf.CreateCreateScheduleRequest()
	at(noFlow.RpcRequest)
	noFlow.FlowName, noFlow.ScheduleName, noFlow.CronExpression = "no_such_flow", "mornings", "@daily"
	_, err = c.CreateSchedule(noFlow)
	serverError(t, err, 404, "FlowNotExists")
	fiveFields := fnf.CreateCreateScheduleRequest()
	at(fiveFields.RpcRequest)
	fiveFields.FlowName, fiveFields.ScheduleName, fiveFields.CronExpression = flow, "bad", "0 30 8 * *"
	_, err = c.CreateSchedule(fiveFields)
	serverError(t, err, 400, "InvalidArgument")

	describe := fnf.CreateDescribeScheduleRequest()
	at(describe.RpcRequest)
	describe.FlowName, describe.ScheduleName = flow, "mornings"
	described, err := c.DescribeSchedule(describe)
	if err != nil {
		t.Fatal(err)
	}
	if described.ScheduleId != created.ScheduleId || described.Payload != created.Payload || described.CreatedTime != created.CreatedTime || !described.Enable {
		t.Errorf("DescribeSchedule response %+v", described)
	}
	noSchedule := fnf.CreateDescribeScheduleRequest()
	at(noSchedule.RpcRequest)
	noSchedule.FlowName, noSchedule.ScheduleName = flow, "no_such_schedule"
	_, err = c.DescribeSchedule(noSchedule)
	serverError(t, err, 404, "ScheduleNotExists")

	update := fnf.CreateUpdateScheduleRequest()
	at(update.RpcRequest)
	update.FlowName, update.ScheduleName, update.Description, update.Enable = flow, "mornings", "paused by the SDK", requests.NewBoolean(false)
	updated, err := c.UpdateSchedule(update)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Description != "paused by the SDK" || updated.Enable || updated.CronExpression != created.CronExpression ||
		updated.ScheduleId != created.ScheduleId || updated.LastModifiedTime <= created.LastModifiedTime {
		t.Errorf("UpdateSchedule response %+v", updated)
	}
	// A request keeps the parameters it was sent with: a new one each.
	badCron := fnf.CreateUpdateScheduleRequest()
	at(badCron.RpcRequest)
	badCron.FlowName, badCron.ScheduleName, badCron.CronExpression = flow, "mornings", "@every 30s"
	_, err = c.UpdateSchedule(badCron)
	serverError(t, err, 400, "InvalidArgument")
	missing := fnf.CreateUpdateScheduleRequest()
	at(missing.RpcRequest)
	missing.FlowName, missing.ScheduleName, missing.Description = flow, "no_such_schedule", "d"
	_, err = c.UpdateSchedule(missing)
	serverError(t, err, 404, "ScheduleNotExists")

	hourly := fnf.CreateCreateScheduleRequest()
	at(hourly.RpcRequest)
	hourly.FlowName, hourly.ScheduleName, hourly.CronExpression = flow, "hourly", "@hourly"
	if _, err := c.CreateSchedule(hourly); err != nil {
		t.Fatal(err)
	}
	// One schedule a page, so that both can only be seen by following NextToken.
	testenv.Eventually(t, "ListSchedules through the SDK", 20*time.Second, func() error {
		// A request each try: the SDK keeps a parameter it once sent, so a
		// NextToken set back to "" would still go out, and the try would
		// list the pages after the last.
		list := fnf.CreateListSchedulesRequest()
		at(list.RpcRequest)
		list.FlowName, list.Limit = flow, requests.NewInteger(1)
		var names []string
		for {
			page, err := c.ListSchedules(list)
			if err != nil {
				return err
			}
			if len(page.Schedules) > 1 {
				return fmt.Errorf("a page of %d", len(page.Schedules))
			}
			for _, s := range page.Schedules {
				names = append(names, s.ScheduleName)
				if s.ScheduleName == "hourly" && (!s.Enable || s.CronExpression != "@hourly") {
					return fmt.Errorf("listed %+v", s)
				}
			}
			if list.NextToken = page.NextToken; list.NextToken == "" {
				break
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"hourly", "mornings"}) {
			return fmt.Errorf("listed %v", names)
		}
		return nil
	})
	listNoFlow := fnf.CreateListSchedulesRequest()
	at(listNoFlow.RpcRequest)
	listNoFlow.FlowName = "no_such_flow"
	_, err = c.ListSchedules(listNoFlow)
	serverError(t, err, 404, "FlowNotExists")

	del := fnf.CreateDeleteScheduleRequest()
	at(del.RpcRequest)
	del.FlowName, del.ScheduleName = flow, "mornings"
	deleted, err := c.DeleteSchedule(del)
	if err != nil || deleted.RequestId == "" {
		t.Fatalf("DeleteSchedule: %+v, %v", deleted, err)
	}
	_, err = c.DeleteSchedule(del)
	serverError(t, err, 404, "ScheduleNotExists")
	_, err = c.DescribeSchedule(describe)
	serverError(t, err, 404, "ScheduleNotExists")
}

// TestSDKScheduleFires: a schedule made through the SDK fires an execution
// of the flow's definition as updated after the schedule was made, with the
// Payload as its input. Temporal's trigger stands in for the clock.
func TestSDKScheduleFires(t *testing.T) {
	e := integration(t)
	c, at := aliyun(t, e, accessKeySecret)
	flow := testenv.ResourceName(t, "")
	e.createFlow(t, flow, "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: old\n")

	create := fnf.CreateCreateScheduleRequest()
	at(create.RpcRequest)
	create.FlowName, create.ScheduleName, create.CronExpression, create.Payload = flow, "yearly", "@yearly", `{"a":"from the schedule"}`
	if _, err := c.CreateSchedule(create); err != nil {
		t.Fatal(err)
	}
	updateFlow := fnf.CreateUpdateFlowRequest()
	at(updateFlow.RpcRequest)
	updateFlow.Name, updateFlow.Definition = flow, passFlow
	if _, err := c.UpdateFlow(updateFlow); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.temporal.ScheduleClient().GetHandle(ctx, schedules.ScheduleID(flow, "yearly")).Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}

	list := fnf.CreateListExecutionsRequest()
	at(list.RpcRequest)
	list.FlowName, list.Status = flow, "Succeeded"
	var name string
	testenv.Eventually(t, "the fire's execution", 30*time.Second, func() error {
		listed, err := c.ListExecutions(list)
		if err != nil {
			return err
		}
		if len(listed.Executions) != 1 {
			return errors.New("no execution yet")
		}
		name = listed.Executions[0].Name
		return nil
	})
	describe := fnf.CreateDescribeExecutionRequest()
	at(describe.RpcRequest)
	describe.FlowName, describe.ExecutionName = flow, name
	done, err := c.DescribeExecution(describe)
	if err != nil {
		t.Fatal(err)
	}
	if done.Input != `{"a":"from the schedule"}` || done.Output != `{"got":"from the schedule"}` || done.FlowDefinition != passFlow {
		t.Errorf("the fire's execution %+v", done)
	}
}
