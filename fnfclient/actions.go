package fnfclient

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// The reply types carry the API's exact field names (docs/api.md), so that
// one encoded again reads like the reply it came from.

// Flow is the API's flow object.
type Flow struct {
	RequestID        string `json:"RequestId,omitempty"`
	ID               string `json:"Id"`
	Name             string
	Definition       string `json:",omitempty"`
	Description      string
	Type             string
	RoleArn          string
	ExecutionMode    string
	CreatedTime      string
	LastModifiedTime string
}

// Execution is the API's execution object.
type Execution struct {
	RequestID      string `json:"RequestId,omitempty"`
	Name           string
	FlowName       string
	Status         string
	Input          string `json:",omitempty"`
	Output         string `json:",omitempty"`
	FlowDefinition string `json:",omitempty"`
	StartedTime    string
	StoppedTime    string `json:",omitempty"`
}

// Ended says the execution will not change any more.
func (e *Execution) Ended() bool {
	return e.Status != "Running" && e.Status != "Starting"
}

// Event is one event of an execution's history.
type Event struct {
	EventID         int64 `json:"EventId"`
	ScheduleEventID int64 `json:"ScheduleEventId"`
	Type            string
	StepName        string
	Time            string
	EventDetail     string
}

// FlowPage, ExecutionPage and EventPage are one page of a list; NextToken
// is empty on the last.
type FlowPage struct {
	RequestID string `json:"RequestId,omitempty"`
	Flows     []Flow
	NextToken string `json:",omitempty"`
}

type ExecutionPage struct {
	RequestID  string `json:"RequestId,omitempty"`
	Executions []Execution
	NextToken  string `json:",omitempty"`
}

type EventPage struct {
	RequestID string `json:"RequestId,omitempty"`
	Events    []Event
	NextToken string `json:",omitempty"`
}

// Reply is the reply of an action that answers with its RequestId alone.
type Reply struct {
	RequestID string `json:"RequestId"`
}

// ReportReply answers ReportTaskSucceeded and ReportTaskFailed; EventId is
// the event the report produced, 0 when the gateway could not learn it
// (docs/api.md).
type ReportReply struct {
	RequestID string `json:"RequestId"`
	EventID   int64  `json:"EventId"`
}

// FlowSpec is what CreateFlow and UpdateFlow send.
type FlowSpec struct {
	Name, Definition, Description string
}

// ExecutionFilter narrows ListExecutions; every field is optional.
type ExecutionFilter struct {
	Status, ExecutionNamePrefix, NextToken string
}

// Stop is the Error and Cause a stopped execution records.
type Stop struct {
	Error, Cause string
}

// call sends an action and decodes its reply into out.
func (c *Client) call(ctx context.Context, action string, params map[string]string, out any) error {
	reply, err := c.Call(ctx, action, params)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("%s: decoding the reply: %w", action, err)
	}
	return nil
}

func (c *Client) CreateFlow(ctx context.Context, spec FlowSpec) (*Flow, error) {
	var f Flow
	return &f, c.call(ctx, "CreateFlow", map[string]string{"Name": spec.Name, "Definition": spec.Definition, "Description": spec.Description, "Type": "FDL"}, &f)
}

func (c *Client) UpdateFlow(ctx context.Context, spec FlowSpec) (*Flow, error) {
	var f Flow
	return &f, c.call(ctx, "UpdateFlow", map[string]string{"Name": spec.Name, "Definition": spec.Definition, "Description": spec.Description}, &f)
}

func (c *Client) DescribeFlow(ctx context.Context, name string) (*Flow, error) {
	var f Flow
	return &f, c.call(ctx, "DescribeFlow", map[string]string{"Name": name}, &f)
}

func (c *Client) DeleteFlow(ctx context.Context, name string) (*Reply, error) {
	var r Reply
	return &r, c.call(ctx, "DeleteFlow", map[string]string{"Name": name}, &r)
}

func (c *Client) ListFlows(ctx context.Context, nextToken string) (*FlowPage, error) {
	var p FlowPage
	return &p, c.call(ctx, "ListFlows", map[string]string{"NextToken": nextToken}, &p)
}

// StartExecution starts an execution; an empty name lets the gateway make
// one up, an empty input is {}.
func (c *Client) StartExecution(ctx context.Context, flow, name, input string) (*Execution, error) {
	var e Execution
	return &e, c.call(ctx, "StartExecution", map[string]string{"FlowName": flow, "ExecutionName": name, "Input": input}, &e)
}

// DescribeExecution describes an execution, first waiting up to waitSeconds
// (0–60) for it to end.
func (c *Client) DescribeExecution(ctx context.Context, flow, name string, waitSeconds int) (*Execution, error) {
	params := map[string]string{"FlowName": flow, "ExecutionName": name}
	if waitSeconds > 0 {
		params["WaitTimeSeconds"] = strconv.Itoa(waitSeconds)
	}
	var e Execution
	return &e, c.call(ctx, "DescribeExecution", params, &e)
}

func (c *Client) StopExecution(ctx context.Context, flow, name string, stop Stop) (*Execution, error) {
	var e Execution
	return &e, c.call(ctx, "StopExecution", map[string]string{"FlowName": flow, "ExecutionName": name, "Error": stop.Error, "Cause": stop.Cause}, &e)
}

func (c *Client) ListExecutions(ctx context.Context, flow string, filter ExecutionFilter) (*ExecutionPage, error) {
	var p ExecutionPage
	return &p, c.call(ctx, "ListExecutions", map[string]string{
		"FlowName": flow, "Status": filter.Status, "ExecutionNamePrefix": filter.ExecutionNamePrefix, "NextToken": filter.NextToken,
	}, &p)
}

func (c *Client) GetExecutionHistory(ctx context.Context, flow, name, nextToken string) (*EventPage, error) {
	var p EventPage
	return &p, c.call(ctx, "GetExecutionHistory", map[string]string{"FlowName": flow, "ExecutionName": name, "NextToken": nextToken}, &p)
}

// ReportTaskSucceeded completes the task of a callback token with an output
// (a JSON object; empty is {}).
func (c *Client) ReportTaskSucceeded(ctx context.Context, token, output string) (*ReportReply, error) {
	var r ReportReply
	return &r, c.call(ctx, "ReportTaskSucceeded", map[string]string{"TaskToken": token, "Output": output}, &r)
}

// ReportTaskFailed fails the task of a callback token; errorName is what the
// step's retry and catch match.
func (c *Client) ReportTaskFailed(ctx context.Context, token, errorName, cause string) (*ReportReply, error) {
	var r ReportReply
	return &r, c.call(ctx, "ReportTaskFailed", map[string]string{"TaskToken": token, "Error": errorName, "Cause": cause}, &r)
}

// WaitingTask is a callback step waiting for a report (fnflow's
// ListWaitingTasks extension).
type WaitingTask struct {
	FlowName, ExecutionName, StepName, StepPath string
	TaskEventID                                 int64 `json:"TaskEventId"`
	Attempt                                     int
	Since                                       string
	LastHeartbeat                               string `json:",omitempty"`
	HeartbeatDetails                            string `json:",omitempty"`
	TaskToken                                   string
}

// WaitingPage is one page of ListWaitingTasks.
type WaitingPage struct {
	RequestID string `json:"RequestId,omitempty"`
	Tasks     []WaitingTask
	NextToken string `json:",omitempty"`
}

// ListWaitingTasks lists the callback steps waiting in a flow's running
// executions, or in one of them when execution is set.
func (c *Client) ListWaitingTasks(ctx context.Context, flow, execution, nextToken string) (*WaitingPage, error) {
	var p WaitingPage
	return &p, c.call(ctx, "ListWaitingTasks", map[string]string{"FlowName": flow, "ExecutionName": execution, "NextToken": nextToken}, &p)
}

// Step names a waiting step without its token: the step at Path in an
// execution, and the task's TaskScheduled event when several wait there.
type Step struct {
	Flow, Execution, Path string
	TaskEventID           int64
}

func (s Step) params() map[string]string {
	p := map[string]string{"FlowName": s.Flow, "ExecutionName": s.Execution, "StepPath": s.Path}
	if s.TaskEventID > 0 {
		p["TaskEventId"] = strconv.FormatInt(s.TaskEventID, 10)
	}
	return p
}

// ReportStepSucceeded completes the step waiting at step (fnflow's
// extension of ReportTaskSucceeded).
func (c *Client) ReportStepSucceeded(ctx context.Context, step Step, output string) (*ReportReply, error) {
	params := step.params()
	params["Output"] = output
	var r ReportReply
	return &r, c.call(ctx, "ReportStepSucceeded", params, &r)
}

// ReportStepFailed fails the step waiting at step.
func (c *Client) ReportStepFailed(ctx context.Context, step Step, errorName, cause string) (*ReportReply, error) {
	params := step.params()
	params["Error"], params["Cause"] = errorName, cause
	var r ReportReply
	return &r, c.call(ctx, "ReportStepFailed", params, &r)
}
