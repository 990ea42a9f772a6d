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
