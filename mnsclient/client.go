// Package mnsclient is a small Go client of the MNS queue and topic API that
// fnflow's gateway serves (docs/integrations.md): the calls fnflow's own
// commands, fault tests and benchmarks need, on the wire exactly as Alibaba's
// SDKs speak it (reference mns-api.md), signed when the client has a key.
package mnsclient

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// Client calls one gateway's MNS API.
type Client struct {
	// Endpoint is the gateway's base URL, such as http://127.0.0.1:8080.
	Endpoint string
	// AccessKeyID and AccessKeySecret sign requests; empty sends them
	// unsigned, for a gateway without access keys.
	AccessKeyID, AccessKeySecret string
	// HTTP defaults to a client whose timeout outlasts a 30 s long poll.
	HTTP *http.Client
}

// Error is an MNS error reply.
type Error struct {
	Status    int
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("MNS %d %s: %s (RequestId %s)", e.Status, e.Code, e.Message, e.RequestID)
}

// Code returns the MNS error code in err's chain, or "".
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

const apiVersion = "2015-06-06"

var defaultHTTP = &http.Client{Timeout: 40 * time.Second}

// do sends one request with body (nil for none) and decodes a success reply
// into out (nil to discard it).
func (c *Client) do(ctx context.Context, method, resource string, body any, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = xml.Marshal(body); err != nil {
			return fmt.Errorf("encoding the %s %s request: %w", method, resource, err)
		}
		payload = append([]byte(xml.Header), payload...)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Endpoint, "/")+resource, bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("making the %s %s request: %w", method, resource, err)
	}
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	req.Header.Set("x-mns-version", apiVersion)
	if payload != nil {
		sum := md5.Sum(payload)
		req.Header.Set("Content-Type", "text/xml;charset=UTF-8")
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))))
	}
	if c.AccessKeyID != "" {
		signature := acs.MNSSignature(c.AccessKeySecret, acs.MNSStringToSign(method, resource, req.Header))
		req.Header.Set("Authorization", "MNS "+c.AccessKeyID+":"+signature)
	}
	client := c.HTTP
	if client == nil {
		client = defaultHTTP
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, resource, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the reply to %s %s: %w", method, resource, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if xml.Unmarshal(reply, e) != nil || e.Code == "" {
			e.Message = strings.TrimSpace(string(reply))
		}
		return e
	}
	if out == nil || len(reply) == 0 {
		return nil
	}
	if err := xml.Unmarshal(reply, out); err != nil {
		return fmt.Errorf("decoding the reply to %s %s: %w", method, resource, err)
	}
	return nil
}

// QueueAttributes are what CreateQueue sets; zero values are left out, so
// the queue gets MNS's defaults for them.
type QueueAttributes struct {
	XMLName            xml.Name `xml:"Queue"`
	DelaySeconds       int      `xml:"DelaySeconds,omitempty"`
	MaximumMessageSize int      `xml:"MaximumMessageSize,omitempty"`
	RetentionPeriod    int      `xml:"MessageRetentionPeriod,omitempty"`
	VisibilityTimeout  int      `xml:"VisibilityTimeout,omitempty"`
	PollingWaitSeconds int      `xml:"PollingWaitSeconds,omitempty"`
}

// CreateQueue creates a queue; one that exists with the same attributes is
// no error.
func (c *Client) CreateQueue(ctx context.Context, name string, attrs QueueAttributes) error {
	return c.do(ctx, http.MethodPut, "/queues/"+name, &attrs, nil)
}

// DeleteQueue deletes a queue and its messages; one that does not exist is
// no error (MNS's answer).
func (c *Client) DeleteQueue(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/queues/"+name, nil, nil)
}

// Queue is what GetQueueAttributes answers.
type Queue struct {
	QueueName         string
	VisibilityTimeout int
	ActiveMessages    int64
	InactiveMessages  int64
	DelayMessages     int64
}

// GetQueue reads a queue's attributes and counters.
func (c *Client) GetQueue(ctx context.Context, name string) (*Queue, error) {
	var q Queue
	return &q, c.do(ctx, http.MethodGet, "/queues/"+name, nil, &q)
}

// Outgoing is a message to send.
type Outgoing struct {
	XMLName      xml.Name `xml:"Message"`
	MessageBody  string   `xml:"MessageBody"`
	DelaySeconds int      `xml:"DelaySeconds,omitempty"`
	Priority     int      `xml:"Priority,omitempty"`
}

// Sent is what a send answers.
type Sent struct {
	MessageID      string `xml:"MessageId"`
	MessageBodyMD5 string `xml:"MessageBodyMD5"`
}

// Send sends one message to a queue.
func (c *Client) Send(ctx context.Context, queue string, m Outgoing) (*Sent, error) {
	var sent Sent
	return &sent, c.do(ctx, http.MethodPost, "/queues/"+queue+"/messages", &m, &sent)
}

// Message is a received message.
type Message struct {
	MessageID        string `xml:"MessageId"`
	ReceiptHandle    string
	MessageBody      string
	MessageBodyMD5   string
	EnqueueTime      int64
	NextVisibleTime  int64
	FirstDequeueTime int64
	DequeueCount     int
	Priority         int
}

// Receive long-polls a queue for up to wait (whole seconds, 0–30). No
// message is an *Error with Code MessageNotExist.
func (c *Client) Receive(ctx context.Context, queue string, wait time.Duration) (*Message, error) {
	var m Message
	resource := "/queues/" + queue + "/messages?waitseconds=" + strconv.Itoa(int(wait/time.Second))
	return &m, c.do(ctx, http.MethodGet, resource, nil, &m)
}

// Peek returns the message a Receive would get next, without receiving it.
// No message is an *Error with Code MessageNotExist.
func (c *Client) Peek(ctx context.Context, queue string) (*Message, error) {
	var m Message
	return &m, c.do(ctx, http.MethodGet, "/queues/"+queue+"/messages?peekonly=true", nil, &m)
}

// Delete deletes a received message by its receipt handle.
func (c *Client) Delete(ctx context.Context, queue, receiptHandle string) error {
	return c.do(ctx, http.MethodDelete, "/queues/"+queue+"/messages?ReceiptHandle="+url.QueryEscape(receiptHandle), nil, nil)
}

// CreateTopic creates a topic with the default attributes.
func (c *Client) CreateTopic(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodPut, "/topics/"+name, &struct {
		XMLName xml.Name `xml:"Topic"`
	}{}, nil)
}

// Subscription is what Subscribe sends.
type Subscription struct {
	XMLName             xml.Name `xml:"Subscription"`
	Endpoint            string   `xml:"Endpoint"`
	FilterTag           string   `xml:"FilterTag,omitempty"`
	NotifyStrategy      string   `xml:"NotifyStrategy,omitempty"`
	NotifyContentFormat string   `xml:"NotifyContentFormat,omitempty"`
}

// Subscribe subscribes an endpoint to a topic.
func (c *Client) Subscribe(ctx context.Context, topic, name string, s Subscription) error {
	return c.do(ctx, http.MethodPut, "/topics/"+topic+"/subscriptions/"+name, &s, nil)
}

// Publish publishes a message to a topic.
func (c *Client) Publish(ctx context.Context, topic, body string) (*Sent, error) {
	var sent Sent
	return &sent, c.do(ctx, http.MethodPost, "/topics/"+topic+"/messages", &struct {
		XMLName     xml.Name `xml:"Message"`
		MessageBody string   `xml:"MessageBody"`
	}{MessageBody: body}, &sent)
}
