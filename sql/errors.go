package sql

import (
	"fmt"
	"strings"
)

// Error is every parse and analysis error of this package. Line and Col
// are 1-based and absolute in the parsed source (a multi-statement file
// keeps file coordinates); Col counts runes. Msg names the offending token
// or identifier. Callers match it with errors.As.
type Error struct {
	Line, Col int
	Msg       string
	// Token is the offending token or identifier as written, when there is one.
	Token string
	// Statement is the 1-based ordinal of the statement in a multi-statement
	// source, 0 when the source held one statement or the error precedes any.
	Statement int
	// StatementHead is the first words of that statement, for the message.
	StatementHead string
}

func (e *Error) Error() string {
	loc := fmt.Sprintf("line %d:%d: %s", e.Line, e.Col, e.Msg)
	if e.Statement > 0 {
		return fmt.Sprintf("statement %d (%s): %s", e.Statement, e.StatementHead, loc)
	}
	return loc
}

// errorf builds an *Error at pos naming tok.
func errorf(pos Pos, tok string, format string, args ...any) *Error {
	return &Error{Line: pos.Line, Col: pos.Col, Token: tok, Msg: fmt.Sprintf(format, args...)}
}

// Pos is a position in the source: 1-based line and column (in runes) and
// the byte offset.
type Pos struct {
	Line, Col, Offset int
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// didYouMean returns "; did you mean 'X'?" for the candidate closest to
// name by edit distance, or "" when none is close enough to help.
func didYouMean(name string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToUpper(name), strings.ToUpper(c))
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > maxSuggestDistance(name) {
		return ""
	}
	return fmt.Sprintf("; did you mean '%s'?", best)
}

// maxSuggestDistance allows about one edit per three characters, at most
// three, and none for names under three characters, so short names do not
// suggest unrelated words.
func maxSuggestDistance(name string) int {
	return min((len(name)+1)/3, 3)
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
