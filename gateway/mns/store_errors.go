package mns

import (
	"errors"
	"net/http"

	"github.com/fnflow/fnflow/queues"
	"github.com/fnflow/fnflow/topics"
)

// storeErrors gives each error of packages queues and topics its MNS status
// and code (reference mns-api.md §1.5 and the decisions beside it).
var storeErrors = []struct {
	err           error
	status        int
	code, message string
}{
	{queues.ErrQueueNotExist, http.StatusNotFound, "QueueNotExist", "The queue does not exist."},
	{queues.ErrQueueExists, http.StatusConflict, "QueueAlreadyExist", "The queue already exists with other attributes."},
	{queues.ErrQueueDeletedRecently, http.StatusBadRequest, "QueueDeletedRecently", "A queue of this name was deleted a moment ago and is still being purged; try again shortly."},
	// A receipt handle that was genuine but is no longer the message's
	// latest (deleted, received again, its visibility changed, expired) is
	// 404; one that is malformed or forged is 400 (decision Q3).
	{queues.ErrMessageNotExist, http.StatusNotFound, "MessageNotExist", "The message does not exist, or the receipt handle is no longer valid."},
	{queues.ErrBadReceiptHandle, http.StatusBadRequest, "ReceiptHandleError", "The receipt handle is not valid for this queue."},
	{topics.ErrTopicNotExist, http.StatusNotFound, "TopicNotExist", "The topic does not exist."},
	{topics.ErrTopicExists, http.StatusConflict, "TopicAlreadyExist", "The topic already exists with other attributes."},
	// MNS documents no code for it; named after QueueDeletedRecently.
	{topics.ErrTopicDeletedRecently, http.StatusBadRequest, "TopicDeletedRecently", "A topic of this name was deleted a moment ago and is still being purged; try again shortly."},
	{topics.ErrSubscriptionNotExist, http.StatusNotFound, "SubscriptionNotExist", "The subscription does not exist."},
	{topics.ErrSubscriptionExists, http.StatusConflict, "SubscriptionAlreadyExist", "The subscription already exists with other attributes."},
}

// storeError is the apiError of an error of packages queues or topics, or
// nil for any other error.
func storeError(err error) *apiError {
	var queueArg *queues.InvalidArgumentError
	if errors.As(err, &queueArg) {
		return &apiError{status: http.StatusBadRequest, code: queueArg.Code, message: queueArg.Message, cause: err}
	}
	var topicArg *topics.InvalidArgumentError
	if errors.As(err, &topicArg) {
		return &apiError{status: http.StatusBadRequest, code: topicArg.Code, message: topicArg.Message, cause: err}
	}
	for _, e := range storeErrors {
		if errors.Is(err, e.err) {
			return &apiError{status: e.status, code: e.code, message: e.message, cause: err}
		}
	}
	return nil
}
