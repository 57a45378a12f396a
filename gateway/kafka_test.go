package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/gateway"
)

// TestRequestsFromKafka: requests produced to <chain>.tx.requests (key =
// idempotency key) are accepted in topic order per sender, a key produced
// twice sends once, and requests that cannot be accepted get a rejected
// receipt record saying why; nothing is sent for them.
func TestRequestsFromKafka(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	cfg := e.cfg
	cfg.ConsumeRequests = true
	g := e.run(cfg)
	topics := gateway.TopicsFor("", chain)
	cl, err := e.kafka.NewClient(kgo.DefaultProduceTopic(topics.Requests))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	battery := e.fleet.Batteries()[2].Hex()
	recs := []*kgo.Record{
		{Key: []byte("k-a"), Value: []byte(`{"from":"s6","to":"0x00000000000000000000000000000000000000cc","value":"1"}`)},
		{Key: []byte("k-b"), Value: []byte(`{"from":"s6","to":"0x00000000000000000000000000000000000000cc","value":"2"}`)},
		{Key: []byte("k-a"), Value: []byte(`{"from":"s6","to":"0x00000000000000000000000000000000000000cc","value":"3"}`)},
		{Key: []byte("k-c"), Value: []byte(`{"from":"s7","to":"0x00000000000000000000000000000000000000cc","value":"4"}`)},
		{Key: []byte("k-bad-method"), Value: []byte(`{"from":"s6","contract":"registry","method":"nope"}`)},
		{Key: []byte("k-revert"), Value: []byte(`{"from":"s6","contract":"registry","method":"unlock","args":["` + battery + `"]}`)},
		{Key: []byte("k-not-json"), Value: []byte(`lock it please`)},
		{Value: []byte(`{"from":"s6","to":"0x00000000000000000000000000000000000000cc","value":"5"}`)},
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	a := g.wait(t, gateway.RequestID("k-a"), time.Minute, gateway.StatusConfirmed)
	b := g.wait(t, gateway.RequestID("k-b"), time.Minute, gateway.StatusConfirmed)
	g.wait(t, gateway.RequestID("k-c"), time.Minute, gateway.StatusConfirmed)
	if a.Value != "1" || a.Nonce != 0 || b.Nonce != 1 {
		t.Fatalf("k-a %s nonce %d, k-b nonce %d: want the first k-a (value 1) at nonce 0, k-b at 1", a.Value, a.Nonce, b.Nonce)
	}
	want := map[string]string{"k-bad-method": `no method "nope"`, "k-revert": "only the battery's owner", "k-not-json": "not a JSON request",
		"devchain.tx.requests/0/7": "record key"}
	deadline := time.Now().Add(30 * time.Second)
	for len(want) > 0 {
		for _, rc := range e.receipts() {
			if says, ok := want[rc.IdempotencyKey]; ok && rc.Status == gateway.StatusRejected && contains(rc.Error, says) {
				delete(want, rc.IdempotencyKey)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rejected receipt for %v", want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if txs := e.onChain(e.addr(6)); len(txs) != 2 {
		t.Fatalf("s6: %d transactions on chain, want 2 (k-a once, k-b)", len(txs))
	}
}
