package topics

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// InvalidArgumentError is a bad name, attribute, endpoint or message. Code
// is the MNS error code: InvalidArgument, TopicNameInvalid,
// TopicNameLengthError, SubscriptionNameInvalid, SubscriptionNameLengthError
// or EndpointInvalid.
type InvalidArgumentError struct{ Code, Message string }

func (e *InvalidArgumentError) Error() string { return e.Message }

func invalid(code, format string, args ...any) *InvalidArgumentError {
	return &InvalidArgumentError{Code: code, Message: fmt.Sprintf(format, args...)}
}

const (
	// maxNameLength bounds topic and subscription names (mns-api.md §6).
	maxNameLength = 255
	// maxTagLength bounds MessageTag and FilterTag.
	maxTagLength = 16
	// maxQueueNameLength bounds the queue of a queue endpoint, by the queue
	// naming rule.
	maxQueueNameLength = 256
	// maxEndpointLength keeps a topic record, which holds all its
	// subscriptions in its workflow's memo, well under Temporal's memo limit.
	maxEndpointLength = 2048
)

// namePattern is MNS's rule for queue, topic and subscription names.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

func checkTopicName(name string) error {
	if len(name) > maxNameLength {
		return invalid("TopicNameLengthError", "the topic name is %d characters long, longer than %d", len(name), maxNameLength)
	}
	if !namePattern.MatchString(name) {
		return invalid("TopicNameInvalid", "the topic name %q must be letters, digits and hyphens, starting with a letter or digit", name)
	}
	return nil
}

func checkSubscriptionName(name string) error {
	if len(name) > maxNameLength {
		return invalid("SubscriptionNameLengthError", "the subscription name is %d characters long, longer than %d", len(name), maxNameLength)
	}
	if !namePattern.MatchString(name) {
		return invalid("SubscriptionNameInvalid", "the subscription name %q must be letters, digits and hyphens, starting with a letter or digit", name)
	}
	return nil
}

func checkTag(what, tag string) error {
	if len(tag) > maxTagLength {
		return invalid("InvalidArgument", "the %s %q is longer than %d characters", what, tag, maxTagLength)
	}
	return nil
}

func checkNotifyStrategy(strategy string) error {
	if strategy != BackoffRetry && strategy != ExponentialDecayRetry {
		return invalid("InvalidArgument", "NotifyStrategy %q must be %s or %s", strategy, BackoffRetry, ExponentialDecayRetry)
	}
	return nil
}

func checkNotifyContentFormat(format string) error {
	if format != FormatXML && format != FormatJSON && format != FormatSimplified {
		return invalid("InvalidArgument", "NotifyContentFormat %q must be %s, %s or %s", format, FormatXML, FormatJSON, FormatSimplified)
	}
	return nil
}

// queueEndpoint is `acs:mns:{region}:{account}:queues/{q}`, or with
// `:/queues/`, as MNS writes queue endpoints.
var queueEndpoint = regexp.MustCompile(`^acs:mns:([^:]*):([^:]*):/?queues/(.+)$`)

// endpointQueue checks an endpoint and returns the queue it names, or "" for
// an HTTP endpoint. The region and account of a queue endpoint are not
// looked at, as in FDL resources: one fnflow is one account, and code
// written for Alibaba Cloud keeps its own region and account in the
// endpoints it subscribes when only the MNS endpoint changes.
func endpointQueue(endpoint string) (string, error) {
	if len(endpoint) > maxEndpointLength {
		return "", invalid("EndpointInvalid", "the endpoint is %d characters long, longer than %d", len(endpoint), maxEndpointLength)
	}
	if m := queueEndpoint.FindStringSubmatch(endpoint); m != nil {
		queue := m[3]
		if len(queue) > maxQueueNameLength || !namePattern.MatchString(queue) {
			return "", invalid("EndpointInvalid", "the endpoint %s does not name a valid queue", endpoint)
		}
		return queue, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
		return "", invalid("EndpointInvalid", "the endpoint %q must be an http:// or https:// URL or acs:mns:{region}:{account}:queues/{queue}", endpoint)
	}
	return "", nil
}
