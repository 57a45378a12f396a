package follow_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/rpcscript"
	"github.com/chaintap/chaintap/kafka"
)

// TestMalformedNodeStopsTheFollower: a node that keeps answering garbage
// for a block stops the follower with an error naming the block and the
// field, instead of a panic or an endless loop.
func TestMalformedNodeStopsTheFollower(t *testing.T) {
	srv := rpcscript.Start()
	defer srv.Close()
	srv.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
	srv.Answer("eth_blockNumber", nil, json.RawMessage(`"0x10"`))
	srv.Answer("eth_getBlockByNumber", []any{"0x10", true}, json.RawMessage(`{"number":"0x10","hash":"0x1234","parentHash":"0x00"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src, err := evm.Dial(ctx, evm.Config{Chain: "bad", URL: srv.URL, PollInterval: 10 * time.Millisecond,
		Retry: evm.RetryPolicy{Initial: time.Millisecond, Max: 5 * time.Millisecond, NotFound: 3, Wrong: 3}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pub, err := kafka.NewPublisher(ctx, ingesttest.Broker(t), "bad", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	from := uint64(16)
	err = follow.New(follow.Config{Chain: "bad", From: &from}, src, pub, nil, nil).Run(ctx)
	if err == nil || !follow.Fatal(err) || !strings.Contains(err.Error(), "block 16") || !strings.Contains(err.Error(), "block hash") {
		t.Fatalf("err = %v, want a fatal error naming block 16 and its hash field", err)
	}
}
