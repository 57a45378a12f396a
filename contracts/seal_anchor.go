// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package contracts

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// SealAnchorMetaData contains all meta data concerning the SealAnchor contract.
var SealAnchorMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"log\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"Anchored\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"log\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"anchor\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"log\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"anchoredIn\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"sealer\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "SealAnchor",
	Bin: "0x60a0604052348015600e575f5ffd5b50336080526080516102926100315f395f81816048015261012801526102925ff3fe608060405234801561000f575f5ffd5b506004361061003f575f3560e01c80632aea4d211461004357806365c1368d1461008757806370c127c6146100a8575b5f5ffd5b61006a7f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020015b60405180910390f35b61009a610095366004610244565b6100bd565b60405190815260200161007e565b6100bb6100b6366004610244565b61011d565b005b5f5f5f8585856040516020016100f09392919092835267ffffffffffffffff919091166020830152604082015260600190565b6040516020818303038152906040528051906020012081526020019081526020015f205490509392505050565b336001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146101995760405162461bcd60e51b815260206004820152601760248201527f6f6e6c7920746865207365616c657220616e63686f7273000000000000000000604482015260640160405180910390fd5b60408051602080820186905267ffffffffffffffff851682840152606080830185905283518084039091018152608090920183528151918101919091205f818152918290529181205490036101f9575f8181526020819052604090204390555b6040805167ffffffffffffffff851681526020810184905285917fbea4d11b910aad40d2df2a90d97a3329219b6389f85777c99daad7eb5fafd439910160405180910390a250505050565b5f5f5f60608486031215610256575f5ffd5b83359250602084013567ffffffffffffffff81168114610274575f5ffd5b92959294505050604091909101359056fea164736f6c6343000825000a",
}

// SealAnchor is an auto generated Go binding around an Ethereum contract.
type SealAnchor struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *SealAnchor) GetABI() abi.ABI {
	return c.abi
}

// NewSealAnchor creates a new instance of SealAnchor.
func NewSealAnchor() *SealAnchor {
	parsed, err := SealAnchorMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &SealAnchor{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *SealAnchor) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackAnchor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70c127c6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function anchor(bytes32 log, uint64 size, bytes32 root) returns()
func (sealAnchor *SealAnchor) PackAnchor(log [32]byte, size uint64, root [32]byte) []byte {
	enc, err := sealAnchor.abi.Pack("anchor", log, size, root)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAnchor is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70c127c6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function anchor(bytes32 log, uint64 size, bytes32 root) returns()
func (sealAnchor *SealAnchor) TryPackAnchor(log [32]byte, size uint64, root [32]byte) ([]byte, error) {
	return sealAnchor.abi.Pack("anchor", log, size, root)
}

// PackAnchoredIn is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x65c1368d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function anchoredIn(bytes32 log, uint64 size, bytes32 root) view returns(uint256)
func (sealAnchor *SealAnchor) PackAnchoredIn(log [32]byte, size uint64, root [32]byte) []byte {
	enc, err := sealAnchor.abi.Pack("anchoredIn", log, size, root)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAnchoredIn is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x65c1368d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function anchoredIn(bytes32 log, uint64 size, bytes32 root) view returns(uint256)
func (sealAnchor *SealAnchor) TryPackAnchoredIn(log [32]byte, size uint64, root [32]byte) ([]byte, error) {
	return sealAnchor.abi.Pack("anchoredIn", log, size, root)
}

// UnpackAnchoredIn is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x65c1368d.
//
// Solidity: function anchoredIn(bytes32 log, uint64 size, bytes32 root) view returns(uint256)
func (sealAnchor *SealAnchor) UnpackAnchoredIn(data []byte) (*big.Int, error) {
	out, err := sealAnchor.abi.Unpack("anchoredIn", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackSealer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2aea4d21.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function sealer() view returns(address)
func (sealAnchor *SealAnchor) PackSealer() []byte {
	enc, err := sealAnchor.abi.Pack("sealer")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSealer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2aea4d21.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function sealer() view returns(address)
func (sealAnchor *SealAnchor) TryPackSealer() ([]byte, error) {
	return sealAnchor.abi.Pack("sealer")
}

// UnpackSealer is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x2aea4d21.
//
// Solidity: function sealer() view returns(address)
func (sealAnchor *SealAnchor) UnpackSealer(data []byte) (common.Address, error) {
	out, err := sealAnchor.abi.Unpack("sealer", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// SealAnchorAnchored represents a Anchored event raised by the SealAnchor contract.
type SealAnchorAnchored struct {
	Log  [32]byte
	Size uint64
	Root [32]byte
	Raw  *types.Log // Blockchain specific contextual infos
}

const SealAnchorAnchoredEventName = "Anchored"

// ContractEventName returns the user-defined event name.
func (SealAnchorAnchored) ContractEventName() string {
	return SealAnchorAnchoredEventName
}

// UnpackAnchoredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Anchored(bytes32 indexed log, uint64 size, bytes32 root)
func (sealAnchor *SealAnchor) UnpackAnchoredEvent(log *types.Log) (*SealAnchorAnchored, error) {
	event := "Anchored"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != sealAnchor.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(SealAnchorAnchored)
	if len(log.Data) > 0 {
		if err := sealAnchor.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range sealAnchor.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}
