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
// json.Marshal sorts map keys).
func appendManifest(d []byte, m *manifest) []byte {
	topics := slices.Sorted(maps.Keys(m.Keys))
	var prefixes []string
	index := map[string]int{}
	for _, topic := range topics {
		for _, k := range m.Keys[topic] {
			if p, ok := hashPrefix(k); ok {
				if _, seen := index[p]; !seen {
					index[p] = len(prefixes)
					prefixes = append(prefixes, p)
				}
			}
		}
	}
	d = appendStr(append(d, `{"chain":`...), m.Chain)
	d = appendU64(append(d, `,"number":`...), m.Number)
	d = appendStr(append(d, `,"hash":`...), m.Hash)
	if len(prefixes) > 0 {
		d = appendStrs(append(d, `,"prefixes":`...), prefixes)
	}
	d = append(d, `,"keys":{`...)
	var key []byte
	for i, topic := range topics {
		if i > 0 {
			d = append(d, ',')
		}
		d = append(appendStr(d, topic), ':', '[')
		for j, k := range m.Keys[topic] {
			if j > 0 {
				d = append(d, ',')
			}
			key = key[:0]
			if p, ok := hashPrefix(k); ok {
				key = append(strconv.AppendInt(append(key, '$'), int64(index[p]), 10), k[hashPrefixLen:]...)
			} else {
				if strings.HasPrefix(k, "$") {
					key = append(key, '$')
				}
				key = append(key, k...)
			}
			d = appendStr(d, string(key))
		}
		d = append(d, ']')
	}
	return append(d, "}}"...)
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
