// Command temporal-worker consumes the queue sample's jobs as a native
// Temporal worker, without the MNS API: it polls the queue's Temporal task
// queue ("mns:jobs") for activities of type fnflow.mns.Delivery, whose input
// is the message. Completing the activity deletes the message; failing it, or
// outliving the queue's visibility timeout, has the message delivered again.
//
// It does the job and reports the flow's task with the token in the message,
// through the gateway, as the MNS workers of this sample do:
//
//	go run ./samples/queue/temporal-worker [--temporal 127.0.0.1:7233] [--gateway http://127.0.0.1:8080]
//
// It depends on the Temporal Go SDK only: a worker in any Temporal SDK does
// the same with the activity type, the task queue and the input below.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// delivery is the input of a fnflow.mns.Delivery activity
// (docs/integrations.md, "Temporal-native consumers").
type delivery struct {
	MessageId            string
	MessageBody          string
	MessageBodyMD5       string
	EnqueueTime          int64
	Priority             int
	PreviousDequeueCount int
}

// job is what the sample flow (samples/queue/flow.yaml) sends.
type job struct {
	Job       string `json:"job"`
	TaskToken string `json:"taskToken"`
}

func main() {
	temporalAddr := flag.String("temporal", "127.0.0.1:7233", "Temporal frontend")
	namespace := flag.String("namespace", "default", "Temporal namespace of fnflow")
	gateway := flag.String("gateway", "http://127.0.0.1:8080", "fnflow gateway, for ReportTaskSucceeded")
	queue := flag.String("queue", "jobs", "MNS queue to consume")
	flag.Parse()

	c, err := client.Dial(client.Options{HostPort: *temporalAddr, Namespace: *namespace})
	if err != nil {
		log.Fatalf("connecting to Temporal: %v", err)
	}
	defer c.Close()
	w := worker.New(c, "mns:"+*queue, worker.Options{})
	w.RegisterActivityWithOptions(func(ctx context.Context, d delivery) error {
		return handle(ctx, *gateway, d)
	}, activity.RegisterOptions{Name: "fnflow.mns.Delivery"})
	log.Printf("consuming queue %s from task queue mns:%s", *queue, *queue)
	if err := w.Run(worker.InterruptCh()); err != nil {
		log.Fatal(err)
	}
}

// handle does one job and reports its task. An error leaves the message to
// come back after the queue's visibility timeout.
func handle(ctx context.Context, gateway string, d delivery) error {
	var j job
	if err := json.Unmarshal([]byte(d.MessageBody), &j); err != nil {
		// Not a job of this sample: deleting it is all a retry could do.
		log.Printf("message %s is not a job, deleted: %v", d.MessageId, err)
		return nil
	}
	output, _ := json.Marshal(map[string]string{"result": strings.ToUpper(j.Job)})
	err := report(ctx, gateway, j.TaskToken, string(output))
	if err != nil && !errors.Is(err, errAlreadyReported) {
		return err
	}
	log.Printf("job %q done (message %s, received %d times)", j.Job, d.MessageId, d.PreviousDequeueCount+int(activity.GetInfo(ctx).Attempt))
	return nil
}

var errAlreadyReported = errors.New("task already reported")

// report calls ReportTaskSucceeded on the gateway (unsigned: fnflow dev
// without --access-keys; use Alibaba's SDK to sign).
func report(ctx context.Context, gateway, token, output string) error {
	form := url.Values{"TaskToken": {token}, "Output": {output}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gateway+"/?Action=ReportTaskSucceeded&Version=2019-03-15", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reporting the task: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var apiErr struct{ Code, Message string }
	_ = json.Unmarshal(body, &apiErr)
	if apiErr.Code == "TaskAlreadyCompleted" {
		return errAlreadyReported
	}
	return fmt.Errorf("reporting the task: HTTP %d %s: %s", resp.StatusCode, apiErr.Code, apiErr.Message)
}
