package devchain

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
)

// A template is a node's JSON answer about one block (the block, or its
// receipts), cut at every place that names the block: its hash, its
// parent's hash, its number and its timestamp, wherever they appear (the
// block, each transaction, receipt and log). Writing it for height n
// splices n's identity between the literal segments, so serving a
// replayed block costs a copy, not a JSON encoding.
type template struct {
	lits  [][]byte // len(holes)+1 literal segments
	holes []hole   // what goes between lits[i] and lits[i+1]
}

// hole is what a template leaves out.
type hole uint8

const (
	holeHash      hole = iota // the block's hash, quoted
	holeParent                // its parent's hash, quoted
	holeNumber                // its number, quoted hex
	holeTimestamp             // its timestamp, quoted hex
)

// identity is how a block is named in its answers, as the node wrote it.
type identity struct {
	hash, parent, number, timestamp string // hex, "0x…"
}

// makeTemplate cuts raw, an answer about the block named by id. Hashes are
// cut wherever they appear quoted (a 32-byte hash is only ever the same
// block's); numbers and timestamps only as the values of their keys,
// since another field may hold the same quantity.
func makeTemplate(raw []byte, id identity) template {
	type cut struct {
		start, end int
		h          hole
	}
	var cuts []cut
	find := func(needle []byte, skip int, h hole) {
		for off := 0; ; {
			i := bytes.Index(raw[off:], needle)
			if i < 0 {
				return
			}
			start := off + i + skip
			cuts = append(cuts, cut{start, off + i + len(needle), h})
			off += i + len(needle)
		}
	}
	find([]byte(strconv.Quote(id.hash)), 0, holeHash)
	if id.parent != "" {
		find([]byte(strconv.Quote(id.parent)), 0, holeParent)
	}
	for _, kv := range []struct {
		keys  []string
		value string
		h     hole
	}{{[]string{"number", "blockNumber"}, id.number, holeNumber}, {[]string{"timestamp", "blockTimestamp"}, id.timestamp, holeTimestamp}} {
		for _, k := range kv.keys {
			key := strconv.Quote(k) + ":"
			find([]byte(key+strconv.Quote(kv.value)), len(key), kv.h)
		}
	}
	slices.SortFunc(cuts, func(a, b cut) int { return a.start - b.start })
	var t template
	prev := 0
	for _, c := range cuts {
		t.lits = append(t.lits, raw[prev:c.start])
		t.holes = append(t.holes, c.h)
		prev = c.end
	}
	t.lits = append(t.lits, raw[prev:])
	return t
}

// appendTo appends the answer for height n to dst.
func (t *template) appendTo(dst []byte, n uint64) []byte {
	for i, h := range t.holes {
		dst = append(dst, t.lits[i]...)
		dst = append(dst, '"')
		switch h {
		case holeHash:
			dst = appendHash(dst, n)
		case holeParent:
			if n == 0 {
				dst = append(dst, "0x0000000000000000000000000000000000000000000000000000000000000000"...)
			} else {
				dst = appendHash(dst, n-1)
			}
		case holeNumber:
			dst = strconv.AppendUint(append(dst, "0x"...), n, 16)
		case holeTimestamp:
			dst = strconv.AppendUint(append(dst, "0x"...), replayTimestamp(n), 16)
		}
		dst = append(dst, '"')
	}
	return append(dst, t.lits[len(t.lits)-1]...)
}

// size is the length of the answer, give or take the identity's.
func (t *template) size() int {
	n := 0
	for _, l := range t.lits {
		n += len(l)
	}
	return n + 70*len(t.holes)
}

// replayTimestamp is block n's timestamp: a block every 12 s, as on
// mainnet, from an arbitrary start.
func replayTimestamp(n uint64) uint64 { return 1_700_000_000 + 12*n }

// ReplayHash is the hash of replayed block n: 24 bytes that look random,
// then n (so a hash names its height, and eth_getBlockByHash needs no
// index).
func ReplayHash(n uint64) common.Hash {
	var h common.Hash
	var num [8]byte
	binary.BigEndian.PutUint64(num[:], n)
	copy(h[:24], crypto.Keccak256([]byte("chaintap replay"), num[:]))
	copy(h[24:], num[:])
	return h
}

func appendHash(dst []byte, n uint64) []byte {
	h := ReplayHash(n)
	dst = append(dst, "0x"...)
	return hexAppend(dst, h[:])
}

func hexAppend(dst, src []byte) []byte {
	const digits = "0123456789abcdef"
	for _, b := range src {
		dst = append(dst, digits[b>>4], digits[b&0xf])
	}
	return dst
}

// replayHeight is the height a replay hash names, if it is one.
func replayHeight(hash string) (uint64, bool) {
	b, err := hexutil.Decode(hash)
	if err != nil || len(b) != 32 {
		return 0, false
	}
	n := binary.BigEndian.Uint64(b[24:])
	return n, ReplayHash(n) == common.BytesToHash(b)
}

// templateError says which answer could not be cut.
func templateError(what string, n uint64, err error) error {
	return fmt.Errorf("replay template: %s of block %d: %w", what, n, err)
}
