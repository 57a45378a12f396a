package pgsink

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkDecodeBatch is the sink's decoding goroutine on the benchmark
// topic's records (text key, DECIMAL, BIGINT, text): binary is the path
// of a table the sink created (JSON text straight to COPY tuples), values
// the path through sql's decoder and pgx's encoders. Reported per record,
// the fresh-table bookkeeping of each key included.
func BenchmarkDecodeBatch(b *testing.B) {
	src, err := SourceFromColumns("id STRING KEY, kwh DECIMAL(20,2), n BIGINT, note STRING", "bench.meters", "")
	if err != nil {
		b.Fatal(err)
	}
	const n = 20000
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Key: []byte(fmt.Sprintf("meter-%07d", i)),
			Value: []byte(fmt.Sprintf(`{"KWH":%d.%02d,"N":%d,"NOTE":"reading from the bench"}`, i*37/100, i*37%100, i))}
	}
	for _, binary := range []bool{true, false} {
		name := "values"
		if binary {
			name = "binary"
		}
		b.Run(name, func(b *testing.B) {
			d := newDecoder(src, newKeyTable(true), binary)
			b.ReportAllocs()
			for b.Loop() {
				bt := newBatch(n, binary)
				d.known.start()
				for _, r := range recs {
					if err := d.add(bt, r); err != nil {
						b.Fatal(err)
					}
				}
				d.known = newKeyTable(true) // each round a first batch
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
		})
	}
}
