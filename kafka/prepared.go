package kafka

import (
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
)

// prepared is a block made ready by Prepare: the block and its records
// encoded for its publisher's topics. The follower holds it (it is the
// one owner of blocks and their memory) and publishes it in the block's
// place; the publisher keeps nothing of it.
type prepared struct {
	chaintap.Block
	owner *Publisher
	enc   *encoded // nil once released
}

// Footprint implements chaintap.Footprinter: the block and its encoding.
func (b *prepared) Footprint() int {
	n := chaintap.Footprint(b.Block)
	if b.enc != nil {
		n += b.enc.footprint()
	}
	return n
}

// Prepare implements chaintap.Preparer: it makes b ready now, in the
// caller's goroutine (the follower's fetch workers): values encoded,
// records of both views built, manifest encoded. Publish then only hands
// ready records to the producer, and this work overlaps the previous
// transaction's flush and commit. An encoding error is not reported here:
// Prepare returns b as it was, and Publish encodes it again and reports
// the error there.
func (p *Publisher) Prepare(b chaintap.Block) chaintap.Block {
	if pb, ok := b.(*prepared); ok && pb.owner == p {
		return b
	}
	e, err := p.encode(unprepared(b))
	if err != nil {
		return b
	}
	return &prepared{Block: unprepared(b), owner: p, enc: e}
}

// Release implements chaintap.Preparer: b's buffer goes back for reuse.
// By then its records were committed (or its block orphaned), and
// franz-go no longer holds them once Publish's flush returned. Encoding
// then writes into memory already in use instead of allocating and
// zeroing tens of KB per block.
func (p *Publisher) Release(b chaintap.Block) {
	pb, ok := b.(*prepared)
	if !ok || pb.owner != p || pb.enc == nil {
		return
	}
	e := pb.enc
	pb.enc = nil
	buf := e.buf[:0]
	e.buf, e.values, e.ready, e.pre = nil, nil, nil, nil
	p.bufs.Put(&buf)
}

// encodedOf returns b's encoding: the prepared one, or made now (and
// not kept: the caller did not prepare b, so it does not hold it either).
func (p *Publisher) encodedOf(b chaintap.Block) (*encoded, error) {
	if pb, ok := b.(*prepared); ok && pb.owner == p && pb.enc != nil {
		return pb.enc, nil
	}
	return p.encode(unprepared(b))
}

// encode encodes b into a reused buffer when one is free.
func (p *Publisher) encode(b chaintap.Block) (*encoded, error) {
	var buf []byte
	if bp, ok := p.bufs.Get().(*[]byte); ok {
		buf = *bp
	}
	e, err := encodeBlock(p.topics, p.chain, b, buf)
	if err == nil && p.seal != nil {
		p.seal.prehash(e)
	}
	return e, err
}

// unprepared is the block b was prepared from, or b.
func unprepared(b chaintap.Block) chaintap.Block {
	if pb, ok := b.(*prepared); ok {
		return pb.Block
	}
	return b
}

// footprint estimates the bytes e holds: its buffer, the records of both
// views and their keys, the manifest.
func (e *encoded) footprint() int {
	n := cap(e.buf) + len(e.values)*int(unsafe.Sizeof([]byte(nil))) + len(e.manifestValue)
	n += e.preBytes + len(e.pre)*int(unsafe.Sizeof([]byte(nil)))
	n += cap(e.ready) * int(unsafe.Sizeof(kgo.Record{}))
	for i := range e.ready {
		n += len(e.ready[i].Key) / 2 // the two views share most keys
	}
	if e.manifest != nil {
		for _, keys := range e.manifest.Keys {
			n += len(keys) * 16
		}
	}
	return n
}
