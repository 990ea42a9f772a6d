package gateway

import (
	"encoding/json"

	"github.com/fnflow/fnflow/internal/payload"
)

// jsonPayload reads an optional JSON object parameter (Input, Output; absent
// is {}) as fnflow will store it, and refuses it now if it could not be
// stored or read back: a client must never get a 200 for a payload that then
// fails its execution. It returns the decoded object and its stored
// encoding, whose size is the one checked. Numbers keep their text and must
// fit a float64 (internal/payload); the stored encoding escapes no HTML, but
// can still grow (U+2028 becomes \u2028), so the limit applies to it and not
// to the text sent.
func jsonPayload(r *request, name string) (map[string]any, json.RawMessage, error) {
	text, err := r.jsonObject(name)
	if err != nil {
		return nil, nil, err
	}
	var object map[string]any
	if err := payload.Unmarshal(text, &object); err != nil {
		return nil, nil, errInvalidArgument("The parameter %s must be a JSON object.", name)
	}
	if err := payload.CheckNumbers(object); err != nil {
		return nil, nil, errInvalidArgument("The parameter %s holds a %v.", name, err)
	}
	stored, err := payload.Marshal(object)
	if err != nil {
		return nil, nil, errInvalidArgument("The parameter %s cannot be stored: %v", name, err)
	}
	if len(stored) > maxPayload {
		return nil, nil, errEntityTooLarge()
	}
	return object, stored, nil
}
