// Package mns serves Alibaba Cloud MNS's queue and topic API (version
// 2015-06-06, REST with XML bodies) on top of Temporal, through packages
// queues and topics, so that consumers written with MNS's official SDKs work
// by changing only their endpoint. Reference mns-api.md is the contract.
//
// One table of routes (routes, below) maps each method and path to a small
// handler; a path that carries two operations (a message or a batch of them,
// a create or a metaoverride) is told apart by its body or query. Every
// request is read, its signature and Content-MD5 checked, in one place
// (admit); every error is rendered in one place (renderError), as the
// <Error> document the SDKs decode.
package mns

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// APIVersion is the MNS API version this face speaks.
const APIVersion = "2015-06-06"

// Config is what the MNS face needs.
type Config struct {
	// Queues and Topics serve the queue and topic paths; a nil one's paths
	// answer 400 InvalidRequestURL.
	Queues *queues.Store
	Topics *topics.Store
	// AccessKeys, when it holds any, are what every request must carry a
	// valid MNS signature with; none (or nil) = signatures not checked
	// (loopback dev). They may be replaced while the face serves.
	AccessKeys *acs.Keys
	// AccountID is the TopicOwner and Subscriber that subscriptions show:
	// the topics.Config.AccountID of Topics, which keeps it unexported.
	// Default "0", as topics'.
	AccountID string
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// CertificatePEM, when set, is served at GET /mns/notification-cert.pem
	// (the push signer's certificate, no auth), so topic subscribers can
	// check notifications.
	CertificatePEM []byte
}

// Handler is the MNS face, an http.Handler.
type Handler struct {
	cfg  Config
	log  *slog.Logger
	echo *echo.Echo
	// now is the clock signatures' dates are checked against.
	now func() time.Time
}

// handlerFunc is one route's handler: it answers with a reply or returns
// the error renderError writes.
type handlerFunc func(h *Handler, ctx context.Context, r *request) (reply, error)

// routes is every path of the API (reference mns-api.md §2–§4).
var routes = []struct {
	method, path string
	handle       handlerFunc
}{
	{http.MethodGet, "/queues", (*Handler).listQueues},
	{http.MethodPut, "/queues/:queue", (*Handler).putQueue},
	{http.MethodGet, "/queues/:queue", (*Handler).getQueueAttributes},
	{http.MethodDelete, "/queues/:queue", (*Handler).deleteQueue},
	{http.MethodPost, "/queues/:queue/messages", (*Handler).sendMessages},
	{http.MethodGet, "/queues/:queue/messages", (*Handler).receiveMessages},
	{http.MethodDelete, "/queues/:queue/messages", (*Handler).deleteMessages},
	{http.MethodPut, "/queues/:queue/messages", (*Handler).changeMessageVisibility},
	{http.MethodGet, "/topics", (*Handler).listTopics},
	{http.MethodPut, "/topics/:topic", (*Handler).putTopic},
	{http.MethodGet, "/topics/:topic", (*Handler).getTopicAttributes},
	{http.MethodDelete, "/topics/:topic", (*Handler).deleteTopic},
	{http.MethodPost, "/topics/:topic/messages", (*Handler).publishMessage},
	{http.MethodGet, "/topics/:topic/subscriptions", (*Handler).listSubscriptions},
	{http.MethodPut, "/topics/:topic/subscriptions/:subscription", (*Handler).putSubscription},
	{http.MethodGet, "/topics/:topic/subscriptions/:subscription", (*Handler).getSubscriptionAttributes},
	{http.MethodDelete, "/topics/:topic/subscriptions/:subscription", (*Handler).unsubscribe},
}

// CertificatePath is where the push signer's certificate is served; the
// URL topic notifications name (x-mns-signing-cert-url) points here.
const CertificatePath = "/mns/notification-cert.pem"

// New returns the MNS face serving cfg.
func New(cfg Config) *Handler {
	cfg.AccountID = cmp.Or(cfg.AccountID, "0")
	h := &Handler{cfg: cfg, log: cfg.Logger, now: time.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = h.renderError
	e.Use(h.stamp)
	for _, rt := range routes {
		// A face without topics (or queues) serves none of their paths:
		// they answer InvalidRequestURL.
		if strings.HasPrefix(rt.path, "/topics") && cfg.Topics == nil || strings.HasPrefix(rt.path, "/queues") && cfg.Queues == nil {
			continue
		}
		e.Add(rt.method, rt.path, h.serve(rt.handle))
	}
	if len(cfg.CertificatePEM) > 0 {
		e.GET(CertificatePath, func(c echo.Context) error {
			return c.Blob(http.StatusOK, "application/x-pem-file", cfg.CertificatePEM)
		})
	}
	h.echo = e
	return h
}

// ServeHTTP serves one MNS request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.echo.ServeHTTP(w, r)
}

// Paths reports whether path belongs to this face ("/queues",
// "/queues/...", "/topics", "/topics/...", "/mns/...").
func Paths(path string) bool {
	return path == "/queues" || strings.HasPrefix(path, "/queues/") ||
		path == "/topics" || strings.HasPrefix(path, "/topics/") ||
		strings.HasPrefix(path, "/mns/")
}

// Route names the route that serves method and path, such as "GET
// /queues/:queue/messages", or is "" when none does: a name for a request
// that takes few values whatever the queues are called, for metrics.
func Route(method, path string) string {
	if method == http.MethodGet && path == CertificatePath {
		return method + " " + path
	}
	segments := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, rt := range routes {
		if rt.method == method && routeMatches(strings.Split(strings.TrimPrefix(rt.path, "/"), "/"), segments) {
			return method + " " + rt.path
		}
	}
	return ""
}

// routeMatches reports whether path segments fit a route's, where ":name"
// takes any segment but an empty one, as Echo routes.
func routeMatches(route, segments []string) bool {
	if len(route) != len(segments) {
		return false
	}
	for i, r := range route {
		if strings.HasPrefix(r, ":") && segments[i] == "" || !strings.HasPrefix(r, ":") && r != segments[i] {
			return false
		}
	}
	return true
}

// requestIDKey is where a request's ID is kept in the Echo context.
const requestIDKey = "fnflow.mns.requestId"

// stamp gives every reply, failed or not, the headers MNS replies carry:
// Go's SDK takes the RequestId from x-mns-request-id, Python falls back to it.
func (h *Handler) stamp(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := newRequestID()
		c.Set(requestIDKey, id)
		header := c.Response().Header()
		header.Set("x-mns-request-id", id)
		header.Set("x-mns-version", APIVersion)
		header.Set("Date", h.now().UTC().Format(http.TimeFormat))
		header.Set("Server", "fnflow")
		return next(c)
	}
}

// newRequestID is 24 uppercase hex digits, the shape of MNS's own IDs.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func requestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// serve admits a request, runs its handler and writes the reply.
func (h *Handler) serve(handle handlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		r, err := h.admit(c)
		if err != nil {
			return err
		}
		rep, err := handle(h, c.Request().Context(), r)
		if err != nil {
			return err
		}
		h.log.Debug("MNS request served", "requestId", requestID(c), "method", c.Request().Method,
			"route", c.Path(), "status", rep.status, "duration", time.Since(start))
		return rep.write(c)
	}
}

// reply is a handler's answer: a status, an XML body or none, and for
// creates the new resource's URL.
type reply struct {
	status   int
	body     any
	location string
}

func ok(body any) reply { return reply{status: http.StatusOK, body: body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

// createdOrExisting is a create's reply: 201, or 204 when an identical
// resource existed; Python reads Location either way.
func createdOrExisting(created bool, location string) reply {
	if created {
		return reply{status: http.StatusCreated, location: location}
	}
	return reply{status: http.StatusNoContent, location: location}
}

func (rep reply) write(c echo.Context) error {
	if rep.location != "" {
		c.Response().Header().Set("Location", rep.location)
	}
	if rep.body == nil {
		return c.NoContent(rep.status)
	}
	return writeXML(c, rep.status, rep.body)
}
