package chaintap

// Header is what the canonical-chain tracker needs to know of a block, and
// what every chain family has: a height, a hash and the parent's hash.
type Header struct {
	Number     uint64 `json:"number"`
	Hash       string `json:"hash"`
	ParentHash string `json:"parent_hash"`
}

// Block is one block of any chain family as the follower and the
// publisher carry it. They need nothing else of it: the tracker decides
// on headers, the publisher writes records (and remembers their keys in a
// manifest, to retract them), the cursor holds headers. A family's
// adapter (evm, btc) returns its own block type; its fields are the
// family's business and its records' values.
type Block interface {
	// Header is the block's height, hash and parent hash.
	Header() Header
	// Records are the block's records in publishing order, the block's
	// own record first (entity EntityBlocks, keyed by BlockHeadKey), each
	// keyed as the record conventions say. Their keys must be stable
	// across reorgs where the entity survives, and unique per entity
	// within the block.
	Records() []Record
}

// Record is one record of a block before it is given a topic: Entity
// names the topic ("transactions" → "<chain>.transactions"), Key is its
// head-view key, Value is encoded as JSON.
type Record struct {
	Entity string
	Key    string
	Value  any
}

// Blocks converts a slice of one family's blocks to a slice of Block.
func Blocks[B Block](bs []B) []Block {
	out := make([]Block, len(bs))
	for i, b := range bs {
		out[i] = b
	}
	return out
}
