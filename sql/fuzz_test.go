package sql

import (
	"os"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, g := range goldenStatements {
		f.Add(g.in)
	}
	for _, e := range errorCases {
		f.Add(e.src)
	}
	if demo, err := os.ReadFile("testdata/demo.sql"); err == nil {
		f.Add(string(demo))
	}
}

// FuzzParse: no input panics, errors are *Error with a position inside the
// source, and whatever parses renders to SQL that parses to the same
// rendering.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src string) {
		sts, err := Parse(src)
		if err != nil {
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Line < 1 || e.Col < 1 || !strings.HasPrefix(strings.TrimPrefix(err.Error(), statementPrefix(e)), "line ") {
				t.Fatalf("bad error position: %v", err)
			}
			return
		}
		for _, st := range sts {
			again, err := ParseOne(st.String())
			if err != nil {
				t.Fatalf("rendering %q of %q does not parse: %v", st.String(), st.Text(), err)
			}
			if again.String() != st.String() {
				t.Fatalf("round trip of %q: %q became %q", st.Text(), st.String(), again.String())
			}
		}
	})
}

func statementPrefix(e *Error) string {
	if e.Statement == 0 {
		return ""
	}
	s := (&Error{Statement: e.Statement, StatementHead: e.StatementHead}).Error()
	return s[:strings.Index(s, "line ")]
}

// FuzzAnalyze: analysis and evaluation of whatever parses never panic.
func FuzzAnalyze(f *testing.F) {
	fuzzSeeds(f)
	cat := demoCatalog(f)
	f.Fuzz(func(t *testing.T, src string) {
		sts, err := Parse(src)
		if err != nil {
			return
		}
		for _, st := range sts {
			p, err := Analyze(st, cat)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("analysis error %T is not *Error: %v", err, err)
				}
				continue
			}
			if qp, ok := p.(*QueryPlan); ok {
				row := make(Row, qp.InputWidth)
				if qp.Where != nil {
					_, _ = qp.Where.Eval(row)
				}
				for _, e := range qp.Project {
					_, _ = e.Eval(row)
				}
			}
		}
	})
}

// FuzzDecodeJSON: no document panics the decoder, and what decodes
// re-encodes to a document that decodes to the same row.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(eventJSON))
	f.Add([]byte(`{"args":{"battery":"\u00e9\ud83d\ude00","chargeCycles":1.5e2}}`))
	f.Add([]byte(`null`))
	schema := eventsSchema()
	f.Fuzz(func(t *testing.T, doc []byte) {
		row, err := DecodeJSON(schema, doc)
		if err != nil || row == nil {
			return
		}
		enc := EncodeJSON(schema, row)
		again, err := DecodeJSON(schema, enc)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", enc, err)
		}
		for i := range row {
			if !equalOrBothNull(row[i], again[i]) {
				t.Fatalf("column %d: %v became %v via %s", i, row[i], again[i], enc)
			}
		}
	})
}
