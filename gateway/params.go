package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/fnflow/fnflow/internal/pagetoken"
)

// maxPayload caps a request body, and the JSON payloads inside a request, at
// the managed service's 1,024 KiB. Temporal's own limit for a task result is
// 2 MiB, and over it Temporal silently fails the task instead of refusing the
// report, so the cap also keeps every Output well inside that.
const maxPayload = 1 << 20

// request is one API call, decoded from either encoding:
//
//   - Alibaba RPC: parameters in the URL query and in a form body, which is
//     how the official SDKs split them (reference fnf-api.md §1);
//   - plain JSON: a JSON object body whose top-level keys are the
//     parameters; an object or array value (an Input or Output given as JSON
//     rather than as a JSON string) stands for its JSON text. Query
//     parameters still apply.
//
// Wherever a parameter was sent, it has one value: the one the signature
// covers (see readRequest).
type request struct {
	method string
	host   string
	header http.Header
	// params holds every parameter of the query and the body by name.
	params map[string]string
	// query is the URL query as sent, for ACS3 signatures, which sign it so.
	query url.Values
	// jsonBody says the body's parameters came as JSON, which RPC v1
	// signatures do not cover.
	jsonBody bool
	body     []byte
}

// readRequest decodes an HTTP request into one set of parameters. A parameter
// sent twice, in one place or in two, with different values is refused:
// otherwise a value added to a captured request (an unsigned query value next
// to the tea SDK's empty form value, say) could stand in for the signed one.
// The body is read at most up to maxPayload.
func readRequest(r *http.Request) (*request, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errInvalidArgument("The query string is not valid: %v", err)
	}
	req := &request{method: r.Method, host: r.Host, header: r.Header, query: query, params: map[string]string{}}
	if err := req.addParams(query); err != nil {
		return nil, err
	}
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
	var bodyParams url.Values
	switch mediaType {
	case "application/json":
		req.jsonBody = true
		bodyParams, err = decodeJSONParams(req.body)
	case "application/x-www-form-urlencoded", "":
		bodyParams, err = url.ParseQuery(string(req.body))
		if err != nil {
			err = errInvalidArgument("The form body is not valid: %v", err)
		}
	default:
		err = errUnsupportedMediaType()
	}
	if err != nil {
		return nil, err
	}
	if err := req.addParams(bodyParams); err != nil {
		return nil, err
	}
	return req, nil
}

// addParams adds one source's parameters. Every name and value is checked to
// be UTF-8 here, once: Temporal refuses anything else with an internal error.
func (r *request) addParams(values url.Values) error {
	for name, vs := range values {
		for _, v := range vs {
			if !utf8.ValidString(name) || !utf8.ValidString(v) {
				return errInvalidArgument("The parameter %q is not valid UTF-8.", name)
			}
			if old, ok := r.params[name]; ok && old != v {
				return errInvalidArgument("The parameter %q is sent more than once with different values.", name)
			}
			r.params[name] = v
		}
	}
	return nil
}

func errUnsupportedMediaType() *apiError {
	return newError(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
		`The content type must be "application/x-www-form-urlencoded" or "application/json".`)
}

// decodeJSONParams reads a JSON object body into parameters: strings as they
// are, null as absent, anything else as its JSON text. A key given twice is
// kept twice, for addParams to judge.
func decodeJSONParams(body []byte) (url.Values, error) {
	// Decoding would silently turn invalid UTF-8 into U+FFFD.
	if !utf8.Valid(body) {
		return nil, errInvalidArgument("The JSON body is not valid UTF-8.")
	}
	notObject := errInvalidArgument("The JSON body must be an object whose keys are the parameters.")
	dec := json.NewDecoder(bytes.NewReader(body))
	if open, err := dec.Token(); err != nil || open != json.Delim('{') {
		return nil, notObject
	}
	params := url.Values{}
	for dec.More() {
		key, err := dec.Token()
		name, isName := key.(string)
		var value json.RawMessage
		if err != nil || !isName || dec.Decode(&value) != nil {
			return nil, notObject
		}
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
		params.Add(name, text)
	}
	if _, err := dec.Token(); err != nil {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notObject
	}
	return params, nil
}

// param returns a parameter by name, "" when it was not sent. Actions treat
// an empty value as not given: the core and Python SDKs drop empty
// parameters, the tea SDK sends them, and both must mean the same.
func (r *request) param(name string) string {
	return r.params[name]
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

// nextToken returns the page token of the NextToken parameter (written by
// pagetoken.Encode); nil for the first page.
func (r *request) nextToken() ([]byte, error) {
	page, err := pagetoken.Decode(r.param("NextToken"))
	if err != nil {
		return nil, errInvalidArgument("The NextToken is not valid.")
	}
	return page, nil
}
