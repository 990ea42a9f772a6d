// Package console is fnflow's console in the browser, served by the gateway
// under /console: the flows with their pictures, a flow's executions by
// status, one execution with its picture coloured by state, its FnF history,
// input and output, and the callback steps waiting for a report as an inbox
// where a person approves or rejects them.
//
// Pages are rendered on the server from embedded templates and one embedded
// stylesheet; they need no JavaScript and nothing outside the gateway, so the
// console works on a machine with no network.
//
// A browser cannot sign requests the way the fnf API wants, so the console
// asks for HTTP Basic credentials instead: an access key ID as the user name
// and its secret as the password, checked against the gateway's access keys.
// With no access keys, like the API, it asks for none. Approve and Reject are
// POST forms guarded against cross-site requests (net/http's
// CrossOriginProtection): Basic credentials are sent by the browser with any
// request to the gateway, a form on another site included.
package console

import (
	"crypto/subtle"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/fnflow/fnflow/executions"
	"github.com/fnflow/fnflow/flowstore"
	"github.com/fnflow/fnflow/internal/acs"
	"github.com/fnflow/fnflow/internal/callback"
)

// Path is where the console is served; Paths tells its requests apart.
const Path = "/console"

// Paths reports whether a request path is the console's.
func Paths(path string) bool {
	return path == Path || strings.HasPrefix(path, Path+"/")
}

// Config is what the console reads and reports through: the gateway's own.
type Config struct {
	Executions *executions.Service
	Flows      *flowstore.Store
	Callbacks  *callback.Completer
	// AccessKeys are the gateway's: when it holds any, every request must
	// carry one of them as HTTP Basic credentials.
	AccessKeys *acs.Keys
	Logger     *slog.Logger
}

//go:embed templates/*.html console.css
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"since": since,
	"form":  func(t waitingTask, from string) taskForm { return taskForm{Task: t, From: from} },
}).ParseFS(files, "templates/*.html"))

// taskForm is a waiting step's Approve and Reject forms, and the page they
// lead back to.
type taskForm struct {
	Task waitingTask
	From string
}

// Handler serves the console.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
}

// New returns the console's handler.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Path+"/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET "+Path+"/{$}", h.flows)
	mux.HandleFunc("GET "+Path+"/console.css", h.stylesheet)
	mux.HandleFunc("GET "+Path+"/inbox", h.inbox)
	mux.HandleFunc("GET "+Path+"/flows/{flow}", h.flow)
	mux.HandleFunc("GET "+Path+"/flows/{flow}/executions/{execution}", h.execution)
	mux.HandleFunc("POST "+Path+"/flows/{flow}/executions/{execution}/tasks/{task}/approve", h.approve)
	mux.HandleFunc("POST "+Path+"/flows/{flow}/executions/{execution}/tasks/{task}/reject", h.reject)
	// Refused cross-site: a browser says where a request comes from
	// (Sec-Fetch-Site, or Origin against Host), so no token need be kept or
	// posted back. Requests without either header are not a browser's and
	// carry no credentials a browser added.
	h.handler = h.authenticate(http.NewCrossOriginProtection().Handler(mux))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.handler.ServeHTTP(w, r)
}

// authenticate asks for an access key as HTTP Basic credentials when the
// gateway has access keys.
func (h *Handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.AccessKeys.Required() && !h.allowed(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="fnflow console", charset="UTF-8"`)
			http.Error(w, "Sign in with an access key ID as the user name and its secret as the password.", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowed checks the request's Basic credentials. Every key is compared, in
// constant time, so that the time taken tells nothing of which ID exists or
// how much of a secret matched.
func (h *Handler) allowed(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return false
	}
	match := 0
	for keyID, keySecret := range h.cfg.AccessKeys.All() {
		idOK := subtle.ConstantTimeCompare([]byte(id), []byte(keyID))
		secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(keySecret))
		match |= idOK & secretOK
	}
	return match == 1
}

func (h *Handler) stylesheet(w http.ResponseWriter, r *http.Request) {
	http.ServeFileFS(w, r, files, "console.css")
}

// render writes a page; an error rendering it is logged, for the status is
// already sent.
func (h *Handler) render(w http.ResponseWriter, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, page, data); err != nil {
		h.log.Error("rendering a console page", "page", page, "error", err)
	}
}

// problem is the page shown when a page cannot be shown or a report made.
type problem struct {
	Title   string
	Message string
	Back    string
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, back string, err error) {
	if status >= 500 {
		h.log.Error("console request failed", "path", r.URL.Path, "error", err)
	}
	h.render(w, status, "problem.html", problem{Title: http.StatusText(status), Message: fmt.Sprint(err), Back: back})
}
