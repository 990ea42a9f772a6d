package fdl

import (
	"encoding/json"
	"fmt"
)

// Condition is a parsed choice condition (reference §3.3.1). Its grammar:
//
//	expr    := or
//	or      := and ( "||" and )*
//	and     := not ( "&&" not )*
//	not     := "!" not | cmp
//	cmp     := unary ( ( "==" | "!=" | ">=" | "<=" | ">" | "<" | "in" ) unary )?
//	unary   := "-" unary | primary
//	primary := path | number | string | "true" | "false" | "null" | array | "(" expr ")"
//	array   := "[" ( expr ( "," expr )* )? "]"
//
// Paths start with $ and read the choice step's input. Strings are written in
// double quotes (with Go/JSON escapes) or backticks (raw). There is no
// arithmetic and there are no functions: a condition can only read and
// compare, so a flow cannot run code through it.
//
// Note that "!" binds looser than comparisons: !$.a == 1 means !($.a == 1).
type Condition struct {
	text string
	root condNode
}

// maxConditionDepth bounds nesting so that a hostile condition cannot exhaust
// the stack; real conditions nest a handful of levels.
const maxConditionDepth = 64

// ParseCondition parses a condition and checks the types it can know before
// running: operands of &&, || and ! must be booleans, ordering compares
// numbers or strings, "in" looks into an array or an object, and the whole
// condition must be a boolean.
func ParseCondition(text string) (*Condition, error) {
	toks, err := lexCondition(text)
	if err != nil {
		return nil, err
	}
	p := &condParser{text: text, toks: toks}
	root, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errorf(t.pos, "unexpected %s", describe(t))
	}
	if err := wantBool(text, root, "a condition"); err != nil {
		return nil, err
	}
	return &Condition{text: text, root: root}, nil
}

// String returns the condition as written in the flow.
func (c *Condition) String() string { return c.text }

// condKind is what the parser knows of a node's JSON type before running.
type condKind int

const (
	kindAny condKind = iota // a path: known only at run time
	kindBool
	kindNumber
	kindString
	kindNull
	kindArray
)

func (k condKind) String() string {
	return [...]string{"a value", "a boolean", "a number", "a string", "null", "an array"}[k]
}

// condNode is a node of a parsed condition.
type condNode interface {
	kind() condKind
	pos() int
	eval(input any) (condValue, error)
}

type (
	literalNode struct {
		at  int
		val any
	}
	pathNode struct {
		at   int
		path *Path
	}
	arrayNode struct {
		at    int
		elems []condNode
	}
	notNode struct {
		at int
		x  condNode
	}
	negNode struct {
		at int
		x  condNode
	}
	logicNode struct { // && and ||
		at   int
		op   string
		l, r condNode
	}
	compareNode struct { // == != < <= > >= in
		at   int
		op   string
		l, r condNode
	}
)

func (n *literalNode) pos() int { return n.at }
func (n *pathNode) pos() int    { return n.at }
func (n *arrayNode) pos() int   { return n.at }
func (n *notNode) pos() int     { return n.at }
func (n *negNode) pos() int     { return n.at }
func (n *logicNode) pos() int   { return n.at }
func (n *compareNode) pos() int { return n.at }

func (n *literalNode) kind() condKind {
	switch n.val.(type) {
	case bool:
		return kindBool
	case json.Number:
		return kindNumber
	case string:
		return kindString
	default:
		return kindNull
	}
}
func (n *pathNode) kind() condKind    { return kindAny }
func (n *arrayNode) kind() condKind   { return kindArray }
func (n *notNode) kind() condKind     { return kindBool }
func (n *negNode) kind() condKind     { return kindNumber }
func (n *logicNode) kind() condKind   { return kindBool }
func (n *compareNode) kind() condKind { return kindBool }

// condParser is a recursive-descent parser over the tokens of one condition.
type condParser struct {
	text  string
	toks  []token
	next  int
	depth int
}

func (p *condParser) peek() token { return p.toks[p.next] }

func (p *condParser) take() token {
	t := p.toks[p.next]
	if t.kind != tokEOF {
		p.next++
	}
	return t
}

// accept takes the next token if it is the operator or word op.
func (p *condParser) accept(op string) (token, bool) {
	t := p.peek()
	if (t.kind == tokOp || t.kind == tokWord) && t.text == op {
		return p.take(), true
	}
	return t, false
}

func (p *condParser) errorf(at int, format string, args ...any) error {
	return &SyntaxError{Text: p.text, Offset: at, Msg: fmt.Sprintf(format, args...)}
}

// enter guards recursion depth; every recursive rule calls it.
func (p *condParser) enter(at int) error {
	p.depth++
	if p.depth > maxConditionDepth {
		return p.errorf(at, "condition nests more than %d levels", maxConditionDepth)
	}
	return nil
}

func (p *condParser) parseExpr() (condNode, error) {
	if err := p.enter(p.peek().pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.parseLogic("||", p.parseAnd)
}

func (p *condParser) parseAnd() (condNode, error) {
	return p.parseLogic("&&", p.parseNot)
}

// parseLogic parses operand ( op operand )*, left-associative.
func (p *condParser) parseLogic(op string, operand func() (condNode, error)) (condNode, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.accept(op)
		if !ok {
			return l, nil
		}
		r, err := operand()
		if err != nil {
			return nil, err
		}
		for _, x := range []condNode{l, r} {
			if err := wantBool(p.text, x, "an operand of "+op); err != nil {
				return nil, err
			}
		}
		l = &logicNode{at: t.pos, op: op, l: l, r: r}
	}
}

func (p *condParser) parseNot() (condNode, error) {
	t, ok := p.accept("!")
	if !ok {
		return p.parseCompare()
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	if err := wantBool(p.text, x, "the operand of !"); err != nil {
		return nil, err
	}
	return &notNode{at: t.pos, x: x}, nil
}

var compareOps = []string{"==", "!=", ">=", "<=", ">", "<", "in"}

func (p *condParser) parseCompare() (condNode, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	var op token
	found := false
	for _, o := range compareOps {
		if op, found = p.accept(o); found {
			break
		}
	}
	if !found {
		return l, nil
	}
	r, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tokOp || t.kind == tokWord {
		for _, o := range compareOps {
			if t.text == o {
				return nil, p.errorf(t.pos, "comparisons do not chain; use parentheses and && instead")
			}
		}
	}
	n := &compareNode{at: op.pos, op: op.text, l: l, r: r}
	return n, checkCompare(p.text, n)
}

// checkCompare rejects comparisons whose operand types make them an error
// whatever the input.
func checkCompare(text string, n *compareNode) error {
	lk, rk := n.l.kind(), n.r.kind()
	fail := func(format string, args ...any) error {
		return &SyntaxError{Text: text, Offset: n.at, Msg: fmt.Sprintf(format, args...)}
	}
	switch n.op {
	case "==", "!=":
		return nil // any two values can be compared for equality
	case "in":
		if rk != kindAny && rk != kindArray {
			return fail("the right side of in must be an array or an object, not %s", rk)
		}
		return nil
	default:
		for _, k := range []condKind{lk, rk} {
			if k != kindAny && k != kindNumber && k != kindString {
				return fail("%s compares numbers or strings, not %s", n.op, k)
			}
		}
		if lk != kindAny && rk != kindAny && lk != rk {
			return fail("%s cannot compare %s with %s", n.op, lk, rk)
		}
		return nil
	}
}

func (p *condParser) parseUnary() (condNode, error) {
	t, ok := p.accept("-")
	if !ok {
		return p.parsePrimary()
	}
	if err := p.enter(t.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	switch k := x.kind(); k {
	case kindAny:
		return &negNode{at: t.pos, x: x}, nil
	case kindNumber:
		if lit, ok := x.(*literalNode); ok { // fold -4000 into one literal
			neg, _ := negate(lit.val)
			return &literalNode{at: t.pos, val: neg}, nil
		}
		return &negNode{at: t.pos, x: x}, nil
	default:
		return nil, p.errorf(t.pos, "unary - needs a number, not %s", k)
	}
}

func (p *condParser) parsePrimary() (condNode, error) {
	t := p.take()
	switch t.kind {
	case tokPath:
		path, err := ParsePath(t.text)
		if err != nil {
			if se, ok := err.(*SyntaxError); ok {
				return nil, p.errorf(t.pos+se.Offset, "%s", se.Msg)
			}
			return nil, err
		}
		if path.Root() != RootStep {
			return nil, p.errorf(t.pos, "conditions read the step input with $ (for example $.key), not %s", path.Root())
		}
		return &pathNode{at: t.pos, path: path}, nil
	case tokNumber:
		// The literal keeps its text, so that it equals a json.Number of
		// more digits than a float64 holds.
		return &literalNode{at: t.pos, val: json.Number(t.text)}, nil
	case tokString:
		return &literalNode{at: t.pos, val: t.str}, nil
	case tokWord:
		switch t.text {
		case "true":
			return &literalNode{at: t.pos, val: true}, nil
		case "false":
			return &literalNode{at: t.pos, val: false}, nil
		case "null":
			return &literalNode{at: t.pos, val: nil}, nil
		}
	case tokOp:
		switch t.text {
		case "(":
			x, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if _, ok := p.accept(")"); !ok {
				return nil, p.errorf(p.peek().pos, "expected ) to close the ( at position %d", t.pos+1)
			}
			return x, nil
		case "[":
			return p.parseArray(t)
		}
	}
	return nil, p.errorf(t.pos, "expected a value, found %s", describe(t))
}

func (p *condParser) parseArray(open token) (condNode, error) {
	n := &arrayNode{at: open.pos}
	if _, ok := p.accept("]"); ok {
		return n, nil
	}
	for {
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, x)
		if _, ok := p.accept(","); ok {
			continue
		}
		if _, ok := p.accept("]"); ok {
			return n, nil
		}
		return nil, p.errorf(p.peek().pos, "expected , or ] in the array opened at position %d", open.pos+1)
	}
}

// wantBool rejects a node that cannot be a boolean, naming what it is for.
func wantBool(text string, n condNode, what string) error {
	if k := n.kind(); k != kindBool && k != kindAny {
		return &SyntaxError{Text: text, Offset: n.pos(), Msg: fmt.Sprintf("%s must be a boolean, not %s", what, k)}
	}
	return nil
}

// describe names a token for messages.
func describe(t token) string {
	if t.kind == tokEOF {
		return "the end of the condition"
	}
	return fmt.Sprintf("%q", t.text)
}
