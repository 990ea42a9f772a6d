package mns

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Namespace is the XML namespace of every reply. The docs write it with a
// trailing slash, but Java's namespace-strict error parser and the replies
// captured from the service have none (reference mns-api.md §1.4, Q1).
// Requests are read in any namespace.
const Namespace = "http://mns.aliyuncs.com/doc/v1"

// namespace, as a root element's xmlns attribute field, declares Namespace.
type namespace struct{}

func (namespace) MarshalXMLAttr(xml.Name) (xml.Attr, error) {
	return xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: Namespace}, nil
}

// contentType is the type of every XML body: Node's SDK parses a reply only
// when it says XML, and treats any other as a success.
const contentType = "text/xml;charset=utf-8"

// writeXML writes v as a reply.
func writeXML(c echo.Context, status int, v any) error {
	body, err := marshalReply(v)
	if err != nil {
		return err
	}
	return c.Blob(status, contentType, body)
}

// marshalReply is v as an XML document, with its declaration.
func marshalReply(v any) ([]byte, error) {
	body, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the %T reply: %w", v, err)
	}
	return append([]byte(xml.Header), body...), nil
}

// decodeXML reads a request body into v, whose XMLName names the root it
// must have; the root and its children may be in any namespace. The decoder
// refuses text that is not UTF-8 or holds characters XML cannot carry, so
// every message body stored can be sent back as it came.
func decodeXML(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformedXML("The request body is empty; it must be an XML document.")
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(v); err != nil {
		return errMalformedXML("The request body is not a valid XML document: %v.", err)
	}
	// Decode stops at the root's end; what follows may be only what an XML
	// document may end with.
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errMalformedXML("The request body is not a valid XML document: %v.", err)
		}
		switch tok := tok.(type) {
		case xml.Comment, xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) != 0 {
				return errMalformedXML("The request body has text after its root element.")
			}
		default:
			return errMalformedXML("The request body has content after its root element.")
		}
	}
}

// rootName is the local name of a body's root element, for the paths that
// take two kinds of body (a message or a batch of them).
func rootName(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return "", errMalformedXML("The request body is empty; it must be an XML document.")
		}
		if err != nil {
			return "", errMalformedXML("The request body is not a valid XML document: %v.", err)
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start.Name.Local, nil
		}
	}
}

// intElement reads an optional integer element (nil when absent).
func intElement(name string, text *string) (*int, error) {
	if text == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(*text))
	if err != nil {
		return nil, errInvalidArgument("The %s %q is not an integer.", name, *text)
	}
	return &n, nil
}

// boolElement reads an optional boolean element in any case: Python sends
// True and False, Java and Go true and false.
func boolElement(name string, text *string) (*bool, error) {
	if text == nil {
		return nil, nil
	}
	b, err := parseBool(name, *text)
	if err != nil {
		return nil, err
	}
	return &b, nil
}

func parseBool(name, text string) (bool, error) {
	switch t := strings.TrimSpace(text); {
	case strings.EqualFold(t, "true"):
		return true, nil
	case strings.EqualFold(t, "false"):
		return false, nil
	}
	return false, errInvalidArgument("The %s %q is not a boolean (true or false).", name, text)
}

// formatBool is how booleans go out: PHP's SDK compares with "True" exactly,
// and every other SDK reads it in any case.
func formatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// epochMillis and epochSeconds are how times go out: message times in
// milliseconds, queue, topic and subscription times in seconds (reference
// mns-api.md §1.4, Q9). The zero time is 0.
func epochMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func epochSeconds(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// baseURL is the scheme and host the caller reached, for Location headers,
// resource URLs and HostId.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
