package mns

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// maxBody caps any request body. The largest legitimate one is a message
// or batch of 64 KB whose text XML escaping has made up to five times
// longer ("<" is "&lt;"), plus its elements.
const maxBody = 1 << 20

// request is an admitted request: read, checked, its query parsed.
type request struct {
	http  *http.Request
	query url.Values
	body  []byte
	// queue, topic and subscription are the names in the path, "" where
	// the route has none.
	queue, topic, subscription string
}

// admit checks a request's signature (when access keys are configured),
// reads its body, checks its Content-MD5 and parses its query. The
// signature, which covers the headers only, comes first, so that a stranger
// cannot make the gateway read a body.
func (h *Handler) admit(c echo.Context) (*request, error) {
	hr := c.Request()
	if h.cfg.AccessKeys.Required() {
		if err := h.checkSignature(hr); err != nil {
			return nil, err
		}
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
	if err != nil {
		return nil, errInvalidArgument("The request body could not be read: %v.", err)
	}
	if len(body) > maxBody {
		return nil, errInvalidArgument("The request body exceeds %d bytes.", maxBody)
	}
	if err := checkContentMD5(hr.Header, body); err != nil {
		return nil, err
	}
	query, err := url.ParseQuery(hr.URL.RawQuery)
	if err != nil {
		return nil, newError(http.StatusBadRequest, "InvalidQueryString", "The query string is not valid: %v.", err)
	}
	return &request{http: hr, query: query, body: body,
		queue: c.Param("queue"), topic: c.Param("topic"), subscription: c.Param("subscription")}, nil
}

// param is a query parameter by name in any case: Node and PHP send
// receiptHandle and visibilityTimeout, Go, Python and Java ReceiptHandle and
// VisibilityTimeout.
func (r *request) param(name string) (string, bool) {
	for key, values := range r.query {
		if strings.EqualFold(key, name) && len(values) > 0 {
			return values[0], true
		}
	}
	return "", false
}

// flag is a boolean parameter (metaoverride, peekonly); absent is false.
func (r *request) flag(name string) (bool, error) {
	text, ok := r.param(name)
	if !ok {
		return false, nil
	}
	return parseBool(name, text)
}

// intParam is an integer parameter within [lo, hi]; present says whether
// it was given.
func (r *request) intParam(name string, lo, hi int) (n int, present bool, err error) {
	text, ok := r.param(name)
	if !ok {
		return 0, false, nil
	}
	n, err = strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return 0, true, errInvalidArgument("The %s %q is not an integer.", name, text)
	}
	if n < lo || n > hi {
		return 0, true, errInvalidArgument("The %s %d is out of range: it must be from %d to %d.", name, n, lo, hi)
	}
	return n, true, nil
}

// url is the URL of a resource at path, on the host the caller reached.
func (r *request) url(path string) string {
	return baseURL(r.http) + path
}

// maxListed is the most a list returns, and what it returns unless asked
// for fewer.
const maxListed = 1000

// listing is what a list request asks for, in the x-mns-* headers.
type listing struct {
	prefix, marker string
	limit          int
	withMeta       bool
}

func (r *request) listing() (listing, error) {
	header := r.http.Header
	l := listing{prefix: header.Get("x-mns-prefix"), marker: header.Get("x-mns-marker"), limit: maxListed}
	if text := header.Get("x-mns-ret-number"); text != "" {
		n, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil || n < 1 || n > maxListed {
			return listing{}, errInvalidArgument("The x-mns-ret-number %q must be an integer from 1 to %d.", text, maxListed)
		}
		l.limit = n
	}
	if text := header.Get("x-mns-with-meta"); text != "" {
		withMeta, err := parseBool("x-mns-with-meta", text)
		if err != nil {
			return listing{}, err
		}
		l.withMeta = withMeta
	}
	return l, nil
}
