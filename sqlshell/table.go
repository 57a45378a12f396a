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

// NewStreamingGrid sizes a grid whose rows are not known yet: each column
// gets an equal share of total columns, or its header's width if wider.
func NewStreamingGrid(header []string, total int) Grid {
	share := max((total-1)/max(len(header), 1)-1, 8)
	ws := widths(header, nil)
	for i := range ws {
		ws[i] = max(ws[i], share)
	}
	return Grid{widths: ws}
}

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
