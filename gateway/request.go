package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintap/chaintap/decode"
)

// Request is what a client asks for: one of a contract call (Contract and
// Method, with Args in the ABI's order), a value transfer (To and Value) or
// a deployment (Bytecode, with constructor Args when Contract names an
// ABI). From names one of the gateway's configured senders (a key), never
// an address.
type Request struct {
	From     string            `json:"from"`
	Contract string            `json:"contract,omitempty"`
	Method   string            `json:"method,omitempty"`
	Args     []json.RawMessage `json:"args,omitempty"`
	To       string            `json:"to,omitempty"`
	// Value is wei, decimal or 0x-hex; it may go with a call or a deployment.
	Value    string `json:"value,omitempty"`
	Bytecode string `json:"bytecode,omitempty"`
	// Gas overrides the estimate (then a refusal is mined, not reported
	// at acceptance).
	Gas uint64 `json:"gas,omitempty"`
}

// Kind names what a request does.
func (r Request) Kind() string {
	switch {
	case r.Bytecode != "":
		return "deploy"
	case r.Method != "" || r.Contract != "":
		return "call"
	default:
		return "transfer"
	}
}

// RequestID is the id of the request with idempotency key key: the same key
// always names the same request, so a repeat finds it.
func RequestID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// built is what a request becomes before it is signed.
type built struct {
	to    *common.Address
	data  []byte
	value *big.Int
	abi   *abi.ABI // for decoding a revert's custom error; may be nil
}

// build checks r against the configured contracts and encodes it. Every
// error is an *InvalidError.
func build(r Request, contracts map[string]decode.Contract) (built, error) {
	var b built
	value, err := parseValue(r.Value)
	if err != nil {
		return b, err
	}
	b.value = value
	switch r.Kind() {
	case "deploy":
		return buildDeploy(r, b, contracts)
	case "call":
		return buildCall(r, b, contracts)
	}
	if r.To == "" {
		return b, invalid("", "a request needs contract and method (a call), to and value (a transfer) or bytecode (a deployment)")
	}
	if !common.IsHexAddress(r.To) {
		return b, invalid("to", "%q is not an 0x-address", r.To)
	}
	if len(r.Args) > 0 {
		return b, invalid("args", "a transfer takes no arguments")
	}
	to := common.HexToAddress(r.To)
	b.to = &to
	return b, nil
}

func buildCall(r Request, b built, contracts map[string]decode.Contract) (built, error) {
	c, ok := contracts[r.Contract]
	if !ok {
		return b, invalid("contract", "unknown contract %q (configured: %s)", r.Contract, names(contracts))
	}
	if r.To != "" {
		return b, invalid("to", "a call goes to its contract's address; leave to out")
	}
	m, ok := c.ABI.Methods[r.Method]
	if !ok {
		return b, invalid("method", "contract %s has no method %q (it has: %s)", r.Contract, r.Method, methodNames(c.ABI))
	}
	args, err := convertArgs(m.Inputs, r.Args)
	if err != nil {
		return b, err
	}
	data, err := c.ABI.Pack(m.Name, args...)
	if err != nil {
		return b, invalid("args", "encoding %s.%s: %v", r.Contract, m.Name, err)
	}
	to := c.Address
	b.to, b.data, b.abi = &to, data, &c.ABI
	return b, nil
}

func buildDeploy(r Request, b built, contracts map[string]decode.Contract) (built, error) {
	code, err := hexBytes(r.Bytecode)
	if err != nil || len(code) == 0 {
		return b, invalid("bytecode", "want 0x-hex bytecode")
	}
	if r.To != "" || r.Method != "" {
		return b, invalid("", "a deployment takes bytecode (and contract, for constructor arguments), not to or method")
	}
	b.data = code
	if r.Contract == "" {
		if len(r.Args) > 0 {
			return b, invalid("args", "constructor arguments need contract (the ABI to encode them with)")
		}
		return b, nil
	}
	c, ok := contracts[r.Contract]
	if !ok {
		return b, invalid("contract", "unknown contract %q (configured: %s)", r.Contract, names(contracts))
	}
	args, err := convertArgs(c.ABI.Constructor.Inputs, r.Args)
	if err != nil {
		return b, err
	}
	packed, err := c.ABI.Pack("", args...)
	if err != nil {
		return b, invalid("args", "encoding the constructor of %s: %v", r.Contract, err)
	}
	b.data, b.abi = append(code, packed...), &c.ABI
	return b, nil
}

func parseValue(s string) (*big.Int, error) {
	if s == "" {
		return new(big.Int), nil
	}
	v, ok := new(big.Int).SetString(s, 0)
	if !ok || v.Sign() < 0 {
		return nil, invalid("value", "%q is not a wei amount (decimal or 0x-hex, not negative)", s)
	}
	return v, nil
}

func hexBytes(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	return hex.DecodeString(s)
}

func names(contracts map[string]decode.Contract) string {
	var n []string
	for k := range contracts {
		n = append(n, k)
	}
	return sortedList(n)
}

func methodNames(a abi.ABI) string {
	var n []string
	for k, m := range a.Methods {
		if !m.IsConstant() {
			n = append(n, k)
		}
	}
	return sortedList(n)
}
