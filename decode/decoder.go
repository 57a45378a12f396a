package decode

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/chaintap/chaintap"
)

// Reasons a log is not decoded, the labels of the metric.
const (
	ReasonUnknownContract = "unknown_contract"
	ReasonUnknownEvent    = "unknown_event"
	ReasonTopicCount      = "wrong_topic_count"
	ReasonBadData         = "bad_data"
)

// ErrUndecodable wraps why a log could not be decoded.
var ErrUndecodable = errors.New("undecodable log")

// Decoder is a chaintap.Enricher: it adds decoded events and token
// transfers to blocks. It is safe for concurrent use.
type Decoder struct {
	reg     *Registry
	metrics *Metrics
}

// NewDecoder returns a decoder over reg; m may be nil.
func NewDecoder(reg *Registry, m *Metrics) *Decoder {
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Decoder{reg: reg, metrics: m}
}

var _ chaintap.Enricher = (*Decoder)(nil)

// Enrich implements chaintap.Enricher. Logs that do not decode are counted
// and left out of the events; they stay in the block's logs.
func (d *Decoder) Enrich(b *chaintap.EVMBlock) {
	b.Events, b.Transfers = b.Events[:0], b.Transfers[:0]
	for i := range b.Logs {
		l := &b.Logs[i]
		b.Transfers = append(b.Transfers, Transfers(l)...)
		ev, contract, err := d.Event(l)
		if err != nil {
			d.metrics.undecoded.WithLabelValues(b.Chain, contract, reason(err)).Inc()
			continue
		}
		d.metrics.decoded.WithLabelValues(b.Chain, contract).Inc()
		b.Events = append(b.Events, ev)
	}
}

type reasonError struct {
	reason string
	err    error
}

func (e *reasonError) Error() string { return e.err.Error() }
func (e *reasonError) Unwrap() error { return e.err }

func undecodable(r string, format string, args ...any) error {
	return &reasonError{reason: r, err: fmt.Errorf("%w: %s", ErrUndecodable, fmt.Sprintf(format, args...))}
}

func reason(err error) string {
	var re *reasonError
	if errors.As(err, &re) {
		return re.reason
	}
	return ReasonBadData
}

// Event decodes one log. It returns the contract's name (or "unknown") for
// metrics, and an error wrapping ErrUndecodable when the log does not
// decode. It never panics, whatever the topics and data.
func (d *Decoder) Event(l *chaintap.Log) (ev chaintap.Event, contract string, err error) {
	contract = "unknown"
	defer func() {
		if r := recover(); r != nil { // the ABI library on adversarial input
			err = undecodable(ReasonBadData, "log %s:%d: %v", l.TransactionHash, l.TxLogPosition, r)
		}
	}()
	if !common.IsHexAddress(l.Address) {
		return ev, contract, undecodable(ReasonBadData, "log address %q", l.Address)
	}
	addr := common.HexToAddress(l.Address)
	topics, err := parseTopics(l.Topics)
	if err != nil {
		return ev, contract, err
	}
	data, err := hexutil.Decode(orEmpty(l.Data))
	if err != nil {
		return ev, contract, undecodable(ReasonBadData, "log data: %v", err)
	}
	at, known := d.reg.ContractAt(addr)
	if known {
		contract = at.Name
	}
	cands := d.candidates(addr, topics, at)
	if len(cands) == 0 {
		if !known && len(d.reg.any) == 0 {
			return ev, contract, undecodable(ReasonUnknownContract, "no contract at %s", addr.Hex())
		}
		if !known {
			return ev, contract, undecodable(ReasonUnknownContract, "no contract at %s, and no standard event matches", addr.Hex())
		}
		return ev, contract, undecodable(ReasonUnknownEvent, "no event of %s matches", at.Name)
	}
	var lastErr error
	for _, c := range cands {
		args, err := decodeArgs(c.event, topics, data)
		if err != nil {
			if !c.event.Anonymous || lastErr == nil {
				lastErr = err
			}
			continue
		}
		if !known {
			contract = c.contract.Name
		}
		return chaintap.Event{
			Type: chaintap.KindEvent, Chain: l.Chain,
			BlockNumber: l.BlockNumber, BlockHash: l.BlockHash, BlockTimestamp: l.BlockTimestamp,
			TransactionHash: l.TransactionHash, TransactionIndex: l.TransactionIndex,
			LogIndex: l.LogIndex, TxLogPosition: l.TxLogPosition,
			ContractAddress: addressString(addr), ContractName: c.contract.Name,
			EventName: c.event.RawName, EventSignature: c.event.Sig, Args: args,
		}, contract, nil
	}
	if allAnonymous(cands) {
		// Anonymous events match any log with their topic count; failing
		// them says the log is none of the contract's events.
		return ev, contract, undecodable(ReasonUnknownEvent, "no event of %s matches (%v)", contract, lastErr)
	}
	return ev, contract, lastErr
}

func allAnonymous(cs []candidate) bool {
	for _, c := range cs {
		if !c.event.Anonymous {
			return false
		}
	}
	return true
}

// candidates lists the events a log may be, most specific first: events of
// the contract at its address with its first topic, then its anonymous
// events, then standard interfaces' events with that topic.
func (d *Decoder) candidates(addr common.Address, topics []common.Hash, at *Contract) []candidate {
	var out []candidate
	var wrongCount []candidate
	add := func(cs []candidate) {
		for _, c := range cs {
			if c.indexed == len(topics)-1 {
				out = append(out, c)
			} else {
				wrongCount = append(wrongCount, c)
			}
		}
	}
	if len(topics) > 0 {
		add(d.reg.byTopic[topicKey{address: addr, topic: topics[0]}])
	}
	if at != nil {
		for _, ev := range at.ABI.Events {
			if ev.Anonymous && countIndexed(ev) == len(topics) {
				out = append(out, candidate{contract: at, event: &ev, indexed: len(topics)})
			}
		}
	}
	if len(topics) > 0 {
		add(d.reg.byTopic[topicKey{topic: topics[0]}])
	}
	if len(out) == 0 && len(wrongCount) > 0 {
		// Known event, wrong number of topics: report that, not "unknown".
		return []candidate{{contract: wrongCount[0].contract, event: wrongCount[0].event, indexed: -1}}
	}
	return out
}

// decodeArgs decodes an event's arguments from topics (indexed) and data.
func decodeArgs(ev *abi.Event, topics []common.Hash, data []byte) ([]byte, error) {
	if !ev.Anonymous {
		topics = topics[1:]
	}
	if countIndexed(*ev) != len(topics) {
		return nil, undecodable(ReasonTopicCount, "%s has %d indexed arguments, the log %d topics", ev.Sig, countIndexed(*ev), len(topics))
	}
	values, err := ev.Inputs.NonIndexed().UnpackValues(data)
	if err != nil {
		return nil, undecodable(ReasonBadData, "%s data: %v", ev.Sig, err)
	}
	out := []byte{'{'}
	ti, vi := 0, 0
	for i, in := range ev.Inputs {
		if i > 0 {
			out = append(out, ',')
		}
		name := in.Name
		if name == "" {
			name = fmt.Sprintf("_%d", i)
		}
		out = append(appendJSONString(out, name), ':')
		if in.Indexed {
			topic := topics[ti]
			ti++
			if isDynamic(in.Type) {
				out = append(appendJSONString(append(out, `{"indexed_hash":`...), topic.Hex()), '}')
				continue
			}
			val, err := topicValue(in.Type, topic)
			if err != nil {
				return nil, undecodable(ReasonBadData, "%s topic %s: %v", ev.Sig, in.Name, err)
			}
			if out, err = appendValue(out, in.Type, reflect.ValueOf(val)); err != nil {
				return nil, undecodable(ReasonBadData, "%s %s: %v", ev.Sig, in.Name, err)
			}
			continue
		}
		var err error
		if out, err = appendValue(out, in.Type, reflect.ValueOf(values[vi])); err != nil {
			return nil, undecodable(ReasonBadData, "%s %s: %v", ev.Sig, in.Name, err)
		}
		vi++
	}
	return append(out, '}'), nil
}

// topicValue decodes a static indexed argument from its topic.
func topicValue(t abi.Type, topic common.Hash) (any, error) {
	m := map[string]any{}
	if err := abi.ParseTopicsIntoMap(m, abi.Arguments{{Name: "v", Type: t, Indexed: true}}, []common.Hash{topic}); err != nil {
		return nil, err
	}
	return m["v"], nil
}

func parseTopics(ts []string) ([]common.Hash, error) {
	out := make([]common.Hash, len(ts))
	for i, t := range ts {
		b, err := hexutil.Decode(t)
		if err != nil || len(b) != 32 {
			return nil, undecodable(ReasonBadData, "topic %d %q is not 32 bytes of hex", i, t)
		}
		out[i] = common.BytesToHash(b)
	}
	return out, nil
}

func orEmpty(s string) string {
	if s == "" || strings.EqualFold(s, "0x") {
		return "0x"
	}
	return s
}
