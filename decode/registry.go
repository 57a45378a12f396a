// Package decode turns raw logs into named, typed events with contracts'
// ABIs (go-ethereum's accounts/abi), and extracts ERC-20, ERC-721 and
// ERC-1155 token transfers. Logs that do not decode stay raw in
// <chain>.logs and are counted; they never stop the follower.
package decode

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

//go:embed abis/*.json
var builtinABIs embed.FS

// Contract is a contract whose events are decoded: at one address, or at
// any address (AnyAddress) for standard interfaces.
type Contract struct {
	Name    string
	Address common.Address
	Any     bool
	ABI     abi.ABI
}

// Builtin names the standard interfaces decoded at any address.
var Builtin = []string{"ERC-20", "ERC-721", "ERC-1155"}

// BuiltinContract returns a standard interface as a Contract for any address.
func BuiltinContract(name string) (Contract, error) {
	file := map[string]string{"ERC-20": "abis/erc20.json", "ERC-721": "abis/erc721.json", "ERC-1155": "abis/erc1155.json"}[name]
	if file == "" {
		return Contract{}, fmt.Errorf("no built-in ABI %q (have %s)", name, strings.Join(Builtin, ", "))
	}
	raw, err := builtinABIs.ReadFile(file)
	if err != nil {
		return Contract{}, err
	}
	a, err := abi.JSON(bytes.NewReader(raw))
	if err != nil {
		return Contract{}, fmt.Errorf("built-in ABI %s: %w", name, err)
	}
	return Contract{Name: name, Any: true, ABI: a}, nil
}

// LoadContract reads an ABI JSON file: a plain ABI array, or a compiler
// artifact with an "abi" field (solc, Hardhat, Foundry).
func LoadContract(name, address, path string) (Contract, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Contract{}, fmt.Errorf("contract %s: reading ABI: %w", name, err)
	}
	return ParseContract(name, address, raw)
}

// ParseContract is LoadContract on the file's contents. address is a
// 0x-address or "*" for any address.
func ParseContract(name, address string, raw []byte) (Contract, error) {
	c := Contract{Name: name}
	switch {
	case address == "*":
		c.Any = true
	case common.IsHexAddress(address):
		c.Address = common.HexToAddress(address)
	default:
		return c, fmt.Errorf("contract %s: address %q is neither a 0x-address nor \"*\"", name, address)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var artifact struct {
			ABI json.RawMessage `json:"abi"`
		}
		if err := json.Unmarshal(raw, &artifact); err != nil || len(artifact.ABI) == 0 {
			return c, fmt.Errorf("contract %s: the ABI file is an object without an \"abi\" array", name)
		}
		raw = artifact.ABI
	}
	a, err := abi.JSON(bytes.NewReader(raw))
	if err != nil {
		return c, fmt.Errorf("contract %s: parsing ABI: %w", name, err)
	}
	c.ABI = a
	return c, nil
}

// candidate is one event that a log with a given first topic may be.
type candidate struct {
	contract *Contract
	event    *abi.Event
	indexed  int
}

// Registry finds, for a log, the events it may be: by the contract at the
// log's address first, then by the interfaces decoded at any address.
type Registry struct {
	byAddress map[common.Address]*Contract
	any       []*Contract
	// byTopic indexes non-anonymous events: address-bound contracts'
	// under their address, any-address ones under the zero address.
	byTopic map[topicKey][]candidate
}

type topicKey struct {
	address common.Address
	topic   common.Hash
}

// NewRegistry indexes contracts. Two contracts at one address are an error.
func NewRegistry(contracts ...Contract) (*Registry, error) {
	r := &Registry{byAddress: map[common.Address]*Contract{}, byTopic: map[topicKey][]candidate{}}
	for i := range contracts {
		c := &contracts[i]
		if c.Any {
			r.any = append(r.any, c)
		} else {
			if prev, ok := r.byAddress[c.Address]; ok {
				return nil, fmt.Errorf("contracts %s and %s are both at %s", prev.Name, c.Name, c.Address.Hex())
			}
			r.byAddress[c.Address] = c
		}
		for _, ev := range c.ABI.Events {
			if ev.Anonymous {
				continue
			}
			k := topicKey{topic: ev.ID}
			if !c.Any {
				k.address = c.Address
			}
			r.byTopic[k] = append(r.byTopic[k], candidate{contract: c, event: &ev, indexed: countIndexed(ev)})
		}
	}
	return r, nil
}

func countIndexed(ev abi.Event) int {
	n := 0
	for _, in := range ev.Inputs {
		if in.Indexed {
			n++
		}
	}
	return n
}

// ContractAt returns the contract registered at address, if any.
func (r *Registry) ContractAt(address common.Address) (*Contract, bool) {
	c, ok := r.byAddress[address]
	return c, ok
}

// NewStandardDecoder decodes the built-in standard interfaces (ERC-20,
// ERC-721, ERC-1155) at any address and nothing else.
func NewStandardDecoder(m *Metrics) (*Decoder, error) {
	var cs []Contract
	for _, name := range Builtin {
		c, err := BuiltinContract(name)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	reg, err := NewRegistry(cs...)
	if err != nil {
		return nil, err
	}
	return NewDecoder(reg, m), nil
}
