package bench

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/kafka"
)

// BenchmarkGateway measures the transaction gateway against the devchain
// served over JSON-RPC on loopback (a block sealed every 100 ms): how many
// requests per second it accepts (validated, gas estimated, nonce assigned
// and persisted in a Kafka transaction) from 10 senders at once, and the
// time from a request's submission to the gateway seeing it mined, p50
// and p99. Beside it, the raw limit: eth_sendRawTransaction of as many
// pre-signed transactions from 10 other keys on the same node.
//
//	go test ./bench -run '^$' -bench BenchmarkGateway -benchtime 1x
func BenchmarkGateway(b *testing.B) {
	const senders, perSender = 10, 200
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0", Accounts: 2 * senders})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	node, err := ethclient.Dial(c.HTTPURL())
	if err != nil {
		b.Fatal(err)
	}
	defer node.Close()
	stopSealing := sealEvery(c, 100*time.Millisecond)
	defer stopSealing()

	signers := map[string]gateway.Signer{}
	for i, k := range c.Keys()[:senders] {
		signers["s"+strconv.Itoa(i)] = gateway.NewKeySigner(k)
	}
	svc, err := gateway.New(gateway.Config{Chain: "bench", Kafka: kafka.Config{Brokers: []string{br.Addr()}}, Signers: signers,
		MaxInFlight: 64, MaxQueued: perSender, PollInterval: 20 * time.Millisecond, ResubmitAfter: 2 * time.Second, Confirmations: 1}, node, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for i := 0; i < b.N; i++ {
		accepted, lat := gatewayRound(ctx, b, svc, senders, perSender, i)
		raw := rawSendRate(ctx, b, node, c.Keys()[senders:], perSender, i)
		b.ReportMetric(accepted, "accepted_req/s")
		b.ReportMetric(raw, "raw_sendraw_tx/s")
		b.ReportMetric(durationPercentile(lat, 50).Seconds()*1000, "mined_p50_ms")
		b.ReportMetric(durationPercentile(lat, 99).Seconds()*1000, "mined_p99_ms")
	}
}

// gatewayRound submits senders×perSender transfers at once and waits for
// every one to be mined; it returns the acceptance rate and the latencies.
func gatewayRound(ctx context.Context, b *testing.B, svc *gateway.Service, senders, perSender, round int) (float64, []time.Duration) {
	n := senders * perSender
	ids, submitted := make([]string, n), make([]time.Time, n)
	var wg sync.WaitGroup
	start := time.Now()
	for s := range senders {
		for i := range perSender {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k := s*perSender + i
				submitted[k] = time.Now()
				st, err := svc.Submit(ctx, fmt.Sprintf("r%d-s%d-%d", round, s, i), gateway.Request{From: "s" + strconv.Itoa(s),
					To: "0x00000000000000000000000000000000000000aa", Value: strconv.Itoa(1 + k)})
				if err != nil {
					b.Error(err)
				}
				ids[k] = st.ID
			}()
		}
	}
	wg.Wait()
	rate := float64(n) / time.Since(start).Seconds()
	if b.Failed() {
		b.FailNow()
	}
	lat := make([]time.Duration, n)
	left := n
	deadline := time.Now().Add(benchWait)
	for left > 0 {
		for k, id := range ids {
			if lat[k] != 0 {
				continue
			}
			if st, err := svc.Get(id); err == nil && (st.Status == gateway.StatusMined || st.Status == gateway.StatusConfirmed) {
				lat[k] = time.Since(submitted[k])
				left--
			}
		}
		if time.Now().After(deadline) {
			counts := map[gateway.Status]int{}
			var sample gateway.State
			for _, id := range ids {
				st, _ := svc.Get(id)
				counts[st.Status]++
				if st.Status == gateway.StatusSent && sample.ID == "" {
					sample = st
				}
			}
			b.Fatalf("%d of %d requests not mined after %v: %v; e.g. %+v", left, n, benchWait, counts, sample)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return rate, lat
}

// rawSendRate sends perSender pre-signed transfers from each key (keys in
// parallel, each in nonce order) and returns transactions per second.
func rawSendRate(ctx context.Context, b *testing.B, node *ethclient.Client, keys []*ecdsa.PrivateKey, perSender, round int) float64 {
	signer := types.LatestSignerForChainID(big.NewInt(devchain.ChainID))
	to := common.HexToAddress("0xbb")
	txs := make([][]*types.Transaction, len(keys))
	for s, k := range keys {
		for i := range perSender {
			txs[s] = append(txs[s], types.MustSignNewTx(k, signer, &types.DynamicFeeTx{ChainID: big.NewInt(devchain.ChainID),
				Nonce: uint64(round*perSender + i), GasTipCap: big.NewInt(2e9), GasFeeCap: big.NewInt(1e12), Gas: 21000, To: &to, Value: big.NewInt(1)}))
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	for s := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tx := range txs[s] {
				if err := node.SendTransaction(ctx, tx); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(len(keys)*perSender) / time.Since(start).Seconds()
}

// benchWait bounds the wait for every request to be mined.
const benchWait = 30 * time.Second

func durationPercentile(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

// sealEvery seals a block every interval until the returned stop is called.
func sealEvery(c *devchain.Chain, interval time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.SealEvery(ctx, interval)
	}()
	return func() { cancel(); wg.Wait() }
}
