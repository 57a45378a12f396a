package sqlshell

import "strings"

// Statement is one statement of a script, as written.
type Statement struct {
	Text string // from its first character to its ';' (included when there is one)
	Line int    // 1-based line of the script where Text starts
	Col  int    // 1-based column (in bytes) where Text starts
}

// Split cuts src into the statements it ends with ';' outside quotes and
// comments, and returns what follows the last one: the start of a
// statement still being typed, or only blanks and comments. Statements
// holding nothing but comments are dropped. The texts keep their comments:
// the server's line:column positions then match what was typed.
func Split(src string) (stmts []Statement, rest string) {
	start := 0
	for i := 0; i < len(src); {
		switch c := src[i]; {
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			i = skipPast(src, i, "\n")
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			i = skipPast(src, i+2, "*/")
		case c == '\'' || c == '"' || c == '`':
			i = skipQuoted(src, i)
		case c == ';':
			if st, ok := statementAt(src, start, i+1); ok {
				stmts = append(stmts, st)
			}
			start, i = i+1, i+1
		default:
			i++
		}
	}
	return stmts, src[start:]
}

// skipPast returns the index after the first end at or after i, or
// len(src) when there is none (an unterminated comment runs to the end).
func skipPast(src string, i int, end string) int {
	j := strings.Index(src[i:], end)
	if j < 0 {
		return len(src)
	}
	return i + j + len(end)
}

// skipQuoted returns the index after the quoted string or identifier
// opening at i; a doubled quote is the quote itself, as in ksqlDB.
func skipQuoted(src string, i int) int {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		if src[j] != q {
			continue
		}
		if j+1 < len(src) && src[j+1] == q {
			j++
			continue
		}
		return j + 1
	}
	return len(src)
}

// statementAt is src[from:to] without its leading blanks, if it holds
// more than blanks, comments and the ';'.
func statementAt(src string, from, to int) (Statement, bool) {
	text := src[from:to]
	trimmed := strings.TrimLeft(text, " \t\r\n")
	if !HasContent(strings.TrimSuffix(trimmed, ";")) {
		return Statement{}, false
	}
	off := from + len(text) - len(trimmed)
	line := 1 + strings.Count(src[:off], "\n")
	col := off - (strings.LastIndexByte(src[:off], '\n') + 1) + 1
	return Statement{Text: strings.TrimRight(trimmed, " \t\r\n"), Line: line, Col: col}, true
}

// HasContent reports whether s holds anything but blanks and comments.
func HasContent(s string) bool {
	return stripComments(s) != ""
}

// Incomplete reports whether what Split left over is a statement under
// way (or a block comment not closed yet), for which the shell asks for
// more lines rather than a new statement.
func Incomplete(rest string) bool {
	if HasContent(rest) {
		return true
	}
	i := strings.LastIndex(rest, "/*")
	return i >= 0 && !strings.Contains(rest[i:], "*/") && !strings.Contains(rest[strings.LastIndex(rest[:i+1], "\n")+1:i], "--")
}

// stripComments drops s's leading blanks and comments.
func stripComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"):
			s = s[skipPast(s, 0, "\n"):]
		case strings.HasPrefix(s, "/*"):
			s = s[skipPast(s, 2, "*/"):]
		default:
			return s
		}
	}
}

// firstWord is the statement's first keyword, upper-cased.
func firstWord(text string) string {
	s := stripComments(text)
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
	})
	if end < 0 {
		end = len(s)
	}
	return strings.ToUpper(s[:end])
}
