// Package payload is fnflow's one rule for JSON that crosses Temporal: the
// execution input a gateway starts with, the output a worker reports, the
// values a flow passes between steps, and every event detail.
//
//   - Numbers keep their exact text. Decoding uses json.Number, so
//     12345678901234567890 and a 30-digit number come back as they were sent,
//     not rounded through float64. A number too large for a float64 (1e999999)
//     is refused by CheckNumbers before anything stores it: conditions
//     compare numbers as float64 and could not read it.
//   - What is stored is what was checked. Encoding never escapes HTML, so a
//     400 KB string of "<" is stored as 400 KB, not as 2.4 MB of "\u003c";
//     the size a gateway checks (Marshal's length) is the size Temporal sees.
//
// Converter is the Temporal data converter built on that rule. Every client
// fnflow dials (worker, gateway, tests, replayers) uses it: a workflow
// decodes its input with its worker's client's converter.
package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Converter is the data converter of every fnflow Temporal client. It is
// Temporal's default converter with the JSON payload converter replaced by
// one that follows this package's rule; the encoding name stays "json/plain",
// so histories written by the default converter read the same, and workers
// written with any Temporal SDK read what fnflow writes.
var Converter converter.DataConverter = converter.NewCompositeDataConverter(
	converter.NewNilPayloadConverter(),
	converter.NewByteSlicePayloadConverter(),
	converter.NewProtoJSONPayloadConverter(),
	converter.NewProtoPayloadConverter(),
	jsonConverter{},
)

// Marshal encodes v as compact JSON without HTML escaping: the bytes a
// payload holds. A json.RawMessage is compacted, not re-escaped.
func Marshal(v any) ([]byte, error) {
	if raw, ok := v.(json.RawMessage); ok {
		var out bytes.Buffer
		if err := json.Compact(&out, raw); err != nil {
			return nil, fmt.Errorf("encoding JSON: %w", err)
		}
		return out.Bytes(), nil
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding JSON: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// Unmarshal decodes one JSON value into v with numbers as json.Number.
// Anything after the value but white space is an error.
func Unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("decoding JSON: data after the value")
	}
	return nil
}

// ErrNumberRange is wrapped by CheckNumbers' error for a number out of range.
var ErrNumberRange = errors.New("number out of range")

// CheckNumbers walks a decoded value and refuses a json.Number that does not
// fit a float64. Such a number is valid JSON, but a condition comparing it,
// a wait reading it as seconds, or another SDK decoding it could not.
func CheckNumbers(v any) error {
	switch v := v.(type) {
	case json.Number:
		if _, err := strconv.ParseFloat(string(v), 64); err != nil {
			return fmt.Errorf("%w: %s does not fit a 64-bit float", ErrNumberRange, shorten(string(v)))
		}
	case map[string]any:
		for _, e := range v {
			if err := CheckNumbers(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := CheckNumbers(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func shorten(s string) string {
	if len(s) <= 32 {
		return s
	}
	return s[:32] + "…"
}

// jsonConverter is the "json/plain" payload converter of this package's rule.
type jsonConverter struct{}

func (jsonConverter) ToPayload(value any) (*commonpb.Payload, error) {
	data, err := Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", converter.ErrUnableToEncode, err)
	}
	return &commonpb.Payload{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)},
		Data:     data,
	}, nil
}

func (jsonConverter) FromPayload(p *commonpb.Payload, valuePtr any) error {
	if err := Unmarshal(p.GetData(), valuePtr); err != nil {
		return fmt.Errorf("%w: %v", converter.ErrUnableToDecode, err)
	}
	return nil
}

func (jsonConverter) ToString(p *commonpb.Payload) string { return string(p.GetData()) }

func (jsonConverter) Encoding() string { return converter.MetadataEncodingJSON }
