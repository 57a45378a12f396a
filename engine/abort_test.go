package engine

import (
	"context"
	"testing"

	"github.com/chaintap/chaintap/stream"
)

type countingProcessor struct{ n int }

func (p *countingProcessor) Process(context.Context, stream.Record, stream.Store, func(stream.Output)) error {
	return nil
}

// TestAbortGivesANewProcessor: after an aborted transaction a task's
// store is as of the last commit, and its processor is a new one, so that
// nothing a processor keeps in memory outlives the writes it derived from.
func TestAbortGivesANewProcessor(t *testing.T) {
	made := 0
	q := &queryRunner{q: stream.Query{NewProcessor: func(int32) stream.Processor {
		made++
		return &countingProcessor{n: made}
	}}}
	st, err := openStore(t.TempDir(), testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	tk := &task{partition: 1, proc: q.q.NewProcessor(1), st: st}
	set(t, st, "k", "v")
	q.discard([]*task{tk})
	if p := tk.proc.(*countingProcessor); p.n != 2 {
		t.Errorf("processor %d after the abort, want a new one (2)", p.n)
	}
	if st.dirty() {
		t.Error("the aborted write is still in the store")
	}
}
