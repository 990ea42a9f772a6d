package topics

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fnflow/fnflow/internal/acs"
)

// pushTimeout is how long an endpoint has to answer: MNS counts a
// notification as delivered only on a 2xx within 5 s.
const pushTimeout = 5 * time.Second

// userAgent is what MNS's push agent calls itself (a 2024 capture).
const userAgent = "Aliyun Notification Service Agent"

// defaultPushClient does not follow redirects: a 3xx is not a 2xx, and
// following one would POST the notification somewhere nobody subscribed.
func defaultPushClient() *http.Client {
	return &http.Client{
		Timeout:       pushTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// pusher posts notifications to HTTP endpoints.
type pusher struct {
	client *http.Client
	signer *PushSigner // nil: unsigned
}

// push makes one attempt to deliver d to its HTTP endpoint. Any answer but a
// 2xx, or none within the client's timeout, is an error: the publication
// workflow retries on its subscription's schedule.
func (p *pusher) push(ctx context.Context, d delivery) error {
	req, err := p.request(ctx, d, time.Now())
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return pushFailed(ctx, d, err.Error())
	}
	defer resp.Body.Close()
	// Read a little so the connection can be reused; the answer means nothing.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return pushFailed(ctx, d, "the endpoint answered "+resp.Status)
	}
	return nil
}

// pushFailed is a try that the subscription's schedule retries. An endpoint
// that is down is the subscriber's business, not a fault of the worker: the
// failure is benign to Temporal, which then logs it at debug level instead
// of as an activity error, and this logs one warning naming the endpoint.
func pushFailed(ctx context.Context, d delivery, why string) error {
	msg := fmt.Sprintf("pushing message %s to %s: %s", d.Message.ID, d.Target.Endpoint, why)
	activity.GetLogger(ctx).Warn("notification not delivered; the subscription's schedule retries it", "error", msg)
	return temporal.NewApplicationErrorWithOptions(msg, errPushFailed, temporal.ApplicationErrorOptions{Category: temporal.ApplicationErrorCategoryBenign})
}

// request builds the POST of d's notification, with MNS's headers and, when
// there is a signer, its signature.
func (p *pusher) request(ctx context.Context, d delivery, now time.Time) (*http.Request, error) {
	body, contentType, err := notificationBody(d)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Target.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("pushing message %s to %s: %w", d.Message.ID, d.Target.Endpoint, err)
	}
	sum := md5.Sum(body)
	// base64 of the hex digest, as MNS's SDKs send Content-MD5 (mns-api.md §1.2).
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:]))))
	req.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	mnsHeaders := map[string]string{
		"x-mns-request-id":        newRequestID(),
		"x-mns-version":           "2015-06-06",
		"x-mns-topic-owner":       d.TopicOwner,
		"x-mns-topic-name":        d.TopicName,
		"x-mns-subscriber":        d.TopicOwner,
		"x-mns-subscription-name": d.Target.Subscription,
		"x-mns-publish-time":      strconv.FormatInt(d.Message.PublishTime, 10),
	}
	if d.Target.Format == FormatSimplified {
		mnsHeaders["x-mns-message-id"] = d.Message.ID
		if d.Message.Tag != "" {
			mnsHeaders["x-mns-message-tag"] = d.Message.Tag
		}
	}
	if p.signer != nil {
		mnsHeaders["x-mns-signing-cert-url"] = p.signer.certURLHeader()
	}
	for name, value := range mnsHeaders {
		req.Header.Set(name, value)
	}
	if p.signer != nil {
		// The canonical resource is the request target as sent: the
		// endpoint's path, "/" for none, and its query if it has one
		// (decision Q7).
		auth, err := p.signer.sign(acs.MNSStringToSign(http.MethodPost, req.URL.RequestURI(), req.Header))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", auth)
	}
	return req, nil
}

// newRequestID returns a fresh x-mns-request-id in MNS's shape, 24
// uppercase hex digits.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
