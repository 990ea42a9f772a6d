package fdl

import (
	"strings"
	"testing"
)

// The resourceArn forms of reference §3.1.
func TestParseResourceArn(t *testing.T) {
	tests := []struct {
		arn     string
		want    Resource
		wantErr string
	}{
		{"acs:fc:::services/s/functions/f", Resource{Kind: ResourceFunction, Service: "s", Function: "f"}, ""},
		{"acs:fc:cn-hangzhou:123456:services/svc.prod/functions/fn", Resource{Kind: ResourceFunction, Region: "cn-hangzhou", Account: "123456", Service: "svc", Qualifier: "prod", Function: "fn"}, ""},
		{"acs:fc:::services/svc.1/functions/fn", Resource{Kind: ResourceFunction, Service: "svc", Qualifier: "1", Function: "fn"}, ""},
		{"acs:mns:::/queues/q1/messages", Resource{Kind: ResourceQueue, Name: "q1"}, ""},
		{"acs:mns:cn-shanghai:1:/queues/q1/messages", Resource{Kind: ResourceQueue, Region: "cn-shanghai", Account: "1", Name: "q1"}, ""},
		{"acs:mns:::/topics/t1/messages", Resource{Kind: ResourceTopic, Name: "t1"}, ""},
		{"acs:fnf:::flow/child_flow", Resource{Kind: ResourceFlow, Name: "child_flow"}, ""},
		{"", Resource{}, "is not an ARN"},
		{"acs:fc", Resource{}, "is not an ARN"},
		{"aws:fc:::services/s/functions/f", Resource{}, "is not an ARN"},
		{"acs:fc:::services//functions/f", Resource{}, "services/{service}"},
		{"acs:fc:::services/s/functions/", Resource{}, "services/{service}"},
		{"acs:fc:::services/.q/functions/f", Resource{}, "services/{service}"},
		{"acs:fc:::services/s/functions/f/extra", Resource{}, "services/{service}"},
		{"acs:mns:::/queues//messages", Resource{}, "/queues/{queue}"},
		{"acs:mns:::/queues/q", Resource{}, "/queues/{queue}"},
		{"acs:mns:::/subscriptions/q/messages", Resource{}, "/queues/{queue}"},
		{"acs:fnf:::flow/", Resource{}, "flow/{flow}"},
		{"acs:fnf:::flows/x", Resource{}, "flow/{flow}"},
		{"acs:oss:::bucket/key", Resource{}, `not on "oss"`},
	}
	for _, tt := range tests {
		got, err := ParseResourceArn(tt.arn)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseResourceArn(%q) error = %v, want it to contain %q", tt.arn, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseResourceArn(%q) = %+v, %v; want %+v", tt.arn, got, err, tt.want)
		}
	}
}
