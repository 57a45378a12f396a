package kafka

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// manifest lists the keys a block was published with on the head view, so
// that every one of them can be retracted if the block is orphaned — even
// after a restart, when the block itself may be gone from the node.
type manifest struct {
	Chain  string `json:"chain"`
	Number uint64 `json:"number"`
	Hash   string `json:"hash"`
	// Keys maps each head-view topic to its keys, in publishing order.
	Keys map[string][]string `json:"keys"`
}

// A manifest is written once per block, in the same transaction as the
// block's records, so its size is on the publishing hot path. Most keys
// repeat a transaction hash (a log's key is "<tx hash>:<position>", an
// event's and a transfer's start the same way), so the encoded form lists
// each 66-character 0x hash prefix once, in "prefixes", and writes a key
// starting with prefix i as "$i" followed by the rest of the key; a key
// that itself starts with '$' is written with one more '$'. Manifests
// without "prefixes" (the first format) decode as they are.
const hashPrefixLen = 66

// wireManifest is a manifest as stored in the manifests topic.
type wireManifest struct {
	Chain    string              `json:"chain"`
	Number   uint64              `json:"number"`
	Hash     string              `json:"hash"`
	Prefixes []string            `json:"prefixes,omitempty"`
	Keys     map[string][]string `json:"keys"`
}

func hashPrefix(key string) (string, bool) {
	if len(key) >= hashPrefixLen && key[0] == '0' && key[1] == 'x' {
		return key[:hashPrefixLen], true
	}
	return "", false
}

// appendManifest encodes m in the compact form (topics sorted, as
// json.Marshal sorts map keys), into d grown once to the size it needs.
func appendManifest(d []byte, m *manifest) []byte {
	topics := slices.Sorted(maps.Keys(m.Keys))
	var pre prefixIndex
	size := 64 + len(m.Chain) + len(m.Hash)
	for _, topic := range topics {
		size += len(topic) + 6
		for _, k := range m.Keys[topic] {
			size += len(k) + 8
			if p, ok := hashPrefix(k); ok {
				pre.add(p)
				size -= hashPrefixLen - 8 // written as "$i"
			}
		}
	}
	d = slices.Grow(d, size+len(pre.list)*(hashPrefixLen+3))
	d = appendStr(append(d, `{"chain":`...), m.Chain)
	d = appendU64(append(d, `,"number":`...), m.Number)
	d = appendStr(append(d, `,"hash":`...), m.Hash)
	if len(pre.list) > 0 {
		d = appendStrs(append(d, `,"prefixes":`...), pre.list)
	}
	d = append(d, `,"keys":{`...)
	for i, topic := range topics {
		if i > 0 {
			d = append(d, ',')
		}
		d = append(appendStr(d, topic), ':', '[')
		for j, k := range m.Keys[topic] {
			if j > 0 {
				d = append(d, ',')
			}
			d = appendManifestKey(d, k, &pre)
		}
		d = append(d, ']')
	}
	return append(d, "}}"...)
}

// appendManifestKey writes k in the compact form as a JSON string. The
// "$i" or "$" it starts with never needs escaping, so escaping the rest
// alone escapes the whole as json.Marshal would.
func appendManifestKey(d []byte, k string, pre *prefixIndex) []byte {
	d = append(d, '"')
	rest := k
	if p, ok := hashPrefix(k); ok {
		d = strconv.AppendInt(append(d, '$'), int64(pre.of(p)), 10)
		rest = k[hashPrefixLen:]
	} else if strings.HasPrefix(k, "$") {
		d = append(d, '$')
	}
	if needsEscape(rest) {
		quoted, _ := json.Marshal(rest)
		return append(d, quoted[1:]...) // its closing quote ends the key
	}
	return append(append(d, rest...), '"')
}

// prefixIndex numbers the distinct hash prefixes of a manifest in order
// of first appearance. Keys sharing a prefix mostly come in a row (a
// transaction's logs), so the last one looked up is checked before the
// map.
type prefixIndex struct {
	list  []string
	index map[string]int
	last  string
	lastI int
}

func (x *prefixIndex) add(p string) {
	if p == x.last && x.list != nil {
		return
	}
	if x.index == nil {
		x.index = map[string]int{}
	}
	i, seen := x.index[p]
	if !seen {
		i = len(x.list)
		x.index[p] = i
		x.list = append(x.list, p)
	}
	x.last, x.lastI = p, i
}

// of returns the number of p, which add was given.
func (x *prefixIndex) of(p string) int {
	if p != x.last {
		x.last, x.lastI = p, x.index[p]
	}
	return x.lastI
}

// decodeManifest reads a manifest in either form.
func decodeManifest(v []byte) (*manifest, error) {
	var w wireManifest
	if err := json.Unmarshal(v, &w); err != nil {
		return nil, err
	}
	m := &manifest{Chain: w.Chain, Number: w.Number, Hash: w.Hash, Keys: w.Keys}
	if w.Prefixes == nil {
		return m, nil
	}
	for topic, keys := range m.Keys {
		for i, k := range keys {
			full, err := expandKey(k, w.Prefixes)
			if err != nil {
				return nil, fmt.Errorf("key %q of %s: %w", k, topic, err)
			}
			keys[i] = full
		}
	}
	return m, nil
}

func expandKey(k string, prefixes []string) (string, error) {
	if !strings.HasPrefix(k, "$") {
		return k, nil
	}
	if strings.HasPrefix(k, "$$") {
		return k[1:], nil
	}
	end := 1
	for end < len(k) && k[end] >= '0' && k[end] <= '9' {
		end++
	}
	i, err := strconv.Atoi(k[1:end])
	if err != nil || i >= len(prefixes) {
		return "", fmt.Errorf("no prefix %q among %d", k[1:end], len(prefixes))
	}
	return prefixes[i] + k[end:], nil
}
