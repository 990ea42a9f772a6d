package fdl

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
)

// A JSON number in flow data is one of two Go types. JSON that crossed
// Temporal (execution input, task results, reports) holds json.Number, whose
// text is exactly what was sent (internal/payload); values fnflow makes
// itself (iteration indexes, event IDs, YAML constants) are float64. Every
// operation on numbers goes through this file, so both mean the same.

// AsNumber reports whether v is a JSON number and gives it as a float64, the
// precision waits and other arithmetic need.
func AsNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	default:
		return 0, false
	}
}

func isNumber(v any) bool {
	switch v.(type) {
	case float64, json.Number:
		return true
	default:
		return false
	}
}

// compareNumbers orders two JSON numbers by their exact decimal value, so
// that 12345678901234567890 and 12345678901234567891 differ though they
// round to the same float64. A float64 stands for its shortest decimal
// text, the number a person wrote or read. ok is false unless both are
// numbers.
func compareNumbers(a, b any) (c int, ok bool) {
	if !isNumber(a) || !isNumber(b) {
		return 0, false
	}
	da, okA := parseDecimal(numberText(a))
	db, okB := parseDecimal(numberText(b))
	if !okA || !okB {
		// Text no decimal reading takes (an exponent past int64); CheckNumbers
		// keeps such numbers out of executions, so float64 order is enough.
		fa, _ := AsNumber(a)
		fb, _ := AsNumber(b)
		return cmp.Compare(fa, fb), true
	}
	return da.compare(db), true
}

// negate returns -v for a JSON number v.
func negate(v any) (any, bool) {
	switch v := v.(type) {
	case float64:
		return -v, true
	case json.Number:
		if rest, found := strings.CutPrefix(string(v), "-"); found {
			return json.Number(rest), true
		}
		return json.Number("-" + string(v)), true
	default:
		return nil, false
	}
}

func numberText(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return string(v.(json.Number))
}

// decimal is a number's exact value: ±0.digits × 10^exp, with digits free of
// leading and trailing zeros ("" for zero, whatever its sign).
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

// parseDecimal reads a JSON number's text.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	s, d.neg = strings.CutPrefix(s, "-")
	mantissa := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.ParseInt(s[i+1:], 10, 64)
		if err != nil || exp > 1<<62 || exp < -1<<62 {
			return decimal{}, false
		}
		mantissa, d.exp = s[:i], exp
	}
	whole, frac, _ := strings.Cut(mantissa, ".")
	digits := whole + frac
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return decimal{}, false
	}
	significant := strings.TrimLeft(digits, "0")
	d.exp += int64(len(whole)) - int64(len(digits)-len(significant))
	d.digits = strings.TrimRight(significant, "0")
	if d.digits == "" {
		return decimal{}, true
	}
	return d, true
}

func (d decimal) compare(e decimal) int {
	if d.sign() != e.sign() {
		return cmp.Compare(d.sign(), e.sign())
	}
	c := cmp.Compare(d.exp, e.exp)
	if c == 0 {
		// Same exponent: digit strings order as the fractions they are.
		c = strings.Compare(d.digits, e.digits)
	}
	if d.neg {
		return -c
	}
	return c
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	default:
		return 1
	}
}
