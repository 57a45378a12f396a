package sql

import (
	"strings"
	"unicode/utf8"
)

// tokKind classifies tokens. Keywords are tokIdent tokens whose upper-cased
// text is a keyword: the parser decides from context, as ksqlDB lets
// non-reserved keywords serve as identifiers.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuotedIdent // `back-quoted` or "double-quoted": keeps case
	tokString      // 'single-quoted', '' unescaped
	tokInteger
	tokDecimal // digits with a point, no exponent: a DECIMAL literal
	tokFloat   // with an exponent: a DOUBLE literal
	tokOp      // punctuation and operators; Text holds it
)

// token is one lexeme. Text is normalised (identifiers upper-cased, quotes
// removed); Raw is the source text, for messages and statement text.
type token struct {
	kind tokKind
	text string
	raw  string
	pos  Pos
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of input"
	case tokString:
		return t.raw
	}
	return "'" + t.raw + "'"
}

// lexer turns source into tokens; comments and white space are skipped.
type lexer struct {
	src  string
	off  int
	line int
	col  int
}

func newLexer(src string) *lexer { return &lexer{src: src, line: 1, col: 1} }

// tokenize lexes the whole source; the last token is tokEOF.
func tokenize(src string) ([]token, error) {
	lx := newLexer(src)
	var toks []token
	for {
		t, err := lx.next()
		if err != nil {
			return toks, err
		}
		toks = append(toks, t)
		if t.kind == tokEOF {
			return toks, nil
		}
	}
}

func (lx *lexer) pos() Pos { return Pos{Line: lx.line, Col: lx.col, Offset: lx.off} }

func (lx *lexer) peekByte(k int) byte {
	if lx.off+k < len(lx.src) {
		return lx.src[lx.off+k]
	}
	return 0
}

// advance consumes n bytes, tracking line and rune column.
func (lx *lexer) advance(n int) {
	end := lx.off + n
	for lx.off < end {
		r, size := utf8.DecodeRuneInString(lx.src[lx.off:])
		lx.off += size
		if r == '\n' {
			lx.line++
			lx.col = 1
		} else {
			lx.col++
		}
	}
}

func (lx *lexer) skipSpaceAndComments() error {
	for lx.off < len(lx.src) {
		c := lx.src[lx.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f':
			lx.advance(1)
		case c == '-' && lx.peekByte(1) == '-':
			for lx.off < len(lx.src) && lx.src[lx.off] != '\n' {
				lx.advance(1)
			}
		case c == '/' && lx.peekByte(1) == '*':
			start := lx.pos()
			end := strings.Index(lx.src[lx.off+2:], "*/")
			if end < 0 {
				return errorf(start, "/*", "unterminated comment '/*'")
			}
			lx.advance(end + 4)
		default:
			return nil
		}
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isIdentChar(c byte) bool {
	return isLetter(c) || isDigit(c) || c == '_' || c == '@' || c >= 0x80
}

// next returns the next token.
func (lx *lexer) next() (token, error) {
	if err := lx.skipSpaceAndComments(); err != nil {
		return token{}, err
	}
	start := lx.pos()
	if lx.off >= len(lx.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	c := lx.src[lx.off]
	switch {
	case isLetter(c) || c == '_' || c >= 0x80:
		return lx.ident(start)
	case isDigit(c) || (c == '.' && isDigit(lx.peekByte(1))):
		return lx.number(start)
	case c == '\'':
		return lx.quoted(start, '\'', tokString)
	case c == '`':
		return lx.quoted(start, '`', tokQuotedIdent)
	case c == '"':
		return lx.quoted(start, '"', tokQuotedIdent)
	}
	for _, op := range operators {
		if strings.HasPrefix(lx.src[lx.off:], op) {
			lx.advance(len(op))
			return token{kind: tokOp, text: op, raw: op, pos: start}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(lx.src[lx.off:])
	return token{}, errorf(start, string(r), "unexpected character '%c'", r)
}

// operators longest first, so "<=" wins over "<".
var operators = []string{
	"<>", "!=", "<=", ">=", "->", "||", ":=", "=>",
	"=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ".", ";",
}

func (lx *lexer) ident(start Pos) (token, error) {
	i := lx.off
	for i < len(lx.src) && isIdentChar(lx.src[i]) {
		i++
	}
	raw := lx.src[lx.off:i]
	lx.advance(i - lx.off)
	return token{kind: tokIdent, text: strings.ToUpper(raw), raw: raw, pos: start}, nil
}

func (lx *lexer) number(start Pos) (token, error) {
	i := lx.off
	kind := tokInteger
	for i < len(lx.src) && isDigit(lx.src[i]) {
		i++
	}
	if i < len(lx.src) && lx.src[i] == '.' {
		kind = tokDecimal
		i++
		for i < len(lx.src) && isDigit(lx.src[i]) {
			i++
		}
	}
	if i < len(lx.src) && (lx.src[i] == 'e' || lx.src[i] == 'E') {
		j := i + 1
		if j < len(lx.src) && (lx.src[j] == '+' || lx.src[j] == '-') {
			j++
		}
		if j < len(lx.src) && isDigit(lx.src[j]) {
			for j < len(lx.src) && isDigit(lx.src[j]) {
				j++
			}
			kind, i = tokFloat, j
		}
	}
	if kind == tokInteger && i < len(lx.src) && (isLetter(lx.src[i]) || lx.src[i] == '_') {
		// ksqlDB's DIGIT_IDENTIFIER: an identifier starting with a digit.
		for i < len(lx.src) && isIdentChar(lx.src[i]) {
			i++
		}
		raw := lx.src[lx.off:i]
		lx.advance(i - lx.off)
		return token{kind: tokIdent, text: strings.ToUpper(raw), raw: raw, pos: start}, nil
	}
	raw := lx.src[lx.off:i]
	lx.advance(i - lx.off)
	return token{kind: kind, text: raw, raw: raw, pos: start}, nil
}

// quoted lexes a string or quoted identifier; a doubled quote stands for one.
func (lx *lexer) quoted(start Pos, q byte, kind tokKind) (token, error) {
	var b strings.Builder
	i := lx.off + 1
	for {
		if i >= len(lx.src) {
			what := "string"
			if kind == tokQuotedIdent {
				what = "quoted identifier"
			}
			return token{}, errorf(start, lx.src[lx.off:min(len(lx.src), lx.off+20)], "unterminated %s %s", what, lx.src[lx.off:min(len(lx.src), lx.off+20)])
		}
		if lx.src[i] == q {
			if i+1 < len(lx.src) && lx.src[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			i++
			break
		}
		b.WriteByte(lx.src[i])
		i++
	}
	raw := lx.src[lx.off:i]
	lx.advance(i - lx.off)
	if kind == tokQuotedIdent && b.Len() == 0 {
		return token{}, errorf(start, raw, "empty quoted identifier %s", raw)
	}
	return token{kind: kind, text: b.String(), raw: raw, pos: start}, nil
}
