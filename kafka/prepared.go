package kafka

import (
	"sync"

	"github.com/chaintap/chaintap"
)

// Prepare implements chaintap.Preparer: it makes b ready now, in the
// caller's goroutine (the follower's fetch workers): values encoded,
// records of both views built, manifest encoded. Publish then only hands
// ready records to the producer, and this work overlaps the previous
// transaction's flush and commit. An encoding error is not reported here:
// Publish encodes the block again and reports it there.
func (p *Publisher) Prepare(b chaintap.Block) {
	_, _ = p.encoded.get(b) // get encodes only what is not there yet
}

// encodedCache holds blocks' encoded records from Prepare (ahead of
// time) or the head view's Publish until the confirmed view's Publish, so
// a block is encoded once. It is safe for concurrent use.
//
// Dropped entries give their buffer back for reuse: by then their records
// were committed (or their block orphaned), and franz-go no longer holds
// them once Publish's flush returned. Encoding then writes into memory
// already in use instead of allocating and zeroing tens of KB per block.
type encodedCache struct {
	chain  string
	topics Topics
	mu     sync.Mutex
	m      map[string]*encoded // by block hash
	bufs   sync.Pool           // of *[]byte
}

func newEncodedCache(chain string, t Topics) *encodedCache {
	return &encodedCache{chain: chain, topics: t, m: map[string]*encoded{}}
}

// get returns b's encoded records, encoding (and keeping) them if they
// are not there yet.
func (c *encodedCache) get(b chaintap.Block) (*encoded, error) {
	hash := b.Header().Hash
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if ok {
		return e, nil
	}
	var buf []byte
	if p, ok := c.bufs.Get().(*[]byte); ok {
		buf = *p
	}
	e, err := encodeBlock(c.topics, c.chain, b, buf)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[hash]; ok {
		// Encoded twice at once (a prepare racing a publish): keep the
		// first, whose values may already be in flight.
		c.recycle(e)
		return prev, nil
	}
	c.m[hash] = e
	return e, nil
}

// keepOnly drops what a committed batch made useless: blocks confirmed
// now or before, and orphans (not in the cursor's window at a height the
// window covers). It keeps blocks prepared above the head, not published
// yet, and blocks below the window not confirmed yet (a batch bigger than
// the window minus the confirmations leaves some there): the confirmed
// view still needs them. An orphan prepared above the head goes once the
// head passes its height.
func (c *encodedCache) keepOnly(cur chaintap.Cursor, confirmed []chaintap.Block) {
	head, ok := cur.Head()
	if !ok {
		return
	}
	oldest := cur.Window[0].Number
	inWindow := make(map[string]bool, len(cur.Window))
	for _, h := range cur.Window {
		inWindow[h.Hash] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range confirmed {
		c.drop(b.Header().Hash)
	}
	for hash, e := range c.m {
		switch {
		case inWindow[hash] || e.number > head.Number:
		case cur.ConfirmedSet && e.number <= cur.Confirmed, e.number >= oldest:
			c.drop(hash)
		}
	}
}

// reset forgets everything without recycling: after a failed transaction
// the producer may still hold records.
func (c *encodedCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = map[string]*encoded{}
}

func (c *encodedCache) drop(hash string) {
	if e, ok := c.m[hash]; ok {
		delete(c.m, hash)
		c.recycle(e)
	}
}

func (c *encodedCache) recycle(e *encoded) {
	buf := e.buf[:0]
	e.buf, e.values, e.ready = nil, nil, nil
	c.bufs.Put(&buf)
}
