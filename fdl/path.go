package fdl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Path is a parsed path expression (reference §2.7): a root followed by
// segments, each a key (.key or ["key"]), an index ([n], negative counts from
// the end) or a wildcard ([*] or .*).
//
// The roots are $input, $local and $context in mappings, and $ (the step's own
// input) in conditions, wait values, foreach collections and serviceParams.
//
// The dialect is a small subset of JSONPath: recursive descent, slices,
// unions and filters are rejected when the flow is parsed. We parse it
// ourselves rather than with ojg's jp package because jp's dot keys stop at
// "-" (so $input.content-type would not parse), its wildcards over objects
// follow Go's random map order (workflow code must be deterministic), and its
// Get cannot tell a missing key from a null value, which mappings and
// conditions treat differently. jp still serves as the reference: the tests
// check that every path we accept finds what the same JSONPath finds.
type Path struct {
	text string
	root string
	segs []segment
}

// segment is one step of a path after the root.
type segment struct {
	kind  segmentKind
	key   string // segKey
	index int    // segIndex
}

type segmentKind int

const (
	segKey segmentKind = iota
	segIndex
	segWildcard
)

// Path roots.
const (
	RootInput   = "$input"
	RootLocal   = "$local"
	RootContext = "$context"
	RootStep    = "$"
)

// maxPathIndex bounds [n] so that indexes never overflow; no JSON array an
// execution can hold comes near it.
const maxPathIndex = 1<<31 - 1

// NotFoundError is the error Get returns when the path leads nowhere: a key
// is missing, an index is out of range, or a value has the wrong type to go
// further. Conditions treat such paths as missing; mappings fail (docs/fdl.md).
type NotFoundError struct {
	msg string
}

func (e *NotFoundError) Error() string { return e.msg }

// SyntaxError is a path or condition that does not parse. Offset is the
// 0-based byte offset of the problem in Text.
type SyntaxError struct {
	Text   string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at position %d of %q", e.Msg, e.Offset+1, e.Text)
}

// ParsePath parses a path with any root. Callers that allow only some roots
// check Root.
func ParsePath(text string) (*Path, error) {
	root := pathRoot(text)
	if root == "" {
		return nil, &SyntaxError{Text: text, Msg: "a path starts with $, $input, $local or $context"}
	}
	p := &Path{text: text, root: root}
	for i := len(root); i < len(text); {
		seg, next, err := parseSegment(text, i)
		if err != nil {
			return nil, err
		}
		p.segs = append(p.segs, seg)
		i = next
	}
	return p, nil
}

// pathRoot returns the root text starts with, or "" when it has none. A root
// must be followed by the end, "." or "[", so "$inputs" has no root.
func pathRoot(text string) string {
	for _, root := range []string{RootInput, RootLocal, RootContext, RootStep} {
		rest, ok := strings.CutPrefix(text, root)
		if ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return root
		}
	}
	return ""
}

// parseSegment parses the segment starting at text[i].
func parseSegment(text string, i int) (segment, int, error) {
	fail := func(at int, format string, args ...any) (segment, int, error) {
		return segment{}, 0, &SyntaxError{Text: text, Offset: at, Msg: fmt.Sprintf(format, args...)}
	}
	switch text[i] {
	case '.':
		i++
		if i < len(text) && text[i] == '*' {
			return segment{kind: segWildcard}, i + 1, nil
		}
		if i < len(text) && text[i] == '.' {
			return fail(i-1, "recursive descent (..) is not supported")
		}
		end := scanKey(text, i)
		if end == i {
			return fail(i, "expected a key after \".\" (write other keys as [\"key\"])")
		}
		return segment{kind: segKey, key: text[i:end]}, end, nil
	case '[':
		j := skipSpaces(text, i+1)
		if j >= len(text) {
			return fail(i, "unterminated [")
		}
		var seg segment
		switch c := text[j]; {
		case c == '*':
			seg, j = segment{kind: segWildcard}, j+1
		case c == '"' || c == '\'':
			key, end, err := scanQuoted(text, j)
			if err != nil {
				return segment{}, 0, err
			}
			seg, j = segment{kind: segKey, key: key}, end
		case c == '-' || isDigit(c):
			end := j + 1
			for end < len(text) && isDigit(text[end]) {
				end++
			}
			n, err := strconv.Atoi(text[j:end])
			if err != nil || n > maxPathIndex || n < -maxPathIndex {
				return fail(j, "invalid index %q", text[j:end])
			}
			seg, j = segment{kind: segIndex, index: n}, end
		case c == '?':
			return fail(j, "filters ([?...]) are not supported")
		default:
			return fail(j, "expected an index, * or a quoted key after [")
		}
		j = skipSpaces(text, j)
		if j < len(text) && (text[j] == ',' || text[j] == ':') {
			return fail(j, "unions and slices are not supported")
		}
		if j >= len(text) || text[j] != ']' {
			return fail(j, "expected ]")
		}
		return seg, j + 1, nil
	default:
		return fail(i, "unexpected %q", rune(text[i]))
	}
}

// scanKey returns the end of the dot key starting at text[i]: letters,
// digits, "_" and, after the first character, "-".
func scanKey(text string, i int) int {
	start := i
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || (r == '-' && i > start)) {
			break
		}
		i += size
	}
	return i
}

// scanQuoted reads the quoted key starting at text[i] (a double or single
// quote) and returns it unquoted with the offset after the closing quote.
// Double-quoted keys use Go/JSON escapes; single-quoted keys may escape only
// the quote and the backslash.
func scanQuoted(text string, i int) (string, int, error) {
	end := quotedEnd(text, i)
	if end < 0 {
		return "", 0, &SyntaxError{Text: text, Offset: i, Msg: "unterminated quoted key"}
	}
	raw := text[i:end]
	if raw[0] == '\'' {
		return strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(raw[1 : len(raw)-1]), end, nil
	}
	s, err := strconv.Unquote(raw)
	if err != nil {
		return "", 0, &SyntaxError{Text: text, Offset: i, Msg: "invalid escape in quoted key"}
	}
	return s, end, nil
}

func skipSpaces(text string, i int) int {
	for i < len(text) && text[i] == ' ' {
		i++
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// String returns the path as written in the flow.
func (p *Path) String() string { return p.text }

// Root returns the root the path starts with: RootInput, RootLocal,
// RootContext or RootStep.
func (p *Path) Root() string { return p.root }

// Get evaluates the path against root, the value the root stands for.
//
// Without a wildcard, the path must lead to a value, and Get returns it.
// After a wildcard, Get returns an array of every value the rest of the path
// leads to, flattening chained wildcards ($local[*].parts[*] is one array of
// all parts); elements where the rest of the path leads nowhere are skipped,
// as in JSONPath. A wildcard over an object takes its values in key order,
// so that results never depend on map order.
//
// The result shares maps and slices with root; copy it before changing it.
func (p *Path) Get(root any) (any, error) {
	values := []any{root}
	projected := false
	for i, seg := range p.segs {
		var next []any
		for _, v := range values {
			got, err := seg.apply(v)
			if err != nil {
				if projected {
					continue
				}
				return nil, &NotFoundError{msg: p.prefix(i) + err.Error()}
			}
			next = append(next, got...)
		}
		values = next
		projected = projected || seg.kind == segWildcard
	}
	if projected {
		if values == nil {
			values = []any{}
		}
		return values, nil
	}
	return values[0], nil
}

// apply returns the values one segment leads to from v, or an error saying
// why there are none.
func (s segment) apply(v any) ([]any, error) {
	switch s.kind {
	case segKey:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf(" is %s, not an object", article(JSONType(v)))
		}
		e, ok := obj[s.key]
		if !ok {
			return nil, fmt.Errorf(" has no key %q", s.key)
		}
		return []any{e}, nil
	case segIndex:
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf(" is %s, not an array", article(JSONType(v)))
		}
		i := s.index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return nil, fmt.Errorf(" has %d elements, no index %d", len(arr), s.index)
		}
		return []any{arr[i]}, nil
	default: // segWildcard
		switch v := v.(type) {
		case []any:
			return v, nil
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = v[k]
			}
			return out, nil
		default:
			return nil, fmt.Errorf(" is %s, not an array or object", article(JSONType(v)))
		}
	}
}

// prefix renders the path up to (not including) segment n, for messages.
func (p *Path) prefix(n int) string {
	var b strings.Builder
	b.WriteString(p.root)
	for _, s := range p.segs[:n] {
		switch s.kind {
		case segKey:
			if scanKey(s.key, 0) == len(s.key) && s.key != "" {
				b.WriteString("." + s.key)
			} else {
				b.WriteString("[" + strconv.Quote(s.key) + "]")
			}
		case segIndex:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		default:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// article puts "a" or "an" before a JSON type name.
func article(typ string) string {
	switch typ {
	case "array", "object", "unsupported value":
		return "an " + typ
	case "null":
		return typ
	default:
		return "a " + typ
	}
}
