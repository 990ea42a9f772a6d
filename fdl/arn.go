package fdl

import (
	"fmt"
	"strings"
)

// ParseResourceArn takes a task's resourceArn apart (reference §3.1):
//
//	acs:fc:{region}:{account}:services/{service}[.{qualifier}]/functions/{function}
//	acs:mns:{region}:{account}:/queues/{queue}/messages
//	acs:mns:{region}:{account}:/topics/{topic}/messages
//	acs:fnf:{region}:{account}:flow/{flow}
//
// Region and account are usually empty, meaning the flow's own.
func ParseResourceArn(arn string) (Resource, error) {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) != 5 || parts[0] != "acs" {
		return Resource{}, fmt.Errorf("%q is not an ARN of the form acs:{product}:{region}:{account}:{resource}", arn)
	}
	r := Resource{Region: parts[2], Account: parts[3]}
	product, res := parts[1], parts[4]
	segs := strings.Split(strings.TrimPrefix(res, "/"), "/")
	bad := func(form string) (Resource, error) {
		return Resource{}, fmt.Errorf("%q: the resource of an %s ARN has the form %s", arn, product, form)
	}
	switch product {
	case "fc":
		const form = "services/{service}[.{qualifier}]/functions/{function}"
		if len(segs) != 4 || segs[0] != "services" || segs[2] != "functions" || segs[1] == "" || segs[3] == "" {
			return bad(form)
		}
		r.Kind, r.Function = ResourceFunction, segs[3]
		service, qualifier, hasQualifier := strings.Cut(segs[1], ".")
		if service == "" || (hasQualifier && qualifier == "") {
			return bad(form)
		}
		r.Service, r.Qualifier = service, qualifier
	case "mns":
		const form = "/queues/{queue}/messages or /topics/{topic}/messages"
		if len(segs) != 3 || segs[1] == "" || segs[2] != "messages" {
			return bad(form)
		}
		switch segs[0] {
		case "queues":
			r.Kind = ResourceQueue
		case "topics":
			r.Kind = ResourceTopic
		default:
			return bad(form)
		}
		r.Name = segs[1]
	case "fnf":
		if len(segs) != 2 || segs[0] != "flow" || !ValidName(segs[1]) {
			return bad("flow/{flow}, where {flow} is a valid flow name")
		}
		r.Kind, r.Name = ResourceFlow, segs[1]
	default:
		return Resource{}, fmt.Errorf("%q: fnflow runs tasks on fc functions, mns queues and topics and fnf flows, not on %q", arn, product)
	}
	return r, nil
}
