package activities

import (
	"strings"
	"testing"

	"github.com/fnflow/fnflow/fdl"
)

func TestParseBindings(t *testing.T) {
	b, err := ParseBindings([]byte(`
functions:
  - resource: services/shop/functions/price
    http:
      url: http://127.0.0.1:9000/price
      timeout: 5s
  - resource: services/shop.prod/functions/price
    http:
      url: http://prod.example/price
  - resource: services/billing/functions/charge
    temporal:
      activity: ChargeCard
      taskQueue: billing
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		resource fdl.Resource
		want     string
	}{
		{fdl.Resource{Kind: fdl.ResourceFunction, Service: "shop", Function: "price"}, "http://127.0.0.1:9000/price"},
		{fdl.Resource{Kind: fdl.ResourceFunction, Service: "shop", Qualifier: "prod", Function: "price"}, "http://prod.example/price"},
		{fdl.Resource{Kind: fdl.ResourceFunction, Service: "shop", Qualifier: "LATEST", Function: "price"}, "http://127.0.0.1:9000/price"},
		{fdl.Resource{Kind: fdl.ResourceFunction, Service: "billing", Function: "charge"}, "temporal:ChargeCard@billing"},
		{fdl.Resource{Kind: fdl.ResourceFunction, Service: "shop", Function: "missing"}, ""},
		{fdl.Resource{Kind: fdl.ResourceQueue, Name: "price"}, ""},
	}
	for _, c := range cases {
		fb, ok := b.Lookup(c.resource)
		got := ""
		switch {
		case !ok:
		case fb.HTTP != nil:
			got = fb.HTTP.URL
		default:
			got = "temporal:" + fb.Temporal.Activity + "@" + fb.Temporal.TaskQueue
		}
		if got != c.want {
			t.Errorf("Lookup(%+v) = %q, want %q", c.resource, got, c.want)
		}
	}
}

func TestParseBindingsReportsEveryProblem(t *testing.T) {
	_, err := ParseBindings([]byte(`
functions:
  - resource: shop/price
    http: {url: http://x}
  - resource: services/a/functions/b
  - resource: services/a/functions/c
    http: {url: ftp://x}
  - resource: services/a/functions/d
    temporal: {activity: X}
`))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"functions[0]", "functions[1]", "functions[2]", "functions[3]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestParseBindingsRefusesUnknownKeys(t *testing.T) {
	if _, err := ParseBindings([]byte("functions:\n  - resource: services/a/functions/b\n    htp: {url: http://x}\n")); err == nil {
		t.Error("a misspelt key must be an error, not a silently unbound function")
	}
}

func TestEmptyBindingsBindNothing(t *testing.T) {
	b, err := ParseBindings(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Lookup(fdl.Resource{Kind: fdl.ResourceFunction, Service: "a", Function: "b"}); ok {
		t.Error("nothing is bound")
	}
}

func TestParseBindingsBindsActions(t *testing.T) {
	b, err := ParseBindings([]byte(`
actions:
  - action: ocr:RecognizeIdentityCard
    http:
      url: http://127.0.0.1:9001/ocr
      timeout: 10s
  - action: facebody:DetectFace
    temporal: {activity: DetectFace, taskQueue: vision}
`))
	if err != nil {
		t.Fatal(err)
	}
	if ab, ok := b.LookupAction("ocr:RecognizeIdentityCard"); !ok || ab.HTTP == nil || ab.HTTP.URL != "http://127.0.0.1:9001/ocr" {
		t.Errorf("ocr: %+v, %v", ab, ok)
	}
	if ab, ok := b.LookupAction("facebody:DetectFace"); !ok || ab.Temporal == nil || ab.Temporal.TaskQueue != "vision" {
		t.Errorf("facebody: %+v, %v", ab, ok)
	}
	for _, unbound := range []string{"ocr:RecognizeBankCard", "OCR:RecognizeIdentityCard", ""} {
		if _, ok := b.LookupAction(unbound); ok {
			t.Errorf("%q must not be bound", unbound)
		}
	}
}

func TestParseBindingsReportsEveryActionProblem(t *testing.T) {
	_, err := ParseBindings([]byte(`
functions:
  - resource: nope
    http: {url: http://x}
actions:
  - action: RecognizeIdentityCard
    http: {url: http://x}
  - action: ocr:A
  - action: ocr:B
    http: {url: http://x}
    temporal: {activity: B, taskQueue: q}
  - action: ocr:C
    http: {url: http://x}
  - action: ocr:C
    http: {url: http://y}
`))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{
		"functions[0]: resource",
		"actions[0]: action \"RecognizeIdentityCard\" must look like product:Action",
		"actions[1]: ocr:A: give exactly one of http and temporal",
		"actions[2]: ocr:B: give exactly one of http and temporal",
		"actions[4]: ocr:C is bound twice",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

// An action binding names an action, a function binding a resource: each
// refuses the other's key rather than leave something silently unbound.
func TestBindingsRefuseTheOtherKindsKey(t *testing.T) {
	for _, text := range []string{
		"actions:\n  - resource: services/a/functions/b\n    http: {url: http://x}\n",
		"functions:\n  - action: ocr:A\n    http: {url: http://x}\n",
	} {
		if _, err := ParseBindings([]byte(text)); err == nil {
			t.Errorf("%s: want an error", text)
		}
	}
}

// Unbound says what a step lacks, for fnflow validate --functions; queues,
// topics and child flows need no binding.
func TestUnboundNamesWhatAStepLacks(t *testing.T) {
	b, err := ParseBindings([]byte(`
functions:
  - resource: services/shop/functions/price
    http: {url: http://x}
actions:
  - action: ocr:RecognizeIdentityCard
    http: {url: http://x}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		step *fdl.TaskStep
		want string
	}{
		{&fdl.TaskStep{ResourceArn: "acs:fc:::services/shop.prod/functions/price", Resource: fdl.Resource{Kind: fdl.ResourceFunction, Service: "shop", Qualifier: "prod", Function: "price"}}, ""},
		{&fdl.TaskStep{ResourceArn: "acs:fc:::services/shop/functions/pay", Resource: fdl.Resource{Kind: fdl.ResourceFunction, Service: "shop", Function: "pay"}},
			"function acs:fc:::services/shop/functions/pay is not bound: add services/shop/functions/pay to the functions of the --functions file"},
		{&fdl.TaskStep{Action: "ocr:RecognizeIdentityCard"}, ""},
		{&fdl.TaskStep{Action: "ocr:RecognizeBankCard"}, "action ocr:RecognizeBankCard is not bound: add it to the actions of the --functions file"},
		{&fdl.TaskStep{ResourceArn: "acs:mns:::/queues/q/messages", Resource: fdl.Resource{Kind: fdl.ResourceQueue, Name: "q"}}, ""},
		{&fdl.TaskStep{ResourceArn: "acs:mns:::/topics/t/messages", Resource: fdl.Resource{Kind: fdl.ResourceTopic, Name: "t"}}, ""},
		{&fdl.TaskStep{ResourceArn: "acs:fnf:::flow/child", Resource: fdl.Resource{Kind: fdl.ResourceFlow, Name: "child"}}, ""},
	}
	for _, c := range cases {
		if got := b.Unbound(c.step); got != c.want {
			t.Errorf("Unbound(%s%s) = %q, want %q", c.step.ResourceArn, c.step.Action, got, c.want)
		}
	}
	var none *Bindings
	if got := none.Unbound(&fdl.TaskStep{Action: "ocr:RecognizeIdentityCard"}); got == "" {
		t.Error("no bindings bind no action")
	}
}
