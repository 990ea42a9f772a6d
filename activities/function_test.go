package activities

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/fnflow/fnflow/fdl"
	"github.com/fnflow/fnflow/internal/payload"
)

// invoke runs InvokeFunction for a function bound to url.
func invoke(t *testing.T, url string, input map[string]any) (InvokeResult, error) {
	t.Helper()
	bindings, err := ParseBindings([]byte("functions:\n  - resource: services/s/functions/f\n    http:\n      url: " + url + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := &Activities{Functions: bindings}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment().SetDataConverter(payload.Converter)
	env.RegisterActivity(a.RequestResponse)
	v, err := env.ExecuteActivity(a.RequestResponse, TaskRequest{
		StepPath: "step", ResourceArn: "acs:fc:::services/s/functions/f", Input: input,
		Resource: fdl.Resource{Kind: fdl.ResourceFunction, Service: "s", Function: "f"},
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

func errorName(t *testing.T, err error) (string, string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("want an ApplicationError, got %v", err)
	}
	return appErr.Type(), appErr.Message()
}

func TestInvokeFunctionPostsInputAndReturnsReply(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %s with %q", r.Method, r.Header.Get("Content-Type"))
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		_, _ = w.Write([]byte(`{"price": 42}`))
	}))
	defer srv.Close()
	result, err := invoke(t, srv.URL, map[string]any{"id": "o-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got["id"] != "o-1" {
		t.Errorf("function got %v", got)
	}
	if out, ok := result.Output.(map[string]any); !ok || out["price"] != json.Number("42") {
		t.Errorf("result %v", result.Output)
	}
}

func TestFunctionReplyNumbersStayExact(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id": 12345678901234567890, "amount": 0.1000000000000000055511151231257827}`))
	}))
	defer srv.Close()
	result, err := invoke(t, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(result.Output)
	if string(got) != `{"amount":0.1000000000000000055511151231257827,"id":12345678901234567890}` {
		t.Errorf("result %s", got)
	}
}

func TestFunctionReplyWithUnreadableNumberIsInvalidLocal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"n": 1e999999}`))
	}))
	defer srv.Close()
	_, err := invoke(t, srv.URL, nil)
	if name, cause := errorName(t, err); name != fdl.ErrInvalidLocal || !strings.Contains(cause, "1e999999") {
		t.Errorf("got %s / %s, want %s naming the number", name, cause, fdl.ErrInvalidLocal)
	}
}

func TestFunctionErrorsAreNamedLikeFunctionCompute(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		header      string
		body        string
		wantName    string
		wantCauseIn string
	}{
		{"unhandled function error", 200, "UnhandledInvocationError", `{"errorType":"BookFlightError","errorMessage":"no seats"}`, "BookFlightError", "no seats"},
		{"error type in a 500 body", 500, "", `{"errorType":"ValueError","errorMessage":"bad"}`, "ValueError", "bad"},
		{"throttled", 429, "", `too many`, "FC.ResourceExhausted", "429"},
		{"server error", 503, "", `down`, "FC.InternalServerError", "503"},
		{"platform code", 400, "", `{"Code":"InvalidArgument","Message":"event too large"}`, "FC.InvalidArgument", "event too large"},
		{"not found", 404, "", `nope`, "FC.FunctionNotFound", "404"},
		{"other client error", 403, "", `{}`, "FC.InvalidArgument", "403"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.header != "" {
					w.Header().Set("X-Fc-Error-Type", c.header)
				}
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			_, err := invoke(t, srv.URL, nil)
			name, cause := errorName(t, err)
			if name != c.wantName || !strings.Contains(cause, c.wantCauseIn) {
				t.Errorf("got %s / %q, want %s / …%s…", name, cause, c.wantName, c.wantCauseIn)
			}
		})
	}
}

func TestUnreachableFunctionIsUnknownOutcome(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := invoke(t, url, nil)
	if name, _ := errorName(t, err); name != fdl.ErrFunctionUnknown {
		t.Errorf("got %s, want %s", name, fdl.ErrFunctionUnknown)
	}
}

func TestReplyThatIsNotJSONIsInvalidLocal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()
	_, err := invoke(t, srv.URL, nil)
	if name, _ := errorName(t, err); name != fdl.ErrInvalidLocal {
		t.Errorf("got %s, want %s", name, fdl.ErrInvalidLocal)
	}
}

func TestUnboundFunctionIsNotFound(t *testing.T) {
	a := &Activities{}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment().SetDataConverter(payload.Converter)
	env.RegisterActivity(a.RequestResponse)
	_, err := env.ExecuteActivity(a.RequestResponse, TaskRequest{
		ResourceArn: "acs:fc:::services/s/functions/nope",
		Resource:    fdl.Resource{Kind: fdl.ResourceFunction, Service: "s", Function: "nope"},
	})
	if name, cause := errorName(t, err); name != fdl.ErrFunctionNotFound || !strings.Contains(cause, "--functions") {
		t.Errorf("got %s / %s", name, cause)
	}
}

func TestReplaceStringSwapsEveryPlaceholder(t *testing.T) {
	in := map[string]any{"a": "P", "b": []any{"P", "x", map[string]any{"c": "P"}}, "d": 1.0, "e": "Px"}
	out := replaceString(in, "P", "TOKEN")
	got, _ := json.Marshal(out)
	if string(got) != `{"a":"TOKEN","b":["TOKEN","x",{"c":"TOKEN"}],"d":1,"e":"Px"}` {
		t.Errorf("got %s", got)
	}
	if in["a"] != "P" {
		t.Error("the input must not change")
	}
}

func TestReplyLargerThanTemporalTakesIsDataLimitExceeded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"s":"` + strings.Repeat("x", maxFunctionResponseBytes) + `"}`))
	}))
	defer srv.Close()
	_, err := invoke(t, srv.URL, nil)
	if name, cause := errorName(t, err); name != fdl.ErrDataLimitExceeded || !strings.Contains(cause, "2097152 bytes") {
		t.Errorf("got %s / %s, want %s naming the limit", name, cause, fdl.ErrDataLimitExceeded)
	}
}
