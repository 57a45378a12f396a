package sqlshell

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Cells are aligned by the columns they take on a terminal, not by bytes
// or runes: an East Asian wide character takes two, a combining mark none.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case r >= 0x1F300 && r <= 0x1FAFF: // emoji pictographs: two columns on current terminals
		return 2
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// cell makes a value printable on one line: control characters (a
// newline in a string, say) would break the table, so they are escaped.
func cell(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pad left-aligns s in w columns; a wider s is kept whole, not cut.
func pad(s string, w int) string {
	if n := displayWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// widths are the columns each of header's columns needs for itself and
// rows.
func widths(header []string, rows [][]string) []int {
	ws := make([]int, len(header))
	for i, h := range header {
		ws[i] = displayWidth(cell(h))
	}
	for _, r := range rows {
		for i := range min(len(r), len(ws)) {
			ws[i] = max(ws[i], displayWidth(cell(r[i])))
		}
	}
	return ws
}

// Grid draws query results as the ksql CLI does: a bordered header, then
// one bordered line per row. Its widths are fixed when it is made, so a
// push query's rows can be drawn as they arrive.
type Grid struct {
	widths []int
}

// NewGrid sizes a grid for header and rows (a pull query's, all known).
func NewGrid(header []string, rows [][]string) Grid {
	return Grid{widths: widths(header, rows)}
}

// NewStreamingGrid sizes a grid whose rows are not known yet, to fit in
// total columns: a column of a type of bounded width (numbers, booleans,
// timestamps) gets that width, the others share what is left equally;
// none is narrower than its header.
func NewStreamingGrid(header, types []string, total int) Grid {
	ws := widths(header, nil)
	// The border's first '+', and a column spare: a line that fills the
	// terminal exactly wraps on some.
	left, open := total-2, 0
	for i := range ws {
		if i < len(types) {
			if n, ok := typeWidth(types[i]); ok {
				ws[i] = max(ws[i], n)
				left -= ws[i] + 1
				continue
			}
		}
		open++
	}
	share := max(left/max(open, 1)-1, 8)
	for i := range ws {
		if i >= len(types) || !bounded(types[i]) {
			ws[i] = max(ws[i], share)
		}
	}
	return Grid{widths: ws}
}

// typeWidth is the width any value of a type fits in, if there is one.
func typeWidth(typ string) (int, bool) {
	switch {
	case typ == "BOOLEAN":
		return 5, true
	case typ == "INTEGER" || typ == "INT":
		return 11, true
	case typ == "BIGINT":
		return 20, true
	case typ == "DOUBLE":
		return 24, true
	case typ == "DATE":
		return 10, true
	case typ == "TIME":
		return 12, true
	case typ == "TIMESTAMP":
		return 23, true
	}
	return 0, false
}

func bounded(typ string) bool { _, ok := typeWidth(typ); return ok }

// Border writes a +-----+----+ line.
func (g Grid) Border(w io.Writer) {
	var b strings.Builder
	b.WriteByte('+')
	for _, n := range g.widths {
		b.WriteString(strings.Repeat("-", n))
		b.WriteByte('+')
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(w, b.String())
}

// Row writes a |a   |b  | line.
func (g Grid) Row(w io.Writer, cells []string) {
	var b strings.Builder
	b.WriteByte('|')
	for i, n := range g.widths {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		b.WriteString(pad(cell(v), n))
		b.WriteByte('|')
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(w, b.String())
}

// Header writes the header between borders.
func (g Grid) Header(w io.Writer, header []string) {
	g.Border(w)
	g.Row(w, header)
	g.Border(w)
}

// Listing draws what /ksql lists (streams, tables, queries, topics,
// fields) as the ksql CLI does: a header, a dashed rule, the rows, a
// dashed rule.
func Listing(w io.Writer, header []string, rows [][]string) {
	ws := widths(header, rows)
	line := func(cells []string) string {
		parts := make([]string, len(ws))
		for i, n := range ws {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			parts[i] = " " + pad(cell(v), n) + " "
		}
		return strings.TrimRight(strings.Join(parts, "|"), " ") + "\n"
	}
	total := len(ws) - 1
	for _, n := range ws {
		total += n + 2
	}
	rule := strings.Repeat("-", total) + "\n"
	var b strings.Builder
	b.WriteString(line(header))
	b.WriteString(rule)
	for _, r := range rows {
		b.WriteString(line(r))
	}
	b.WriteString(rule)
	_, _ = io.WriteString(w, b.String())
}
