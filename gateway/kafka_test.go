package gateway_test

import (
	"context"
	"fmt"
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

// TestKafkaRequestsWaitWhenTheQueueIsFull: requests from Kafka are never
// refused for a full queue: consumption waits until the sender has room,
// and every request is accepted and mined in the end.
func TestKafkaRequestsWaitWhenTheQueueIsFull(t *testing.T) {
	e := newEnv(t, 0)
	cfg := e.cfg
	cfg.ConsumeRequests, cfg.MaxInFlight, cfg.MaxQueued = true, 1, 2
	g := e.run(cfg)
	cl, err := e.kafka.NewClient(kgo.DefaultProduceTopic(gateway.TopicsFor("", chain).Requests))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const n = 6
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{Key: []byte(fmt.Sprintf("wait-%d", i)),
			Value: []byte(fmt.Sprintf(`{"from":"s9","to":"0x00000000000000000000000000000000000000cc","value":"%d"}`, i+1))})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	known := func() int {
		k := 0
		for i := range n {
			if _, err := g.svc.Get(gateway.RequestID(fmt.Sprintf("wait-%d", i))); err == nil {
				k++
			}
		}
		return k
	}
	deadline := time.Now().Add(30 * time.Second)
	for known() < cfg.MaxInFlight+cfg.MaxQueued {
		if time.Now().After(deadline) {
			t.Fatalf("%d accepted", known())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // no blocks: nothing more may be accepted
	if k := known(); k != cfg.MaxInFlight+cfg.MaxQueued {
		t.Fatalf("%d accepted with no blocks, want %d in flight + %d queued", k, cfg.MaxInFlight, cfg.MaxQueued)
	}
	e.seal(100 * time.Millisecond)
	for i := range n {
		g.wait(t, gateway.RequestID(fmt.Sprintf("wait-%d", i)), time.Minute, gateway.StatusConfirmed)
	}
	for _, rc := range e.receipts() {
		if rc.Status == gateway.StatusRejected {
			t.Fatalf("a request was rejected: %+v", rc)
		}
	}
	if txs := e.onChain(e.addr(9)); len(txs) != n {
		t.Fatalf("%d transactions on chain for %d requests", len(txs), n)
	}
}
