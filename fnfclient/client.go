// Package fnfclient is a small client of the fnf API (2019-03-15) in
// Alibaba's RPC form, as fnflow's gateway serves it: Action and Version in
// the query, parameters in a form body, signed with RPC v1 (HMAC-SHA1) when
// an access key is given, the way the official SDKs sign.
package fnfclient

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fnflow/fnflow/internal/acs"
)

// Version is the API version every call names.
const Version = "2019-03-15"

// maxReply bounds what is read of a reply: a history page holds at most
// about 4 MiB of event details (docs/api.md).
const maxReply = 16 << 20

// Client calls one gateway. Without an AccessKeyID requests go unsigned,
// which a gateway without access keys accepts.
type Client struct {
	// Endpoint is the gateway's base URL, e.g. http://127.0.0.1:8080.
	Endpoint        string
	AccessKeyID     string
	AccessKeySecret string
	// HTTPClient defaults to http.DefaultClient. It should have no timeout
	// shorter than a minute: DescribeExecution may wait that long.
	HTTPClient *http.Client
}

// APIError is an error reply of the API: its code, message and status.
type APIError struct {
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d, RequestId %s)", e.Code, e.Message, e.HTTPStatus, e.RequestID)
}

// Call sends one action with its parameters and returns the reply's JSON
// object. An empty parameter is left out, as the core SDK does, and the
// gateway reads absent and empty alike. An error reply is an *APIError.
func (c *Client) Call(ctx context.Context, action string, params map[string]string) (json.RawMessage, error) {
	query := map[string]string{"Action": action, "Version": Version}
	body := url.Values{}
	for name, value := range params {
		if value != "" {
			body.Set(name, value)
		}
	}
	if c.AccessKeyID != "" {
		if err := c.sign(query, body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.Endpoint, "/")+"/?"+encodeQuery(query), strings.NewReader(body.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	httpClient := c.HTTPClient
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the reply: %w", action, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, replyError(action, resp.StatusCode, reply)
	}
	if !json.Valid(reply) || !bytes.HasPrefix(bytes.TrimSpace(reply), []byte("{")) {
		return nil, fmt.Errorf("%s: the reply (HTTP %d) is not a JSON object: %.200q", action, resp.StatusCode, reply)
	}
	return reply, nil
}

// replyError reads an error reply. One that is not the API's JSON (a proxy's
// page, say) still says its status.
func replyError(action string, status int, reply []byte) error {
	var e struct{ RequestId, Code, Message string }
	if err := json.Unmarshal(reply, &e); err != nil || e.Code == "" {
		return fmt.Errorf("%s: HTTP %d: %.200q", action, status, reply)
	}
	return &APIError{HTTPStatus: status, Code: e.Code, Message: e.Message, RequestID: e.RequestId}
}

// sign adds RPC v1's signing parameters to the query and the signature over
// query and body together, which is what the gateway verifies.
func (c *Client) sign(query map[string]string, body url.Values) error {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	query["AccessKeyId"] = c.AccessKeyID
	query["SignatureMethod"] = "HMAC-SHA1"
	query["SignatureVersion"] = "1.0"
	query["SignatureNonce"] = hex.EncodeToString(nonce)
	query["Timestamp"] = time.Now().UTC().Format("2006-01-02T15:04:05Z")
	all := map[string]string{}
	for name, value := range query {
		all[name] = value
	}
	for name := range body {
		all[name] = body.Get(name)
	}
	query["Signature"] = acs.Signature(c.AccessKeySecret, acs.StringToSign(http.MethodPost, all))
	return nil
}

func encodeQuery(query map[string]string) string {
	values := url.Values{}
	for name, value := range query {
		values.Set(name, value)
	}
	return values.Encode()
}
