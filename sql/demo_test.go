package sql

import (
	"os"
	"testing"
)

// TestDemoStatements parses and analyzes every statement of ksql.md's demo
// script, in order, each seeing the sources the earlier ones created.
func TestDemoStatements(t *testing.T) {
	src, err := os.ReadFile("testdata/demo.sql")
	if err != nil {
		t.Fatal(err)
	}
	sts, err := Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != 10 {
		t.Fatalf("parsed %d statements, want 10", len(sts))
	}
	plans, err := AnalyzeAll(sts, chainCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range plans {
		if qp, ok := p.(*QueryPlan); ok {
			t.Logf("%d: %v %s output %s", i+1, qp.ResultKind, qp.Output, sinkName(qp))
		}
	}
}

func sinkName(p *QueryPlan) string {
	if p.Sink == nil {
		return "(transient)"
	}
	return "→ " + p.Sink.Name + " key " + p.Sink.KeyFormat
}
