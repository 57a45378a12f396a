package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// revertReason reports whether err is a revert and decodes its reason:
// Error(string) and Panic(uint256) as Solidity defines them, a custom
// error by the contract's ABI, else the node's words.
func revertReason(err error, a *abi.ABI) (string, bool) {
	msg := err.Error()
	var de rpc.DataError
	if errors.As(err, &de) {
		if data, ok := revertData(de.ErrorData()); ok {
			return decodeRevert(data, a), true
		}
	}
	if i := strings.Index(msg, "execution reverted"); i >= 0 {
		reason := strings.TrimPrefix(strings.TrimPrefix(msg[i:], "execution reverted"), ": ")
		if reason == "" {
			reason = "execution reverted without a reason"
		}
		return reason, true
	}
	return "", false
}

func revertData(v any) ([]byte, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, false
	}
	b, err := hexutil.Decode(s)
	return b, err == nil
}

// decodeRevert decodes revert data.
func decodeRevert(data []byte, a *abi.ABI) string {
	if len(data) == 0 {
		return "execution reverted without a reason"
	}
	if reason, err := abi.UnpackRevert(data); err == nil {
		return reason
	}
	if a != nil && len(data) >= 4 {
		for name, e := range a.Errors {
			if !bytes.Equal(e.ID[:4], data[:4]) {
				continue
			}
			args, err := e.Inputs.Unpack(data[4:])
			if err != nil {
				break
			}
			return fmt.Sprintf("%s%v", name, args)
		}
	}
	return "execution reverted with data " + hexutil.Encode(data)
}
