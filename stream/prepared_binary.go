package stream

import (
	"encoding/binary"
	"errors"

	"github.com/chaintap/chaintap/sql"
)

var errCorruptEffect = errors.New("corrupt remembered contribution")

// appendBinary encodes what a retraction needs of p: the output or
// repartition key, the event time, and for aggregates the group, the
// arguments and the windows. The output value is not kept: a retraction
// writes a tombstone.
func (p *prepared) appendBinary(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p.key)))
	dst = append(dst, p.key...)
	dst = binary.AppendVarint(dst, p.ts)
	dst = sql.AppendRow(dst, p.group)
	dst = sql.AppendRow(dst, p.args)
	if p.windows == nil {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	dst = binary.AppendUvarint(dst, uint64(len(p.windows)))
	for _, w := range p.windows {
		dst = binary.AppendVarint(dst, w)
	}
	return dst
}

// readPrepared decodes what appendBinary wrote.
func readPrepared(b []byte) (*prepared, error) {
	p := &prepared{}
	n, m := binary.Uvarint(b)
	if m <= 0 || uint64(len(b)-m) < n {
		return nil, errCorruptEffect
	}
	if n > 0 {
		p.key = b[m : m+int(n)]
	}
	b = b[m+int(n):]
	ts, m := binary.Varint(b)
	if m <= 0 {
		return nil, errCorruptEffect
	}
	p.ts, b = ts, b[m:]
	var err error
	if p.group, b, err = sql.ReadRow(b); err != nil {
		return nil, err
	}
	var args sql.Row
	if args, b, err = sql.ReadRow(b); err != nil {
		return nil, err
	}
	p.args = args
	if p.group != nil {
		p.groupID = appendValues(nil, p.group)
	}
	if len(b) == 0 {
		return nil, errCorruptEffect
	}
	if b[0] == 0 {
		return p, nil
	}
	count, m := binary.Uvarint(b[1:])
	if m <= 0 {
		return nil, errCorruptEffect
	}
	b = b[1+m:]
	p.windows = make([]int64, 0, count)
	for range count {
		w, m := binary.Varint(b)
		if m <= 0 {
			return nil, errCorruptEffect
		}
		p.windows, b = append(p.windows, w), b[m:]
	}
	return p, nil
}
