package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/internal/ksqltest"
	"github.com/chaintap/chaintap/kafka"
)

// pushStatements: a stream, and a table the engine keeps from it.
const pushStatements = `
CREATE STREAM charges (id STRING KEY, seq BIGINT) WITH (KAFKA_TOPIC='charges', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE TABLE last_charge AS SELECT id, LATEST_BY_OFFSET(seq) AS seq FROM charges GROUP BY id EMIT CHANGES;
`

// BenchmarkPushLatency measures the time from producing an event (it
// commits with its acknowledgement: a plain produce) to seeing it in a
// push query over ksqlDB's API (HTTP/2 cleartext), on loopback, one
// event every 20 ms. Cases: a push query over the stream itself, and
// over a table the engine updates from it (the event goes through a
// persistent query's exactly-once transaction first). Beside each, the
// raw limit: a plain franz-go consumer (read_committed) of the topic the
// push query reads, timed on the same events. Reports p50 and p99 in ms.
func BenchmarkPushLatency(b *testing.B) {
	kcfg, url := pushFixture(b)
	for _, c := range []struct{ name, sql, topic string }{
		{"stream", "SELECT id, seq FROM charges EMIT CHANGES;", "charges"},
		{"table", "SELECT id, seq FROM last_charge EMIT CHANGES;", "LAST_CHARGE"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var ours, raw []float64
			arrivals := make(chan arrival, 1024)
			rawArrivals := make(chan arrival, 1024)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pushRows(b, ctx, url, c.sql, arrivals)
			rawConsume(b, ctx, kcfg, c.topic, rawArrivals)
			pr, err := kcfg.NewClient(kgo.DisableClientMetrics())
			if err != nil {
				b.Fatal(err)
			}
			defer pr.Close()
			seq := time.Now().UnixNano() // unique across the cases
			send := func() (int64, time.Time) {
				seq++
				sent := time.Now()
				rec := &kgo.Record{Topic: "charges", Key: []byte("battery-" + strconv.FormatInt(seq%7, 10)), Value: fmt.Appendf(nil, `{"SEQ":%d}`, seq)}
				if err := pr.ProduceSync(ctx, rec).FirstErr(); err != nil {
					b.Fatal(err)
				}
				return seq, sent
			}
			// A first event, untimed, until both readers see events.
			n, at := send()
			waitArrival(b, arrivals, n, at)
			waitArrival(b, rawArrivals, n, at)
			for b.Loop() {
				n, at := send()
				ours = append(ours, waitArrival(b, arrivals, n, at))
				raw = append(raw, waitArrival(b, rawArrivals, n, at))
				time.Sleep(20 * time.Millisecond)
			}
			b.ReportMetric(percentile(ours, 50), "p50-ms")
			b.ReportMetric(percentile(ours, 99), "p99-ms")
			b.ReportMetric(percentile(raw, 50), "raw-p50-ms")
			b.ReportMetric(percentile(raw, 99), "raw-p99-ms")
			b.ReportMetric(percentile(ours, 99)/percentile(raw, 99), "p99-ours/raw")
		})
	}
}

// arrival is an event seen by a reader, and when.
type arrival struct {
	seq int64
	at  time.Time
}

// waitArrival waits for seq on ch and returns the ms from sent to its
// arrival.
func waitArrival(b *testing.B, ch <-chan arrival, seq int64, sent time.Time) float64 {
	b.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-ch:
			if got.seq == seq {
				return float64(got.at.Sub(sent).Microseconds()) / 1000
			}
		case <-timeout:
			b.Fatalf("event %d not seen within 10 s", seq)
		}
	}
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(float64(len(s))*p/100))]
}

// pushFixture starts a broker, the engine with pushStatements and the API.
func pushFixture(b *testing.B) (kafka.Config, string) {
	b.Helper()
	f := ksqltest.Start(b, pushStatements, map[string]int32{"charges": 2})
	kcfg := f.Kafka
	cl, err := kcfg.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	// The table's topic exists once the engine wrote to it.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "charges", Key: []byte("battery-0"), Value: []byte(`{"SEQ":0}`)}).FirstErr(); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		td, err := kadm.NewClient(cl).ListTopics(ctx, "LAST_CHARGE")
		if err == nil && td.Has("LAST_CHARGE") {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the engine did not create the table's topic within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return kcfg, f.URL
}

// pushRows runs a push query over h2c and sends each row's SEQ to out.
func pushRows(b *testing.B, ctx context.Context, url, sql string, out chan<- arrival) {
	b.Helper()
	var h2 http.Protocols
	h2.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: &h2}}
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/query-stream", strings.NewReader(`{"sql":"`+sql+`"}`))
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("push query: %v", err)
	}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		b.Fatal("no header")
	}
	go func() {
		defer resp.Body.Close()
		for sc.Scan() {
			line := strings.TrimSuffix(sc.Text(), "]")
			if i := strings.LastIndexByte(line, ','); i >= 0 {
				if n, err := strconv.ParseInt(line[i+1:], 10, 64); err == nil {
					out <- arrival{n, time.Now()}
				}
			}
		}
	}()
}

// rawConsume sends the SEQ of every record committed to topic from now on.
func rawConsume(b *testing.B, ctx context.Context, kcfg kafka.Config, topic string, out chan<- arrival) {
	b.Helper()
	// From the start: a consumer that starts at the end resolves "the
	// end" lazily and could miss the first event; older events are
	// skipped by waitArrival.
	cl, err := kcfg.NewClient(kgo.ConsumeTopics(topic), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableClientMetrics())
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		defer cl.Close()
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				v := string(r.Value)
				if i := strings.Index(v, `"SEQ":`); i >= 0 {
					end := strings.IndexAny(v[i+6:], ",}")
					if n, err := strconv.ParseInt(v[i+6:i+6+end], 10, 64); err == nil {
						out <- arrival{n, time.Now()}
					}
				}
			})
		}
	}()
}
