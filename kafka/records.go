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
type Record struct {
	Entity string
	Key    string
	Value  any
}

// BlockRecords returns the records of b in publishing order: the block,
// its transactions, its logs, its token transfers, its decoded events.
// confirmed selects the confirmed view's block key (the hash) over the
// head view's (the number).
func BlockRecords(b *chaintap.Block, confirmed bool) []Record {
	rs := headRecords(b)
	if confirmed {
		for i := range rs {
			rs[i].Key = viewKey(rs[i], b, true)
		}
	}
	return rs
}

// viewKey is r's key in the head view or the confirmed view: only a
// block's differs (its number on the head view, its hash when confirmed).
func viewKey(r Record, b *chaintap.Block, confirmed bool) string {
	if confirmed && r.Entity == "blocks" {
		return chaintap.BlockConfirmedKey(b.Hash)
	}
	return r.Key
}

// headRecords is BlockRecords for the head view.
func headRecords(b *chaintap.Block) []Record {
	rs := make([]Record, 0, 1+len(b.Transactions)+len(b.Logs)+len(b.Transfers)+len(b.Events))
	rs = append(rs, Record{Entity: "blocks", Key: chaintap.BlockHeadKey(b.Number), Value: b})
	for i := range b.Transactions {
		rs = append(rs, Record{Entity: "transactions", Key: chaintap.TxKey(b.Transactions[i].Hash), Value: &b.Transactions[i]})
	}
	for i := range b.Logs {
		l := &b.Logs[i]
		rs = append(rs, Record{Entity: "logs", Key: chaintap.LogKey(l.TransactionHash, l.TxLogPosition), Value: l})
	}
	for i := range b.Transfers {
		tr := &b.Transfers[i]
		rs = append(rs, Record{Entity: "token_transfers", Key: chaintap.TransferKey(tr.TransactionHash, tr.TxLogPosition, tr.BatchIndex), Value: tr})
	}
	for i := range b.Events {
		e := &b.Events[i]
		rs = append(rs, Record{Entity: "events", Key: chaintap.LogKey(e.TransactionHash, e.TxLogPosition), Value: e})
	}
	return rs
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

// encoded is a block's records with their values encoded once: the head
// view and, later, the confirmed view carry the same bytes.
type encoded struct {
	number uint64 // the block's
	recs   []Record
	values [][]byte
	buf    []byte // holds every value
}

// encodeBlock encodes b's records into buf (from its start; pass nil to
// allocate): one buffer for the whole block, not one per record.
func encodeBlock(b *chaintap.Block, buf []byte) (*encoded, error) {
	recs := headRecords(b)
	e := &encoded{number: b.Number, recs: recs, values: make([][]byte, len(recs))}
	if need := encodedSize(b); cap(buf) < need {
		buf = make([]byte, 0, need)
	}
	buf = buf[:0]
	for i, r := range recs {
		start := len(buf)
		var err error
		if buf, err = appendValue(buf, r.Value); err != nil {
			return nil, fmt.Errorf("encoding %s %s of block %d: %w", r.Entity, r.Key, b.Number, err)
		}
		e.values[i] = buf[start:len(buf):len(buf)]
	}
	e.buf = buf
	return e, nil
}

// encodedSize estimates a block's encoded records from their variable
// parts, so the buffer is rarely grown.
func encodedSize(b *chaintap.Block) int {
	n := 2048 + len(b.LogsBloom) + len(b.ExtraData) + 128*len(b.Withdrawals)
	for i := range b.Transactions {
		n += 900 + len(b.Transactions[i].Input)
	}
	for i := range b.Logs {
		n += 450 + len(b.Logs[i].Data) + 70*len(b.Logs[i].Topics)
	}
	return n
}

// upserts returns e's records for one view; m, if given, collects the keys.
// The records and their keys are allocated in one piece each.
func upserts(t Topics, b *chaintap.Block, e *encoded, confirmed bool, origin chaintap.Origin, m *manifest) []*kgo.Record {
	recs := make([]kgo.Record, len(e.recs))
	out := make([]*kgo.Record, len(e.recs))
	keyBuf := make([]byte, 0, 72*len(e.recs))
	headers := blockHeaders(b.Chain, b.Number, b.Hash, OpUpsert, origin)
	for i, r := range e.recs {
		topic, key := t.Head(r.Entity), viewKey(r, b, confirmed)
		if confirmed {
			topic = t.Confirmed(r.Entity)
		}
		start := len(keyBuf)
		keyBuf = append(keyBuf, key...)
		recs[i] = kgo.Record{Topic: topic, Key: keyBuf[start:len(keyBuf):len(keyBuf)], Value: e.values[i], Headers: headers}
		out[i] = &recs[i]
		if m != nil {
			m.Keys[topic] = append(m.Keys[topic], key)
		}
	}
	return out
}

// retractions encodes a retraction for every record m lists, newest
// first. A retraction is a tombstone (null value: a ksqlDB table or a
// compacted topic drops the key) whose headers say op=retract and name the
// orphaned block.
func retractions(m *manifest) []*kgo.Record {
	headers := blockHeaders(m.Chain, m.Number, m.Hash, OpRetract, "")
	var out []*kgo.Record
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
