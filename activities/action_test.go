package activities

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
)

const ocrAction = "ocr:RecognizeIdentityCard"

// runAction runs RequestResponse for an action step with the given bindings
// file, serviceParams and step input.
func runAction(t *testing.T, bindingsYAML string, params, input map[string]any) (InvokeResult, error) {
	t.Helper()
	bindings, err := ParseBindings([]byte(bindingsYAML))
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{Functions: bindings}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment().SetDataConverter(payload.Converter)
	env.RegisterActivity(a.RequestResponse)
	v, err := env.ExecuteActivity(a.RequestResponse, TaskRequest{
		StepPath: "recognize", Action: ocrAction, ServiceParams: params, Input: input,
	})
	if err != nil {
		return InvokeResult{}, err
	}
	var result InvokeResult
	if err := v.Get(&result); err != nil {
		t.Fatal(err)
	}
	return result, nil
}

func httpAction(url string) string {
	return "actions:\n  - action: " + ocrAction + "\n    http:\n      url: " + url + "\n      headers: {X-Api-Key: k1}\n"
}

// An HTTP-bound action is POSTed its evaluated request parameters as a JSON
// object; the JSON reply, numbers exact, is $local.
func TestHTTPActionPostsParamsAndReturnsReply(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("X-Api-Key") != "k1" {
			t.Errorf("got %s with %v", r.Method, r.Header)
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		_, _ = w.Write([]byte(`{"RequestId": "r-1", "Data": {"FrontResult": {"Name": "Zhang San", "Id": 12345678901234567890}}}`))
	}))
	defer srv.Close()
	result, err := runAction(t, httpAction(srv.URL),
		map[string]any{"ImageURL": "$.image", "Side": "face", "Whole": "$"},
		map[string]any{"image": "https://img.example/id.jpg", "other": true})
	if err != nil {
		t.Fatal(err)
	}
	sent, _ := json.Marshal(got)
	if string(sent) != `{"ImageURL":"https://img.example/id.jpg","Side":"face","Whole":{"image":"https://img.example/id.jpg","other":true}}` {
		t.Errorf("the endpoint got %s", sent)
	}
	out, _ := json.Marshal(result.Output)
	if string(out) != `{"Data":{"FrontResult":{"Id":12345678901234567890,"Name":"Zhang San"}},"RequestId":"r-1"}` || result.Delegate != nil {
		t.Errorf("result %s (delegate %v)", out, result.Delegate)
	}
}

// An action without serviceParams is called with an empty object, not with
// the step input.
func TestActionWithoutParamsSendsAnEmptyObject(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	if _, err := runAction(t, httpAction(srv.URL), nil, map[string]any{"secret": "not for the API"}); err != nil {
		t.Fatal(err)
	}
	if body != "{}" {
		t.Errorf("the endpoint got %q, want {}", body)
	}
}

// Failed replies are named <product>.<Code> as the managed service names
// the API's errors, so policies written for it match.
func TestActionErrorsAreNamedProductCode(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		body        string
		wantName    string
		wantCauseIn string
	}{
		{"API error", 400, `{"RequestId":"r","Code":"InvalidImage.Content","Message":"the image is not an ID card"}`, "ocr.InvalidImage.Content", "the image is not an ID card"},
		{"lower-case keys", 403, `{"code":"Forbidden.RAM","message":"no permission"}`, "ocr.Forbidden.RAM", "no permission"},
		{"server error with a code", 503, `{"Code":"ServiceUnavailable","Message":"busy"}`, "ocr.ServiceUnavailable", "busy"},
		{"server error without a code", 500, `oops`, "ocr.InternalError", "500"},
		{"throttled", 429, ``, "ocr.Throttling", "429"},
		{"client error without a code", 404, `not here`, "ocr.InvalidParameter", "not here"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			_, err := runAction(t, httpAction(srv.URL), nil, nil)
			name, cause := errorName(t, err)
			if name != c.wantName || !strings.Contains(cause, c.wantCauseIn) {
				t.Errorf("got %s / %q, want %s / …%s…", name, cause, c.wantName, c.wantCauseIn)
			}
		})
	}
}

// An endpoint that does not answer leaves the outcome unknown, as a 5xx
// does: <product>.InternalError, which flows written for the managed service
// retry.
func TestUnreachableActionIsInternalError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := runAction(t, httpAction(url), nil, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "ocr.InternalError" || appErr.NonRetryable() {
		t.Errorf("got %v, want a retryable ocr.InternalError", err)
	}
}

func TestActionReplyThatIsNotJSONIsInvalidLocal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<Response/>"))
	}))
	defer srv.Close()
	_, err := runAction(t, httpAction(srv.URL), nil, nil)
	if name, cause := errorName(t, err); name != fdl.ErrInvalidLocal || !strings.Contains(cause, ocrAction) {
		t.Errorf("got %s / %s, want %s naming the action", name, cause, fdl.ErrInvalidLocal)
	}
}

// A request parameter whose path the input lacks fails the step before the
// endpoint is called.
func TestActionParamThatCannotBeReadIsARuntimeError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the endpoint must not be called")
	}))
	defer srv.Close()
	_, err := runAction(t, httpAction(srv.URL), map[string]any{"ImageURL": "$.image"}, map[string]any{})
	if name, cause := errorName(t, err); name != fdl.ErrRuntime || !strings.Contains(cause, "serviceParams.ImageURL") {
		t.Errorf("got %s / %s", name, cause)
	}
}

// An action bound to a Temporal activity is not called by fnflow: the
// interpreter schedules the activity with the evaluated request parameters.
func TestTemporalActionIsDelegatedWithItsParams(t *testing.T) {
	const bindings = "actions:\n  - action: " + ocrAction + "\n    temporal: {activity: RecognizeIdentityCard, taskQueue: ocr, timeout: 1m}\n"
	result, err := runAction(t, bindings, map[string]any{"ImageURL": "$.image", "Side": "back"}, map[string]any{"image": "u"})
	if err != nil {
		t.Fatal(err)
	}
	if result.Delegate == nil || result.Delegate.Activity != "RecognizeIdentityCard" || result.Delegate.TaskQueue != "ocr" {
		t.Fatalf("delegate %+v", result.Delegate)
	}
	in, _ := json.Marshal(result.DelegateInput)
	if string(in) != `{"ImageURL":"u","Side":"back"}` {
		t.Errorf("delegate input %s", in)
	}
	// Without serviceParams the activity still gets an object, not the step
	// input the interpreter would fall back to.
	result, err = runAction(t, bindings, nil, map[string]any{"image": "u"})
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := json.Marshal(result.DelegateInput); string(in) != `{}` {
		t.Errorf("delegate input %s, want {}", in)
	}
}

// An unbound action fails at once, saying what to add to the bindings file,
// with a name no policy for the API's own errors matches.
func TestUnboundActionNamesTheMissingBinding(t *testing.T) {
	_, err := runAction(t, "", map[string]any{"ImageURL": "x"}, nil)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != fdl.ErrRuntime || !appErr.NonRetryable() ||
		!strings.Contains(appErr.Message(), "action "+ocrAction+" is not bound: add it to the actions of the --functions file") {
		t.Errorf("got %v, want a non-retryable %s naming the binding to add", err, fdl.ErrRuntime)
	}
}
