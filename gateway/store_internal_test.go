package gateway

import (
	"context"
	"slices"
	"testing"

	"github.com/chaintap/chaintap/kafka"
)

// TestGroupCommitCallsDoneInOrder: after a commit, the ops of a batch learn
// it in submission order. In reverse, a sender saw nonce n+1 accepted
// before n, signed it first, and with its in-flight slots full of nonces
// above n never signed n: every one of them waited on the node for it
// (found by BenchmarkGateway).
func TestGroupCommitCallsDoneInOrder(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	st, err := openStore(ctx, kafka.Config{Brokers: []string{b.Addr()}}, "c", TopicsFor("", "c"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	w := &writer{st: st}
	var order []int
	var batch []*op
	for i := range 5 {
		batch = append(batch, &op{
			prepare: func() ([]*State, []Receipt, error) { return []*State{{ID: "r", Nonce: uint64(i)}}, nil, nil },
			done:    func(error) { order = append(order, i) },
			result:  make(chan error, 1),
		})
	}
	if err := w.commit(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("done called in order %v", order)
	}
}
