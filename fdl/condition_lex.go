package fdl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind is the kind of one token of a condition.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokPath
	tokNumber
	tokString
	tokWord // true, false, null, in
	tokOp   // == != >= <= > < && || ! - ( ) [ ] ,
)

type token struct {
	kind tokenKind
	text string // as written
	pos  int    // byte offset in the condition
	num  float64
	str  string // tokString: the unquoted value
}

// lexCondition splits a condition into tokens.
func lexCondition(text string) ([]token, error) {
	var toks []token
	fail := func(at int, format string, args ...any) ([]token, error) {
		return nil, &SyntaxError{Text: text, Offset: at, Msg: fmt.Sprintf(format, args...)}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '$':
			end := scanPathEnd(text, i)
			toks = append(toks, token{kind: tokPath, text: text[i:end], pos: i})
			i = end
		case isDigit(c):
			end := scanNumberEnd(text, i)
			n, err := strconv.ParseFloat(text[i:end], 64)
			if err != nil || math.IsInf(n, 0) {
				return fail(i, "invalid number %q", text[i:end])
			}
			toks = append(toks, token{kind: tokNumber, text: text[i:end], pos: i, num: n})
			i = end
		case c == '"' || c == '`':
			end := quotedEnd(text, i)
			if end < 0 {
				return fail(i, "unterminated string")
			}
			raw := text[i:end]
			str := raw[1 : len(raw)-1] // backticks: raw, no escapes
			if c == '"' {
				var err error
				if str, err = strconv.Unquote(raw); err != nil {
					return fail(i, "invalid escape in string %s", raw)
				}
			}
			toks = append(toks, token{kind: tokString, text: raw, pos: i, str: str})
			i = end
		case c == '\'':
			return fail(i, "strings are written in double quotes or backticks, not single quotes")
		case isLetter(text, i):
			end := i
			for end < len(text) && (isLetter(text, end) || isDigit(text[end]) || text[end] == '_') {
				_, size := utf8.DecodeRuneInString(text[end:])
				end += size
			}
			word := text[i:end]
			switch word {
			case "true", "false", "null", "in":
				toks = append(toks, token{kind: tokWord, text: word, pos: i})
			default:
				return fail(i, "unknown name %q (paths start with $, strings are quoted)", word)
			}
			i = end
		default:
			op := ""
			for _, o := range []string{"==", "!=", ">=", "<=", "&&", "||", ">", "<", "!", "-", "(", ")", "[", "]", ","} {
				if strings.HasPrefix(text[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(text[i:])
				switch r {
				case '=':
					return fail(i, "unexpected \"=\" (compare with ==)")
				case '&', '|':
					return fail(i, "unexpected %q (use && or ||)", r)
				case '+', '*', '/', '%':
					return fail(i, "arithmetic is not supported")
				}
				return fail(i, "unexpected %q", r)
			}
			toks = append(toks, token{kind: tokOp, text: op, pos: i})
			i += len(op)
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(text)}), nil
}

// quotedEnd returns the offset after the quote that closes the one at
// text[i], or -1 when there is none. A backslash escapes the next character,
// except between backticks.
func quotedEnd(text string, i int) int {
	q := text[i]
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			return j + 1
		}
	}
	return -1
}

func isLetter(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r == '_' || unicode.IsLetter(r)
}

// scanNumberEnd returns the end of the number starting at text[i]: digits,
// an optional fraction and an optional exponent, as in JSON.
func scanNumberEnd(text string, i int) int {
	digits := func(i int) int {
		for i < len(text) && isDigit(text[i]) {
			i++
		}
		return i
	}
	i = digits(i)
	if i+1 < len(text) && text[i] == '.' && isDigit(text[i+1]) {
		i = digits(i + 1)
	}
	if i < len(text) && (text[i] == 'e' || text[i] == 'E') {
		j := i + 1
		if j < len(text) && (text[j] == '+' || text[j] == '-') {
			j++
		}
		if j < len(text) && isDigit(text[j]) {
			i = digits(j)
		}
	}
	return i
}

// scanPathEnd returns the end of the path starting with the "$" at text[i].
// It takes what can belong to a path (a root name, .key, .*, [...]) and
// leaves checking it to ParsePath.
func scanPathEnd(text string, i int) int {
	i = scanKey(text, i+1) // the letters of $input, $local, $context
	for i < len(text) {
		switch text[i] {
		case '.':
			if i+1 < len(text) && text[i+1] == '*' {
				i += 2
			} else {
				i = scanKey(text, i+1)
			}
		case '[':
			i = scanBracketEnd(text, i)
		default:
			return i
		}
	}
	return i
}

// scanBracketEnd returns the offset after the "]" that closes the "[" at
// text[i], skipping quoted keys, or len(text) when there is none.
func scanBracketEnd(text string, i int) int {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case ']':
			return j + 1
		case '"', '\'':
			if j = quotedEnd(text, j); j < 0 {
				return len(text)
			}
			j-- // the loop steps past the closing quote
		}
	}
	return len(text)
}
