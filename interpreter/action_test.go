package interpreter_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fnflow/fnflow/activities"
	"github.com/fnflow/fnflow/internal/testenv"
	"github.com/fnflow/fnflow/interpreter"
)

// The task queues of the action tests: the executions', and the one the
// Temporal-bound action's activity runs on, as a user's worker would.
const (
	actionTaskQueue = "interpreter-actions"
	visionTaskQueue = "interpreter-vision"
)

const actionFlow = `version: v1
type: flow
steps:
  - type: task
    name: recognize
    action: ocr:RecognizeIdentityCard
    serviceParams:
      ImageURL: $.front
      Side: face
    outputMappings:
      - target: name
        source: $local.Data.FrontResult.Name
  - type: task
    name: back
    action: ocr:RecognizeIdentityCard
    serviceParams:
      ImageURL: $.blurry
      Side: back
    catch:
      - errors: [ocr.InvalidImage.Content]
        goto: face
    errorMappings:
      - target: ocrError
        source: $local.error
  - type: task
    name: face
    action: facebody:DetectFace
    serviceParams:
      ImageURL: $.front
    outputMappings:
      - target: faces
        source: $local.FaceCount
  - type: task
    name: noface
    action: facebody:DetectFace
    serviceParams:
      ImageURL: $.blurry
    catch:
      - errors: [facebody.NoFace]
        goto: done
    errorMappings:
      - target: faceError
        source: $local.error
      - target: faceCause
        source: $local.cause
  - type: pass
    name: done
`

// actionStandIns are what the test binds the flow's actions to: an HTTP
// endpoint answering as Alibaba's OCR API does, and a Temporal activity for
// face detection. They keep the request parameters they were called with.
type actionStandIns struct {
	mu     sync.Mutex
	ocr    []map[string]any
	vision []map[string]any
}

func (s *actionStandIns) recognize(w http.ResponseWriter, r *http.Request) {
	var params map[string]any
	_ = json.NewDecoder(r.Body).Decode(&params)
	s.mu.Lock()
	s.ocr = append(s.ocr, params)
	s.mu.Unlock()
	if url, _ := params["ImageURL"].(string); strings.HasSuffix(url, "blurry.jpg") {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"RequestId":"r-2","Code":"InvalidImage.Content","Message":"the image is not an ID card"}`))
		return
	}
	_, _ = w.Write([]byte(`{"RequestId":"r-1","Data":{"FrontResult":{"Name":"Zhang San"}}}`))
}

func (s *actionStandIns) detectFace(ctx context.Context, params map[string]any) (map[string]any, error) {
	s.mu.Lock()
	s.vision = append(s.vision, params)
	s.mu.Unlock()
	if url, _ := params["ImageURL"].(string); strings.HasSuffix(url, "blurry.jpg") {
		// What a Temporal action activity returns: an ApplicationError
		// named <product>.<Code>.
		return nil, temporal.NewApplicationError("no face in the image", "facebody.NoFace")
	}
	return map[string]any{"FaceCount": 1}, nil
}

// startActionWorkers runs the interpreter with the actions bound on
// actionTaskQueue, and the face detection activity on visionTaskQueue.
func startActionWorkers(t *testing.T, s *actionStandIns) {
	t.Helper()
	env := testenv.Start(t)
	ocr := httptest.NewServer(http.HandlerFunc(s.recognize))
	t.Cleanup(ocr.Close)
	bindings, err := activities.ParseBindings([]byte(`actions:
  - action: ocr:RecognizeIdentityCard
    http: {url: ` + ocr.URL + `}
  - action: facebody:DetectFace
    temporal: {activity: DetectFace, taskQueue: ` + visionTaskQueue + `, timeout: 30s}
`))
	if err != nil {
		t.Fatal(err)
	}
	w := sdkworker.New(env.Client, actionTaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(interpreter.Execution, workflow.RegisterOptions{Name: interpreter.ExecutionWorkflow})
	(&activities.Activities{Functions: bindings, Tokens: env.Signer, Temporal: env.Client, HTTP: http.DefaultClient, Logger: env.Logger}).Register(w)
	vision := sdkworker.New(env.Client, visionTaskQueue, sdkworker.Options{})
	vision.RegisterActivityWithOptions(s.detectFace, activity.RegisterOptions{Name: "DetectFace"})
	for _, w := range []sdkworker.Worker{w, vision} {
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
}

// Action steps run against their bindings: the HTTP endpoint and the
// Temporal activity get the evaluated serviceParams, their replies are
// $local, and their errors, named <product>.<Code>, are caught by name.
func TestActionTasks(t *testing.T) {
	s := &actionStandIns{}
	startActionWorkers(t, s)
	ctx := t.Context()
	flow := testenv.ResourceName(t, "")
	run, err := testenv.Start(t).Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: interpreter.ExecutionWorkflowID(flow, "action-tasks"), TaskQueue: actionTaskQueue,
	}, interpreter.ExecutionWorkflow, interpreter.ExecutionInput{
		FlowName: flow, ExecutionName: "action-tasks", Definition: actionFlow,
		Input: map[string]any{"front": "https://img.example/front.jpg", "blurry": "https://img.example/blurry.jpg"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := run.Get(ctx, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(map[string]any{"name": out["name"], "ocrError": out["ocrError"], "faces": out["faces"], "faceError": out["faceError"], "faceCause": out["faceCause"]})
	if string(got) != `{"faceCause":"no face in the image","faceError":"facebody.NoFace","faces":1,"name":"Zhang San","ocrError":"ocr.InvalidImage.Content"}` {
		t.Errorf("output %s", got)
	}
	calls, _ := json.Marshal(map[string]any{"ocr": s.ocr, "vision": s.vision})
	if string(calls) != `{"ocr":[{"ImageURL":"https://img.example/front.jpg","Side":"face"},{"ImageURL":"https://img.example/blurry.jpg","Side":"back"}],`+
		`"vision":[{"ImageURL":"https://img.example/front.jpg"},{"ImageURL":"https://img.example/blurry.jpg"}]}` {
		t.Errorf("the stand-ins were called with %s", calls)
	}
	var failed []string
	for _, e := range history(t, run) {
		if e.Type == interpreter.EventTaskFailed {
			failed = append(failed, e.StepName+" "+e.Detail["error"].(string))
		}
	}
	if strings.Join(failed, ", ") != "back ocr.InvalidImage.Content, noface facebody.NoFace" {
		t.Errorf("TaskFailed events: %v", failed)
	}
	record(t, run, "action_tasks")
}
