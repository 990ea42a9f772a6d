// Package gateway serves Alibaba Cloud Serverless Workflow's fnf API (version
// 2019-03-15) over HTTP, on top of Temporal, so that workers and tools built
// on Alibaba's official SDKs work by changing only their endpoint; and, on
// the same listener, Alibaba MNS's queue and topic API (package gateway/mns).
//
// One table of actions (actions, below) serves two encodings: Alibaba's RPC
// style, as the SDKs send it, and plain JSON for curl (see request). Replies
// are what the SDKs decode (reference fnf-api.md §1, §5): exact PascalCase
// keys, flat arrays, numbers as numbers, times in UTC with milliseconds, JSON
// payloads as strings. Errors are rendered in one place (renderError). The
// gateway keeps no state but the signature nonces it has seen: flows live in
// Temporal (package flowstore), executions are Temporal workflows started and
// read through package executions, and callback tokens carry everything a
// report needs (package internal/callback completes them).
package gateway

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.temporal.io/sdk/client"

	"github.com/fnflow/fnflow/console"
	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/gateway/mns"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/callback"
	"github.com/fnflow/fnflow/internal/payload"
	"github.com/fnflow/fnflow/internal/token"
	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// APIVersion is the fnf API version the gateway speaks.
const APIVersion = "2019-03-15"

// Config is what a gateway needs.
type Config struct {
	Temporal client.Client
	// Namespace is the Temporal client's namespace, for the calls made on its
	// raw workflow service.
	Namespace string
	// TaskQueue is where executions are started; the worker polls it.
	TaskQueue string
	// Tokens opens the callback tokens workers report with.
	Tokens *token.Signer
	Flows  *flowstore.Store
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// AccessKeys, when it holds any, are what every request must be signed
	// with, the way Alibaba's SDKs sign; with none (or nil), signatures are
	// not checked. Its holder may replace them while the gateway serves.
	AccessKeys *acs.Keys
	// MaxNonces caps how many signature nonces the gateway remembers to
	// refuse replays (DefaultMaxNonces when 0); past it, signed requests get
	// 503 until old nonces expire.
	MaxNonces int
	// Queues and Topics, when set, are served as Alibaba MNS's queue and
	// topic API beside the fnf API, signed with the same AccessKeys.
	Queues *queues.Store
	Topics *topics.Store
	// PushCertificatePEM is the certificate topic notifications are signed
	// with, served for subscribers to check them.
	PushCertificatePEM []byte
	// Console serves the console in the browser under /console (package
	// console), behind the same AccessKeys.
	Console bool
	// Metrics, when set, count the requests answered.
	Metrics *Metrics
}

// Server is the gateway, an http.Handler.
type Server struct {
	cfg  Config
	log  *slog.Logger
	echo *echo.Echo
	// now is the clock signatures' timestamps are checked against.
	now        func() time.Time
	nonces     *nonceStore
	executions *executions.Service
	callbacks  *callback.Completer
	// mns serves the MNS API's paths; nil when no queues are configured.
	mns *mns.Handler
	// console serves /console; nil when it is off.
	console *console.Handler
	// ready is the readiness probe's last answer, so that its changes, not
	// every probe, are logged. A gateway starts out ready: its Temporal
	// client was dialled before it served.
	ready atomic.Bool
}

// New returns a gateway serving cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, log: cfg.Logger, now: time.Now, nonces: newNonceStore(cmp.Or(cfg.MaxNonces, DefaultMaxNonces)),
		executions: executions.New(cfg.Temporal, cfg.Namespace, cfg.TaskQueue, cfg.Flows),
		callbacks:  callback.New(cfg.Temporal, cfg.Tokens),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.ready.Store(true)
	if cfg.Queues != nil {
		s.mns = mns.New(mns.Config{Queues: cfg.Queues, Topics: cfg.Topics, AccessKeys: cfg.AccessKeys, Logger: s.log, CertificatePEM: cfg.PushCertificatePEM})
	}
	if cfg.Console {
		s.console = console.New(console.Config{Executions: s.executions, Flows: cfg.Flows, Callbacks: s.callbacks, AccessKeys: cfg.AccessKeys, Logger: s.log})
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.renderError
	e.Use(s.assignRequestID)
	// The SDKs send reads as GET and writes as POST, but every action is
	// accepted with both: the method only matters to the signature.
	e.GET("/", s.serve)
	e.POST("/", s.serve)
	s.echo = e
	return s
}

// ServeHTTP serves one request: the probes (/healthz, /readyz), which are
// neither logged nor counted, for they come every few seconds; /console on
// the console when it is on; MNS paths (/queues, /topics) on the MNS face;
// everything else on the fnf face.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.probe(w, r) {
		return
	}
	if s.console != nil && console.Paths(r.URL.Path) {
		s.answer(w, r, s.console, consoleFace)
		return
	}
	if s.mns != nil && mns.Paths(r.URL.Path) {
		s.answer(w, r, s.mns, mnsFace)
		return
	}
	s.answer(w, r, s.echo, fnfFace)
}

// replier is a successful reply: an action's fields plus the request ID.
type replier interface{ setRequestID(string) }

// reply is embedded in every reply struct.
type reply struct {
	RequestId string
}

func (r *reply) setRequestID(id string) { r.RequestId = id }

// action is one fnf API action.
type action struct {
	handle func(s *Server, ctx context.Context, r *request) (replier, error)
	// holds, when set, is how long the action may take: its reply's write
	// deadline is moved that far, past Limits.Write, which is meant for
	// the 60 s of DescribeExecution's WaitTimeSeconds.
	holds time.Duration
}

// actions is every action of the fnf API 2019-03-15 (the official SDKs' list)
// and fnflow's extensions.
var actions = map[string]action{
	"CreateFlow":          {handle: (*Server).createFlow},
	"DescribeFlow":        {handle: (*Server).describeFlow},
	"UpdateFlow":          {handle: (*Server).updateFlow},
	"ListFlows":           {handle: (*Server).listFlows},
	"DeleteFlow":          {handle: (*Server).deleteFlow},
	"StartExecution":      {handle: (*Server).startExecution},
	"DescribeExecution":   {handle: (*Server).describeExecution},
	"StopExecution":       {handle: (*Server).stopExecution},
	"ListExecutions":      {handle: (*Server).listExecutions},
	"GetExecutionHistory": {handle: (*Server).getExecutionHistory},
	"ReportTaskSucceeded": {handle: (*Server).reportTaskSucceeded},
	"ReportTaskFailed":    {handle: (*Server).reportTaskFailed},
	"StartSyncExecution":  {handle: (*Server).startSyncExecution, holds: syncWait + time.Minute},
	// fnflow's extensions, in the same wire form (docs/api.md, Extensions).
	"ReportTaskHeartbeat": {handle: (*Server).reportTaskHeartbeat},
	"ReportStepSucceeded": {handle: (*Server).reportStepSucceeded},
	"ReportStepFailed":    {handle: (*Server).reportStepFailed},
	"ListWaitingTasks":    {handle: (*Server).listWaitingTasks},
	"CreateSchedule":      {handle: (*Server).createSchedule},
	"UpdateSchedule":      {handle: (*Server).updateSchedule},
	"DeleteSchedule":      {handle: (*Server).deleteSchedule},
	"DescribeSchedule":    {handle: (*Server).describeSchedule},
	"ListSchedules":       {handle: (*Server).listSchedules},
}

// requestIDKey is where a request's ID is kept in the Echo context, for the
// reply.
const requestIDKey = "fnflow.requestId"

// assignRequestID gives every request, failed or not, the RequestId its reply
// and log lines carry.
func (s *Server) assignRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := uuid.NewString()
		c.Set(requestIDKey, id)
		c.Response().Header().Set("x-acs-request-id", id)
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// serve decodes a request, checks the caller, dispatches the action and
// writes its reply. Errors go to renderError.
func (s *Server) serve(c echo.Context) error {
	req, err := readRequest(c.Request())
	if err != nil {
		return err
	}
	name := req.action()
	infoOf(c.Request().Context()).action = name
	if err := s.checkSignature(req); err != nil {
		return err
	}
	act, err := lookupAction(name, req.version())
	if err != nil {
		return err
	}
	if act.holds > 0 {
		err := http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(act.holds))
		if err != nil && !errors.Is(err, http.ErrNotSupported) {
			return fmt.Errorf("extending the write deadline of %s: %w", name, err)
		}
	}
	rep, err := act.handle(s, c.Request().Context(), req)
	if err != nil {
		return err
	}
	rep.setRequestID(requestID(c))
	// Unescaped, as stored: an Output of 400 KB of "<" stays 400 KB on the
	// wire instead of 2.4 MB of "\u003c".
	body, err := payload.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encoding the %s reply: %w", name, err)
	}
	return c.JSONBlob(http.StatusOK, body)
}

func lookupAction(name, version string) (action, error) {
	// Version is optional for the curl-friendly forms; the SDKs always send it.
	if version != "" && version != APIVersion {
		return action{}, newError(http.StatusBadRequest, "APIVersionNotSupported",
			"The requested API version '%s' is not supported yet; fnflow speaks %s.", version, APIVersion)
	}
	if name == "" {
		return action{}, errMissingParam("Action")
	}
	act, ok := actions[name]
	if !ok {
		return action{}, newError(http.StatusBadRequest, "ActionNotSupported",
			"The requested API operation '%s' is incorrect, please check.", name)
	}
	return act, nil
}

// notFound is the error for a path other than "/". The fnf API has no path
// form: a curl that posts to /ReportTaskSucceeded learns where the action
// goes.
func notFound(path string) *apiError {
	if _, ok := actions[strings.Trim(path, "/")]; ok {
		return newError(http.StatusNotFound, "NotFound",
			"There is nothing at %s: the fnf API is served at / with the action as a parameter, as in POST /?Action=%s.", path, strings.Trim(path, "/"))
	}
	return newError(http.StatusNotFound, "NotFound", "There is nothing at %s: the fnf API is served at /.", path)
}

// formatTime formats t for a reply; the zero time is "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(executions.TimeFormat)
}
