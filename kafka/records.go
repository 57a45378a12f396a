package kafka

import (
	"fmt"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
)

// Record headers: what routing and tooling need without parsing the value.
const (
	HeaderChain       = "chain"
	HeaderBlockNumber = "block_number"
	HeaderBlockHash   = "block_hash"
	HeaderOp          = "op"
	HeaderOrigin      = "origin"

	OpUpsert  = "upsert"
	OpRetract = "retract"
)

// Record is one record of a block before it is given a topic: the entity
// names the topic ("transactions" → "<chain>.transactions").
type Record = chaintap.Record

// BlockRecords returns the records of b in publishing order (the block's
// own first). confirmed selects the confirmed view's block key (the
// hash) over the head view's (the number).
func BlockRecords(b chaintap.Block, confirmed bool) []Record {
	rs := b.Records()
	if confirmed {
		h := b.Header()
		for i := range rs {
			rs[i].Key, _ = confirmedKey(rs[i], h)
		}
	}
	return rs
}

// confirmedKey is r's key in the confirmed view, and whether it differs
// from its head-view key: only a block's does (its number on the head
// view, its hash when confirmed). It is the one place that rule lives.
func confirmedKey(r Record, h chaintap.Header) (string, bool) {
	if r.Entity == chaintap.EntityBlocks {
		return chaintap.BlockConfirmedKey(h.Hash), true
	}
	return r.Key, false
}

// manifestSlots bounds the manifests topic after compaction: a manifest is
// keyed by its block's height modulo manifestSlots, so it must exceed the
// largest reorg window (enforced by the config).
const manifestSlots = 4096

func manifestKey(chain string, number uint64) string {
	return chain + "/" + strconv.FormatUint(number%manifestSlots, 10)
}

func blockHeaders(chain string, number uint64, hash, op string, origin chaintap.Origin) []kgo.RecordHeader {
	hs := []kgo.RecordHeader{
		{Key: HeaderChain, Value: []byte(chain)},
		{Key: HeaderBlockNumber, Value: []byte(strconv.FormatUint(number, 10))},
		{Key: HeaderBlockHash, Value: []byte(hash)},
		{Key: HeaderOp, Value: []byte(op)},
	}
	if origin != "" {
		hs = append(hs, kgo.RecordHeader{Key: HeaderOrigin, Value: []byte(origin)})
	}
	return hs
}

// encoded is a block made ready to publish, once, in a fetch worker
// (Prepare) or in Publish: its values encoded once for both views, the
// records of both views built, and its manifest encoded, so that Publish,
// which runs one transaction at a time, only hands records to the
// producer.
type encoded struct {
	number uint64 // the block's
	recs   []Record
	values [][]byte
	buf    []byte // holds every value
	// ready holds the head view's records, then the confirmed view's,
	// with topics, keys and values set; Publish sets the headers. franz-go
	// writes into a record it is given (partition, offset, timestamp), so
	// each view is handed out once (taken) and built afresh if a block is
	// published in a view again.
	ready []kgo.Record
	taken [2]bool
	// manifest lists the head view's keys; manifestValue is its encoding.
	manifest      *manifest
	manifestValue []byte
	// pre holds the content prehash of each record in ready when sealing
	// (nil for one of a topic not sealed), in preBytes bytes.
	pre      [][]byte
	preBytes int
}

// encodeBlock makes b ready for chain's topics t, encoding its values
// into buf (from its start; pass nil to allocate): one buffer for the
// whole block, not one per record.
func encodeBlock(t Topics, chain string, b chaintap.Block, buf []byte) (*encoded, error) {
	recs := b.Records()
	h := b.Header()
	e := &encoded{number: h.Number, recs: recs, values: make([][]byte, len(recs))}
	// A reused buffer far larger than this block needs (an outlier's) would
	// be held, and counted in the follower's memory budget, for as long as
	// this block is: let it go instead.
	if need := encodedSize(b, recs); cap(buf) < need || cap(buf) > 4*need {
		buf = make([]byte, 0, need)
	}
	buf = buf[:0]
	for i, r := range recs {
		start := len(buf)
		var err error
		if buf, err = appendValue(buf, r.Value); err != nil {
			return nil, fmt.Errorf("encoding %s %s of block %d: %w", r.Entity, r.Key, h.Number, err)
		}
		e.values[i] = buf[start:len(buf):len(buf)]
	}
	e.buf = buf
	e.ready = buildViews(t, h, recs, e.values)
	e.manifest = &manifest{Chain: chain, Number: h.Number, Hash: h.Hash, Keys: map[string][]string{}}
	for _, r := range recs {
		topic := t.Head(r.Entity)
		e.manifest.Keys[topic] = append(e.manifest.Keys[topic], r.Key)
	}
	e.manifestValue = appendManifest(nil, e.manifest)
	return e, nil
}

// buildViews returns the records of both views of b: the head view's,
// then the confirmed view's. They share values, and keys but the block's;
// the keys are allocated in one piece.
func buildViews(t Topics, b chaintap.Header, recs []Record, values [][]byte) []kgo.Record {
	n := len(recs)
	out := make([]kgo.Record, 2*n)
	size := len(b.Hash) // the block's confirmed key, its hash
	for _, r := range recs {
		size += len(r.Key)
	}
	keys := make([]byte, 0, size)
	key := func(k string) []byte {
		start := len(keys)
		keys = append(keys, k...)
		return keys[start:len(keys):len(keys)]
	}
	for i, r := range recs {
		out[i] = kgo.Record{Topic: t.Head(r.Entity), Key: key(r.Key), Value: values[i]}
		ck := out[i].Key
		if k, differs := confirmedKey(r, b); differs {
			ck = key(k)
		}
		out[n+i] = kgo.Record{Topic: t.Confirmed(r.Entity), Key: ck, Value: values[i]}
	}
	return out
}

// view returns e's records of one view with headers set, ready to
// produce. The first call per view hands out the prepared records; a
// later one (the block published in that view again) builds new ones.
func (e *encoded) view(t Topics, b chaintap.Header, confirmed bool, headers []kgo.RecordHeader) []kgo.Record {
	v := 0
	if confirmed {
		v = 1
	}
	n := len(e.recs)
	var rs []kgo.Record
	if e.taken[v] {
		rs = buildViews(t, b, e.recs, e.values)[v*n : (v+1)*n]
	} else {
		e.taken[v] = true
		rs = e.ready[v*n : (v+1)*n]
	}
	for i := range rs {
		rs[i].Headers = headers
	}
	return rs
}

// encodedSize estimates a block's encoded records from their variable
// parts, so the buffer is rarely grown; for a family without an estimate
// of its own, from the number of records.
func encodedSize(blk chaintap.Block, recs []Record) int {
	b, ok := blk.(*chaintap.EVMBlock)
	if !ok {
		return 1024 * len(recs)
	}
	n := 2048 + len(b.LogsBloom) + len(b.ExtraData) + 128*len(b.Withdrawals)
	for i := range b.Transactions {
		n += 900 + len(b.Transactions[i].Input)
	}
	for i := range b.Logs {
		n += 450 + len(b.Logs[i].Data) + 70*len(b.Logs[i].Topics)
	}
	return n
}

// retractions encodes a retraction for every record m lists, newest
// first. A retraction is a tombstone (null value: a ksqlDB table or a
// compacted topic drops the key) whose headers say op=retract and name the
// orphaned block.
func retractions(m *manifest) []*kgo.Record {
	headers := blockHeaders(m.Chain, m.Number, m.Hash, OpRetract, "")
	var out []*kgo.Record
	entities := chaintap.Entities()
	for i := len(entities) - 1; i >= 0; i-- {
		for topic, keys := range m.Keys {
			if entityOf(topic) != entities[i] {
				continue
			}
			for j := len(keys) - 1; j >= 0; j-- {
				out = append(out, &kgo.Record{Topic: topic, Key: []byte(keys[j]), Headers: headers})
			}
		}
	}
	return out
}

// entityOf returns the entity of a head-view topic name ("x.logs" → "logs").
func entityOf(topic string) string {
	for i := len(topic) - 1; i >= 0; i-- {
		if topic[i] == '.' {
			return topic[i+1:]
		}
	}
	return topic
}

// Op returns the op header of a record (upsert when absent).
func Op(r *kgo.Record) string {
	for _, h := range r.Headers {
		if h.Key == HeaderOp {
			return string(h.Value)
		}
	}
	return OpUpsert
}
