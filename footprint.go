package chaintap

import "unsafe"

// Footprinter is a Block that knows about how many bytes of memory it
// holds. The follower's memory budget counts blocks by it (see
// Footprint).
type Footprinter interface {
	// Footprint estimates the bytes the block holds: its structs, strings
	// and slices, and whatever a publisher prepared for it. It is called
	// more than once per block and must return the same value each time
	// as long as the block is not changed, and be cheap: no encoding.
	Footprint() int
}

// Footprint is b's Footprint, or for a block that does not estimate its
// own, 1 KiB per record.
func Footprint(b Block) int {
	if f, ok := b.(Footprinter); ok {
		return f.Footprint()
	}
	return 1024 * len(b.Records())
}

// The estimates below add each struct's size to the bytes of its
// variable parts: strings of unknown length count as a hash (66 bytes
// plus the allocator's rounding to 80), the long ones (input, data,
// decoded arguments) at their length. TestFootprintMatchesTheHeap holds
// them to the heap a decoded mainnet block really takes.
const hashString = 80

// Footprint implements Footprinter.
func (b *EVMBlock) Footprint() int {
	n := int(unsafe.Sizeof(*b)) + 12*hashString + len(b.LogsBloom) + len(b.ExtraData) +
		len(b.Withdrawals)*int(unsafe.Sizeof(Withdrawal{})+hashString)
	for i := range b.Transactions {
		tx := &b.Transactions[i]
		n += int(unsafe.Sizeof(*tx)) + 9*hashString + len(tx.Input) + len(tx.BlobVersionedHashes)*(16+hashString)
	}
	for i := range b.Logs {
		l := &b.Logs[i]
		n += int(unsafe.Sizeof(*l)) + 4*hashString + len(l.Data) + len(l.Topics)*(16+hashString)
	}
	for i := range b.Events {
		e := &b.Events[i]
		n += int(unsafe.Sizeof(*e)) + 3*hashString + len(e.ContractName) + len(e.EventName) + len(e.EventSignature) + len(e.Args)
	}
	for i := range b.Transfers {
		n += int(unsafe.Sizeof(b.Transfers[i])) + 6*hashString
	}
	return n
}

// Footprint implements Footprinter.
func (b *BitcoinBlock) Footprint() int {
	n := int(unsafe.Sizeof(*b)) + 6*hashString + len(b.CoinbaseParam)
	for i := range b.Transactions {
		tx := &b.Transactions[i]
		n += int(unsafe.Sizeof(*tx)) + 4*hashString
		for j := range tx.Inputs {
			in := &tx.Inputs[j]
			n += int(unsafe.Sizeof(*in)) + 2*hashString + len(in.ScriptAsm) + len(in.ScriptHex) + len(in.Addresses)*(16+hashString)
			for _, w := range in.Witness {
				n += 16 + len(w)
			}
		}
		for j := range tx.Outputs {
			out := &tx.Outputs[j]
			n += int(unsafe.Sizeof(*out)) + hashString + len(out.ScriptAsm) + len(out.ScriptHex) + len(out.Addresses)*(16+hashString)
		}
	}
	return n
}
