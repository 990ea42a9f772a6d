package gateway

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

// maxPayload caps a request body, and the JSON payloads inside a request, at
// the managed service's 1,024 KiB. Temporal's own limit for a task result is
// 2 MiB, and over it Temporal silently fails the task instead of refusing the
// report, so the cap also keeps every Output well inside that.
const maxPayload = 1 << 20

// request is one API call, decoded from either encoding:
//
//   - Alibaba RPC: parameters in the URL query and in a form body, merged by
//     name with the body winning, which is how the official SDKs split them
//     (reference fnf-api.md §1);
//   - plain JSON: a JSON object body whose top-level keys are the
//     parameters; an object or array value (an Input or Output given as JSON
//     rather than as a JSON string) stands for its JSON text. Query
//     parameters still apply, the body winning.
//
// The raw query and form values are kept as sent for signature checks.
type request struct {
	method string
	host   string
	header http.Header
	query  url.Values
	// form holds the form body's parameters, jsonParams the JSON body's; at most
	// one of them is set.
	form       url.Values
	jsonParams map[string]string
	body       []byte
}

// readRequest decodes an HTTP request. The body is read at most up to
// maxPayload.
func readRequest(r *http.Request) (*request, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errInvalidArgument("The query string is not valid: %v", err)
	}
	req := &request{method: r.Method, host: r.Host, header: r.Header, query: query}
	if r.ContentLength > maxPayload {
		return nil, errEntityTooLarge()
	}
	req.body, err = io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		return nil, errInvalidArgument("Reading the request body: %v", err)
	}
	if len(req.body) > maxPayload {
		return nil, errEntityTooLarge()
	}
	if len(bytes.TrimSpace(req.body)) == 0 {
		return req, nil
	}
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mediaType, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, errUnsupportedMediaType()
		}
	}
	switch mediaType {
	case "application/json":
		req.jsonParams, err = decodeJSONParams(req.body)
	case "application/x-www-form-urlencoded", "":
		req.form, err = url.ParseQuery(string(req.body))
		if err != nil {
			err = errInvalidArgument("The form body is not valid: %v", err)
		}
	default:
		err = errUnsupportedMediaType()
	}
	if err != nil {
		return nil, err
	}
	return req, nil
}

func errUnsupportedMediaType() *apiError {
	return newError(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
		`The content type must be "application/x-www-form-urlencoded" or "application/json".`)
}

// decodeJSONParams reads a JSON object body into parameters: strings as they
// are, null as absent, anything else as its JSON text.
func decodeJSONParams(body []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, errInvalidArgument("The JSON body must be an object whose keys are the parameters.")
	}
	params := make(map[string]string, len(raw))
	for name, value := range raw {
		var text string
		switch {
		case json.Unmarshal(value, &text) == nil:
		case string(value) == "null":
			continue
		default:
			var compact bytes.Buffer
			if err := json.Compact(&compact, value); err != nil {
				return nil, errInvalidArgument("The JSON value of %s is not valid: %v", name, err)
			}
			text = compact.String()
		}
		params[name] = text
	}
	return params, nil
}

// param returns a parameter by name from wherever it was sent. An empty value
// counts as absent: the core and Python SDKs drop empty parameters, the tea
// SDK sends them, and both must mean the same.
func (r *request) param(name string) string {
	if v, ok := r.jsonParams[name]; ok && v != "" {
		return v
	}
	if v := r.form.Get(name); v != "" {
		return v
	}
	return r.query.Get(name)
}

// action is the API action: a parameter for RPC v1 and JSON callers, only a
// header for the V3-signing SDKs.
func (r *request) action() string {
	if a := r.param("Action"); a != "" {
		return a
	}
	return r.header.Get("x-acs-action")
}

func (r *request) version() string {
	if v := r.param("Version"); v != "" {
		return v
	}
	return r.header.Get("x-acs-version")
}

func (r *request) required(name string) (string, error) {
	v := r.param(name)
	if v == "" {
		return "", errMissingParam(name)
	}
	return v, nil
}

// intParam reads an optional integer parameter within [lo, hi]; absent gives
// def.
func (r *request) intParam(name string, def, lo, hi int) (int, error) {
	text := r.param(name)
	if text == "" {
		return def, nil
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < lo || n > hi {
		return 0, errInvalidArgument("The parameter %s must be an integer from %d to %d.", name, lo, hi)
	}
	return n, nil
}

// jsonObject reads an optional parameter holding a JSON object (Input,
// Output); absent gives "{}". The text is returned compacted, numbers and all
// as sent.
func (r *request) jsonObject(name string) (json.RawMessage, error) {
	text := r.param(name)
	if text == "" {
		return json.RawMessage("{}"), nil
	}
	if len(text) > maxPayload {
		return nil, errEntityTooLarge()
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &object); err != nil || object == nil {
		return nil, errInvalidArgument("The parameter %s must be a JSON object.", name)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(text)); err != nil {
		return nil, errInvalidArgument("The parameter %s must be a JSON object.", name)
	}
	return compact.Bytes(), nil
}

// A list's NextToken is the store's page token behind a short checksum.
// Temporal's visibility store answers a mangled page token with an internal
// error, which the SDK retries until the request gives up; the checksum turns
// a token that was cut or mistyped into an InvalidArgument at once.
const nextTokenSum = 4

func encodeNextToken(page []byte) string {
	if len(page) == 0 {
		return ""
	}
	sum := sha256.Sum256(page)
	return base64.RawURLEncoding.EncodeToString(append(sum[:nextTokenSum:nextTokenSum], page...))
}

// nextToken returns the page token of the NextToken parameter; nil for the
// first page.
func (r *request) nextToken() ([]byte, error) {
	text := r.param("NextToken")
	if text == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(raw) <= nextTokenSum {
		return nil, errInvalidArgument("The NextToken is not valid.")
	}
	page := raw[nextTokenSum:]
	if sum := sha256.Sum256(page); !bytes.Equal(sum[:nextTokenSum], raw[:nextTokenSum]) {
		return nil, errInvalidArgument("The NextToken is not valid.")
	}
	return page, nil
}
