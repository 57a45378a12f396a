package sqlshell

import (
	"strings"
	"testing"
)

func TestShellGridAlignment(t *testing.T) {
	var b strings.Builder
	header := []string{"ID", "CITY", "N"}
	rows := [][]string{{"a", "東京", "1"}, {"bb", "Zürich", "22"}, {"c\u0301", "line\nbreak", "null"}}
	g := NewGrid(header, rows)
	g.Header(&b, header)
	for _, r := range rows {
		g.Row(&b, r)
	}
	g.Border(&b)
	want := `+--+-----------+----+
|ID|CITY       |N   |
+--+-----------+----+
|a |東京       |1   |
|bb|Zürich     |22  |
|ć |line\nbreak|null|
+--+-----------+----+
`
	want = strings.ReplaceAll(want, "ć", "c\u0301") // the decomposed form: a combining accent takes no column
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// Every line takes the same columns on a terminal.
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if displayWidth(l) != 21 {
			t.Errorf("%q takes %d columns, want 21", l, displayWidth(l))
		}
	}
}

func TestShellStreamingGrid(t *testing.T) {
	var b strings.Builder
	header := []string{"ID", "N", "A_VERY_LONG_COLUMN_NAME", "OK"}
	g := NewStreamingGrid(header, []string{"STRING", "BIGINT", "STRING", "BOOLEAN"}, 80)
	g.Header(&b, header)
	g.Row(&b, []string{"x", "9223372036854775807", "wider than its share of the terminal: kept whole", "false"})
	want := `+------------------------+--------------------+------------------------+-----+
|ID                      |N                   |A_VERY_LONG_COLUMN_NAME |OK   |
+------------------------+--------------------+------------------------+-----+
|x                       |9223372036854775807 |wider than its share of the terminal: kept whole|false|
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if n := len(strings.SplitN(b.String(), "\n", 2)[0]); n > 79 {
		t.Errorf("the header takes %d columns of 80: a full line wraps on some terminals", n)
	}
}

func TestShellListing(t *testing.T) {
	var b strings.Builder
	Listing(&b, []string{"Stream Name", "Kafka Topic", "Windowed"}, [][]string{{"READINGS", "readings", "false"}, {"ÉVÉNEMENTS_😀", "t", "true"}})
	want := ` Stream Name   | Kafka Topic | Windowed
----------------------------------------
 READINGS      | readings    | false
 ÉVÉNEMENTS_😀 | t           | true
----------------------------------------
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
