package fdl

import (
	"cmp"
	"errors"
	"fmt"
)

// condValue is the result of evaluating a condition node: a JSON value, or
// missing when a path leads nowhere.
type condValue struct {
	v       any
	missing bool
}

var missing = condValue{missing: true}

// Eval evaluates the condition against input, the choice step's input.
//
// Values compare strictly by JSON type (docs/fdl.md, "Comparisons"): == is
// false between a number and a string whatever their text, and ordering a
// number against a string is an error. A path that leads nowhere makes any
// comparison it takes part in false (== and != alike) and is false as a
// truth value, so such inputs fall through to the default branch.
func (c *Condition) Eval(input any) (bool, error) {
	v, err := c.root.eval(input)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", c.text, err)
	}
	b, err := truth(c.root, v)
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", c.text, err)
	}
	return b, nil
}

// truth reads v as a boolean: missing and null are false, and any type other
// than boolean is an error rather than a guess.
func truth(n condNode, v condValue) (bool, error) {
	if v.missing || v.v == nil {
		return false, nil
	}
	b, ok := v.v.(bool)
	if !ok {
		return false, fmt.Errorf("%s is %s, not a boolean", nodeText(n), article(JSONType(v.v)))
	}
	return b, nil
}

// nodeText names a node in runtime messages: a path by its text, anything
// else by its value.
func nodeText(n condNode) string {
	if p, ok := n.(*pathNode); ok {
		return p.path.String()
	}
	return "the value"
}

func (n *literalNode) eval(any) (condValue, error) { return condValue{v: n.val}, nil }

func (n *pathNode) eval(input any) (condValue, error) {
	v, err := n.path.Get(input)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return missing, nil
	}
	return condValue{v: v}, err
}

func (n *arrayNode) eval(input any) (condValue, error) {
	arr := make([]any, len(n.elems))
	for i, e := range n.elems {
		v, err := e.eval(input)
		if err != nil || v.missing {
			return v, err // an array with a missing element is missing as a whole
		}
		arr[i] = v.v
	}
	return condValue{v: arr}, nil
}

func (n *notNode) eval(input any) (condValue, error) {
	v, err := n.x.eval(input)
	if err != nil {
		return v, err
	}
	b, err := truth(n.x, v)
	return condValue{v: !b}, err
}

func (n *negNode) eval(input any) (condValue, error) {
	v, err := n.x.eval(input)
	if err != nil || v.missing {
		return v, err
	}
	neg, ok := negate(v.v)
	if !ok {
		return v, fmt.Errorf("unary - needs a number, but %s is %s", nodeText(n.x), article(JSONType(v.v)))
	}
	return condValue{v: neg}, nil
}

// eval short-circuits: the right side is evaluated only when the left side
// does not decide the result.
func (n *logicNode) eval(input any) (condValue, error) {
	l, err := n.l.eval(input)
	if err != nil {
		return l, err
	}
	lb, err := truth(n.l, l)
	if err != nil {
		return l, err
	}
	if (n.op == "&&") != lb { // false && x, true || x
		return condValue{v: lb}, nil
	}
	r, err := n.r.eval(input)
	if err != nil {
		return r, err
	}
	rb, err := truth(n.r, r)
	return condValue{v: rb}, err
}

func (n *compareNode) eval(input any) (condValue, error) {
	l, err := n.l.eval(input)
	if err != nil {
		return l, err
	}
	r, err := n.r.eval(input)
	if err != nil {
		return r, err
	}
	if l.missing || r.missing {
		return condValue{v: false}, nil
	}
	switch n.op {
	case "==":
		return condValue{v: jsonEqual(l.v, r.v)}, nil
	case "!=":
		return condValue{v: !jsonEqual(l.v, r.v)}, nil
	case "in":
		b, err := n.in(l.v, r.v)
		return condValue{v: b}, err
	default:
		b, err := n.order(l.v, r.v)
		return condValue{v: b}, err
	}
}

// in reports whether x is an element of the array c, or a key of the object
// c. A null c holds nothing.
func (n *compareNode) in(x, c any) (bool, error) {
	switch c := c.(type) {
	case nil:
		return false, nil
	case []any:
		for _, e := range c {
			if jsonEqual(x, e) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		key, ok := x.(string)
		if !ok {
			return false, nil // object keys are strings; nothing else is one
		}
		_, found := c[key]
		return found, nil
	default:
		return false, fmt.Errorf("in needs an array or an object on the right, but %s is %s", nodeText(n.r), article(JSONType(c)))
	}
}

// order applies <, <=, > or >= to two numbers or two strings (strings order
// by Unicode code point).
func (n *compareNode) order(l, r any) (bool, error) {
	if c, ok := compareNumbers(l, r); ok {
		return n.holds(c), nil
	}
	if l, ok := l.(string); ok {
		if r, ok := r.(string); ok {
			return n.holds(cmp.Compare(l, r)), nil
		}
	}
	if JSONType(l) == JSONType(r) {
		return false, fmt.Errorf("%s compares numbers or strings, not %s", n.op, article(JSONType(l)))
	}
	return false, fmt.Errorf("%s cannot compare %s with %s", n.op, article(JSONType(l)), article(JSONType(r)))
}

// holds reports whether the ordering operator accepts the comparison result c.
func (n *compareNode) holds(c int) bool {
	switch n.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	default: // ">="
		return c >= 0
	}
}
