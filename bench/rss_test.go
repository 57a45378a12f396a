package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/kafka"
)

// BenchmarkBackfillRSS is issue 16's memory measure: the resident set of
// a follower backfilling CHAINTAP_RSS_BLOCKS mainnet-shaped blocks
// (bench/run.sh: 100,000), sampled every second, reported as a curve
// (RSS when 10 %, 20 %, … of the blocks are published) and its maximum.
// It is skipped unless CHAINTAP_RSS_BLOCKS is set.
//
// The blocks come from a replay node (benchnode -replay: the
// mainnet-shaped chain's real answers with their identity rewritten, so
// any height exists without building 20 M transactions in geth). The
// broker is a benchnode -broker process: an embedded broker keeps every
// record in memory, which would dominate this process's RSS and say
// nothing of the follower's. The follower is in this process, with
// follow's defaults except From 0 and 12 confirmations, ABI decoding on,
// so this process's RSS is the follower's (and the test binary's, a few
// MB). The broker's RSS is reported beside it, to show what keeping the
// records costs (kfake holds the compressed batches as produced).
func BenchmarkBackfillRSS(b *testing.B) {
	env := os.Getenv("CHAINTAP_RSS_BLOCKS")
	if env == "" {
		b.Skip("set CHAINTAP_RSS_BLOCKS to the number of blocks (bench/run.sh: 100000)")
	}
	head, err := strconv.ParseUint(env, 10, 64)
	if err != nil || head < 100 {
		b.Fatalf("CHAINTAP_RSS_BLOCKS=%q: want a number of blocks ≥ 100", env)
	}
	templates := pinnedNode(b, "mainnet")
	replay, err := benchNodes.get(-1, "-replay", templates.addr, "-head", strconv.FormatUint(head, 10))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		// A broker per run: the cursor of an earlier run would make the
		// follower start at the head.
		broker, err := startNode(-1, "-broker", "-retain-bytes", strconv.Itoa(brokerRetainBytes))
		if err != nil {
			b.Fatal(err)
		}
		run, err := backfillRSS(context.Background(), replay.addr, broker, head)
		_ = broker.stdin.Close()
		_ = broker.cmd.Wait()
		if err != nil {
			b.Fatal(err)
		}
		run.report(b, head)
	}
}

// brokerRetainBytes is what the broker process keeps per partition
// (one partition per topic): it holds its records in memory, ≈0.7 MB per
// mainnet-shaped block (both views, compressed as produced; measured over
// 3,000 blocks), 70 GB for 100,000 blocks without a bound; with it the
// broker process held 2–3.3 GB. The follower reads none of it back while
// it runs.
const brokerRetainBytes = 16 << 20

// rssSample is one reading during the backfill.
type rssSample struct {
	at        time.Duration
	published uint64 // the follower's head so far
	rss       int64  // this process's
	heapLive  uint64 // the Go heap marked live by the last GC
	goTotal   uint64 // all memory the Go runtime holds from the OS, less what it released
	brokerRSS int64
}

type rssRun struct {
	took    time.Duration
	samples []rssSample
}

// backfillRSS follows the replay node from 0 to head into the broker
// process, sampling RSS every second.
func backfillRSS(ctx context.Context, url string, broker *node, head uint64) (rssRun, error) {
	pub, err := kafka.NewPublisher(ctx, kafka.Config{Brokers: []string{broker.addr}}, "rss", nil, nil)
	if err != nil {
		return rssRun{}, err
	}
	defer pub.Close()
	src, err := evm.Dial(ctx, evm.Config{Chain: "rss", URL: url}, nil, nil)
	if err != nil {
		return rssRun{}, err
	}
	defer src.Close()
	dec, err := decode.NewStandardDecoder(nil)
	if err != nil {
		return rssRun{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	zero := uint64(0)
	fcfg := follow.Config{Chain: "rss", From: &zero, Confirmations: 12}
	if v := os.Getenv("CHAINTAP_RSS_BUDGET"); v != "" {
		// Another memory budget than the default, in bytes, to compare.
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return rssRun{}, fmt.Errorf("CHAINTAP_RSS_BUDGET=%q: %w", v, err)
		}
		fcfg.MemoryBudget = n
	}
	f := follow.New(fcfg, follow.Enriched(src, dec), pub, nil, nil)
	var published atomic.Uint64
	var took time.Duration
	start := time.Now()
	f.OnProgress(func(p follow.Progress) {
		published.Store(p.Head)
		if p.Head >= head && took == 0 {
			took = time.Since(start)
			cancel()
		}
	})

	var run rssRun
	var sampling sync.WaitGroup
	stopSampling := make(chan struct{})
	sample := func() error {
		rss, err := processRSS(0)
		if err != nil {
			return err
		}
		brss, err := processRSS(broker.pid())
		if err != nil {
			return err
		}
		live, total := goMemory()
		run.samples = append(run.samples, rssSample{at: time.Since(start), published: published.Load(), rss: rss,
			heapLive: live, goTotal: total, brokerRSS: brss})
		return nil
	}
	var sampleErr error
	sampling.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-tick.C:
				if err := sample(); err != nil {
					sampleErr = err
					return
				}
			}
		}
	})
	err = f.Run(ctx)
	close(stopSampling)
	sampling.Wait()
	if took == 0 {
		return run, fmt.Errorf("the follower stopped before block %d: %w", head, err)
	}
	if sampleErr != nil {
		return run, sampleErr
	}
	if err := sample(); err != nil { // at the end
		return run, err
	}
	run.took = took
	return run, nil
}

// report prints the curve and reports its maximum and the rate. The
// curve goes to standard output, not b.Log: a benchmark's log is cut after
// ten lines.
func (r rssRun) report(b *testing.B, head uint64) {
	b.Helper()
	mb := func(n int64) float64 { return float64(n) / (1 << 20) }
	var maxRSS, maxBroker int64
	for _, s := range r.samples {
		maxRSS, maxBroker = max(maxRSS, s.rss), max(maxBroker, s.brokerRSS)
	}
	out := os.Stdout
	fmt.Fprintf(out, "backfill of %d mainnet-shaped blocks in %s (%.0f blocks/s), %d samples\n", head, r.took.Round(time.Second),
		float64(head+1)/r.took.Seconds(), len(r.samples))
	fmt.Fprintf(out, "%5s %9s %9s %12s %14s %14s %10s\n", "done", "blocks", "time", "follower MB", "Go heap live", "Go runtime MB", "broker MB")
	for tenth := 1; tenth <= 10; tenth++ {
		at := head * uint64(tenth) / 10
		for _, s := range r.samples {
			if s.published >= at {
				fmt.Fprintf(out, "%4d%% %9d %9s %12.0f %14.0f %14.0f %10.0f\n", tenth*10, s.published, s.at.Round(time.Second), mb(s.rss),
					mb(int64(s.heapLive)), mb(int64(s.goTotal)), mb(s.brokerRSS))
				b.ReportMetric(mb(s.rss), fmt.Sprintf("MB_rss@%d%%", tenth*10))
				break
			}
		}
	}
	fmt.Fprintf(out, "max: follower %.0f MB, broker %.0f MB\n", mb(maxRSS), mb(maxBroker))
	b.ReportMetric(mb(maxRSS), "MB_rss_max")
	b.ReportMetric(mb(maxBroker), "MB_broker_rss_max")
	b.ReportMetric(float64(head+1)/r.took.Seconds(), "blocks/s")
}

// goMemory reads the Go runtime's live heap and the memory it holds.
func goMemory() (live, total uint64) {
	ms := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(ms)
	return ms[0].Value.Uint64(), ms[1].Value.Uint64() - ms[2].Value.Uint64()
}
