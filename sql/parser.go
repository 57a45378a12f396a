package sql

import (
	"errors"
	"fmt"
	"strings"
)

// Parse parses a whole source: statements separated by ';' (the last ';'
// may be left out). Each statement keeps its position and exact source text.
// Errors are *Error with absolute line:column; in a source of more than one
// statement they also name the statement's ordinal and first words.
func Parse(src string) ([]Statement, error) {
	toks, lexErr := tokenize(src)
	segments := splitStatements(toks)
	var partial []token
	if lexErr != nil && len(segments) > 0 && !isSemicolon(last(segments[len(segments)-1])) {
		partial = segments[len(segments)-1]
		segments = segments[:len(segments)-1]
	}
	multi := len(segments) > 1 || (lexErr != nil && len(segments) > 0)
	var out []Statement
	for i, seg := range segments {
		st, err := parseSegment(src, seg)
		if err != nil {
			return out, annotate(err, i+1, seg, multi)
		}
		out = append(out, st)
	}
	if lexErr != nil {
		return out, annotate(lexErr, len(segments)+1, partial, multi)
	}
	return out, nil
}

func last(ts []token) token { return ts[len(ts)-1] }

// ParseOne parses a source holding exactly one statement.
func ParseOne(src string) (Statement, error) {
	sts, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if len(sts) != 1 {
		return nil, &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("expected one statement, found %d", len(sts))}
	}
	return sts[0], nil
}

func isSemicolon(t token) bool { return t.kind == tokOp && t.text == ";" }

// splitStatements cuts the token stream at ';' tokens; each segment keeps
// its ';' (if any). Empty statements are dropped.
func splitStatements(toks []token) [][]token {
	var segs [][]token
	start := 0
	for i, t := range toks {
		switch {
		case t.kind == tokEOF:
			if i > start {
				segs = append(segs, toks[start:i])
			}
			return segs
		case isSemicolon(t):
			if i > start {
				segs = append(segs, toks[start:i+1])
			}
			start = i + 1
		}
	}
	if len(toks) > start {
		segs = append(segs, toks[start:])
	}
	return segs
}

// annotate adds the statement ordinal and head to err when the source is
// a multi-statement file.
func annotate(err error, ordinal int, seg []token, multi bool) error {
	var e *Error
	if !multi || !errors.As(err, &e) {
		return err
	}
	e.Statement = ordinal
	e.StatementHead = statementHead(seg)
	return e
}

// statementHead is the first three words of a statement and an ellipsis.
func statementHead(seg []token) string {
	var words []string
	for _, t := range seg {
		if len(words) == 3 || isSemicolon(t) || t.kind == tokEOF {
			break
		}
		w := t.raw
		if t.kind == tokIdent {
			w = t.text
		}
		words = append(words, w)
	}
	if len(words) == 0 {
		return "…"
	}
	return strings.Join(words, " ") + " …"
}

// parseSegment parses one statement from its tokens.
func parseSegment(src string, seg []token) (Statement, error) {
	end := seg[len(seg)-1]
	toks := append(append([]token(nil), seg...), token{kind: tokEOF, pos: endPos(end)})
	if isSemicolon(end) {
		toks[len(toks)-1].pos = end.pos
	}
	p := &parser{toks: toks}
	st, err := p.statement()
	if err != nil {
		return nil, err
	}
	if !p.atEnd() {
		return nil, p.trailingError()
	}
	base := stmtBaseOf(st)
	base.At = seg[0].pos
	base.Src = src[seg[0].pos.Offset : end.pos.Offset+len(end.raw)]
	return st, nil
}

func endPos(t token) Pos {
	return Pos{Line: t.pos.Line, Col: t.pos.Col + len([]rune(t.raw)), Offset: t.pos.Offset + len(t.raw)}
}

func stmtBaseOf(st Statement) *stmtBase {
	switch s := st.(type) {
	case *CreateSource:
		return &s.stmtBase
	case *CreateAs:
		return &s.stmtBase
	case *InsertInto:
		return &s.stmtBase
	case *InsertValues:
		return &s.stmtBase
	case *Drop:
		return &s.stmtBase
	case *Show:
		return &s.stmtBase
	case *Describe:
		return &s.stmtBase
	case *Terminate:
		return &s.stmtBase
	case *SetProperty:
		return &s.stmtBase
	case *UnsetProperty:
		return &s.stmtBase
	case *QueryStatement:
		return &s.stmtBase
	}
	panic(fmt.Sprintf("sql: statement type %T has no base", st))
}

// parser is a recursive-descent parser over one statement's tokens.
type parser struct {
	toks []token
	i    int
	// implicitAlias is the last alias written without AS, to suggest a
	// keyword when it was a misspelt clause (FROM s WHER …).
	implicitAlias *token
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *parser) atEnd() bool {
	t := p.peek()
	return t.kind == tokEOF || isSemicolon(t)
}

// isKw reports whether the next token is the unquoted keyword kw.
func (p *parser) isKw(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == kw
}

func (p *parser) isKwAt(k int, kw string) bool {
	t := p.peekAt(k)
	return t.kind == tokIdent && t.text == kw
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) (token, error) {
	if p.isKw(kw) {
		return p.next(), nil
	}
	return token{}, p.unexpected("'" + kw + "'")
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tokOp && t.text == op
}

func (p *parser) acceptOp(op string) bool {
	if p.isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expectOp(op string) (token, error) {
	if p.isOp(op) {
		return p.next(), nil
	}
	return token{}, p.unexpected("'" + op + "'")
}

// unexpected reports the next token as a syntax error.
func (p *parser) unexpected(expected string) *Error {
	t := p.peek()
	return errorf(t.pos, t.raw, "syntax error at %s: expected %s", t.describe(), expected)
}

// trailingError reports a token after a complete statement, suggesting a
// clause keyword when the previous alias looks like a misspelt one.
func (p *parser) trailingError() *Error {
	if a := p.implicitAlias; a != nil && a.kind == tokIdent {
		if hint := didYouMean(a.text, clauseKeywords); hint != "" {
			return errorf(a.pos, a.raw, "syntax error at '%s'%s", a.raw, hint)
		}
	}
	return p.unexpected("';' or end of input")
}

var clauseKeywords = []string{"WHERE", "GROUP", "PARTITION", "HAVING", "EMIT", "WINDOW", "LIMIT",
	"JOIN", "LEFT", "INNER", "RIGHT", "FULL", "WITHIN", "ON"}

// ident parses an identifier: unquoted (upper-cased) and not reserved, or
// quoted (case kept).
func (p *parser) ident(what string) (Name, error) {
	t := p.peek()
	switch {
	case t.kind == tokQuotedIdent:
		p.i++
		return Name{Name: t.text, At: t.pos}, nil
	case t.kind == tokIdent && !reservedWords[t.text]:
		p.i++
		return Name{Name: t.text, At: t.pos}, nil
	case t.kind == tokIdent:
		return Name{}, errorf(t.pos, t.raw, "syntax error at '%s': expected %s; '%s' is a reserved word (quote it as `%s` to use it as a name)", t.raw, what, t.raw, t.raw)
	}
	return Name{}, p.unexpected(what)
}

// statement dispatches on the first keyword.
func (p *parser) statement() (Statement, error) {
	t := p.peek()
	switch {
	case p.isKw("SELECT"):
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		return &QueryStatement{Query: q}, nil
	case p.isKw("CREATE"):
		return p.create()
	case p.isKw("INSERT"):
		return p.insert()
	case p.isKw("DROP"):
		return p.drop()
	case p.isKw("SHOW"), p.isKw("LIST"):
		return p.show()
	case p.isKw("DESCRIBE"):
		return p.describe()
	case p.isKw("TERMINATE"):
		return p.terminate()
	case p.isKw("SET"):
		return p.set()
	case p.isKw("UNSET"):
		return p.unset()
	}
	hint := ""
	if t.kind == tokIdent {
		hint = didYouMean(t.text, statementKeywords)
	}
	return nil, errorf(t.pos, t.raw, "syntax error at %s: expected a statement (%s)%s",
		t.describe(), strings.Join(statementKeywords, ", "), hint)
}

var statementKeywords = []string{"CREATE", "DESCRIBE", "DROP", "INSERT", "LIST", "SELECT", "SET",
	"SHOW", "TERMINATE", "UNSET"}
