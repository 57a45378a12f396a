package sqlshell

import (
	"reflect"
	"testing"
)

func TestShellSplit(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []Statement
		rest      string
	}{
		{"two on a line", "SHOW STREAMS; SHOW TABLES;", []Statement{{"SHOW STREAMS;", 1, 1}, {"SHOW TABLES;", 1, 15}}, ""},
		{"multi-line", "SELECT *\n  FROM t\n  EMIT CHANGES;\n", []Statement{{"SELECT *\n  FROM t\n  EMIT CHANGES;", 1, 1}}, "\n"},
		{"unfinished", "SHOW STREAMS;\nSELECT *\n FROM", []Statement{{"SHOW STREAMS;", 1, 1}}, "\nSELECT *\n FROM"},
		{"; in a string", "INSERT INTO s (a) VALUES ('x;y');", []Statement{{"INSERT INTO s (a) VALUES ('x;y');", 1, 1}}, ""},
		{"doubled quote", "SELECT 'it''s; fine' FROM t; X", []Statement{{"SELECT 'it''s; fine' FROM t;", 1, 1}}, " X"},
		{"open string", "SELECT 'a;b", nil, "SELECT 'a;b"},
		{"quoted identifiers", "SELECT `a;b`, \"c;d\" FROM t;", []Statement{{"SELECT `a;b`, \"c;d\" FROM t;", 1, 1}}, ""},
		{"; in a line comment", "SELECT a -- why; not\nFROM t;", []Statement{{"SELECT a -- why; not\nFROM t;", 1, 1}}, ""},
		{"; in a block comment", "SELECT /* a; b */ a FROM t;", []Statement{{"SELECT /* a; b */ a FROM t;", 1, 1}}, ""},
		{"comments only", "-- nothing here;\n/* nor; here */ ;\n", nil, "\n"},
		{"comment before", "-- list them\n  SHOW STREAMS;", []Statement{{"-- list them\n  SHOW STREAMS;", 1, 1}}, ""},
		{"positions", "SHOW STREAMS;\n\n   DESCRIBE x;", []Statement{{"SHOW STREAMS;", 1, 1}, {"DESCRIBE x;", 3, 4}}, ""},
		{"empty statements", ";;SHOW TOPICS;", []Statement{{"SHOW TOPICS;", 1, 3}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rest := Split(tc.src)
			if !reflect.DeepEqual(got, tc.want) || rest != tc.rest {
				t.Errorf("Split(%q) =\n %+v, %q\nwant\n %+v, %q", tc.src, got, rest, tc.want, tc.rest)
			}
		})
	}
}

// TestShellSplitIncremental feeds a statement a line at a time, as the
// shell does, and checks when it asks for more.
func TestShellSplitIncremental(t *testing.T) {
	pending := ""
	var got []string
	for i, line := range []string{"SELECT id,", "  'a;", "b' AS s -- c;", "FROM t", "EMIT CHANGES; SHOW", "STREAMS;"} {
		stmts, rest := Split(pending + line + "\n")
		for _, st := range stmts {
			got = append(got, st.Text)
		}
		pending = rest
		wantMore := i < 5
		if Incomplete(rest) != wantMore {
			t.Errorf("after line %d (%q): Incomplete = %v", i, line, !wantMore)
		}
	}
	want := []string{"SELECT id,\n  'a;\nb' AS s -- c;\nFROM t\nEMIT CHANGES;", "SHOW\nSTREAMS;"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("statements %q, want %q", got, want)
	}
	if !Incomplete("/* a comment\n") || Incomplete("-- /* not one\n") || Incomplete("  -- done\n") {
		t.Error("Incomplete misreads comments")
	}
}

func TestShellFirstWord(t *testing.T) {
	for src, want := range map[string]string{"select 1;": "SELECT", "-- c\n/* d */ Show streams;": "SHOW", "  ": "", "RUN SCRIPT 'x';": "RUN"} {
		if got := firstWord(src); got != want {
			t.Errorf("firstWord(%q) = %q, want %q", src, got, want)
		}
	}
}
