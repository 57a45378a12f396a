package seal_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/seal"
)

// BenchmarkChainSeal is the CPU cost of sealing one record alone.
func BenchmarkChainSeal(b *testing.B) {
	recs := benchRecords(1024, 250)
	c := seal.NewChain()
	i := 0
	for b.Loop() {
		r := recs[i%len(recs)]
		c.Seal(&kgo.Record{Key: r.Key, Value: r.Value, Headers: r.Headers})
		i++
	}
}
