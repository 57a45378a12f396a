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
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"log\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"Anchored\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"log\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"anchor\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"log\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"}],\"name\":\"anchoredIn\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"latest\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"size\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"blockNumber\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"sealer\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "SealAnchor",
	Bin: "0x60a0604052348015600e575f5ffd5b50336080526080516103926100315f395f81816053015261019301526103925ff3fe608060405234801561000f575f5ffd5b506004361061004a575f3560e01c80632aea4d211461004e57806365c1368d1461009257806370c127c6146100b357806379feb107146100c8575b5f5ffd5b6100757f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020015b60405180910390f35b6100a56100a036600461032d565b610128565b604051908152602001610089565b6100c66100c136600461032d565b610188565b005b6101026100d636600461036e565b600160208190525f918252604090912080549181015460029091015467ffffffffffffffff9092169183565b6040805167ffffffffffffffff9094168452602084019290925290820152606001610089565b5f5f5f85858560405160200161015b9392919092835267ffffffffffffffff919091166020830152604082015260600190565b6040516020818303038152906040528051906020012081526020019081526020015f205490509392505050565b336001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146102045760405162461bcd60e51b815260206004820152601760248201527f6f6e6c7920746865207365616c657220616e63686f7273000000000000000000604482015260640160405180910390fd5b60408051602080820186905267ffffffffffffffff851682840152606080830185905283518084039091018152608090920183528151918101919091205f81815291829052918120549003610264575f8181526020819052604090204390555b5f8481526001602052604090205467ffffffffffffffff90811690841611156102e2576040805160608101825267ffffffffffffffff85811682526020808301868152438486019081525f8a8152600193849052959095209351845467ffffffffffffffff1916931692909217835590519082015590516002909101555b6040805167ffffffffffffffff851681526020810184905285917fbea4d11b910aad40d2df2a90d97a3329219b6389f85777c99daad7eb5fafd439910160405180910390a250505050565b5f5f5f6060848603121561033f575f5ffd5b83359250602084013567ffffffffffffffff8116811461035d575f5ffd5b929592945050506040919091013590565b5f6020828403121561037e575f5ffd5b503591905056fea164736f6c6343000825000a",
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

// PackLatest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79feb107.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function latest(bytes32 ) view returns(uint64 size, bytes32 root, uint256 blockNumber)
func (sealAnchor *SealAnchor) PackLatest(arg0 [32]byte) []byte {
	enc, err := sealAnchor.abi.Pack("latest", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLatest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79feb107.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function latest(bytes32 ) view returns(uint64 size, bytes32 root, uint256 blockNumber)
func (sealAnchor *SealAnchor) TryPackLatest(arg0 [32]byte) ([]byte, error) {
	return sealAnchor.abi.Pack("latest", arg0)
}

// LatestOutput serves as a container for the return parameters of contract
// method Latest.
type LatestOutput struct {
	Size        uint64
	Root        [32]byte
	BlockNumber *big.Int
}

// UnpackLatest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x79feb107.
//
// Solidity: function latest(bytes32 ) view returns(uint64 size, bytes32 root, uint256 blockNumber)
func (sealAnchor *SealAnchor) UnpackLatest(data []byte) (LatestOutput, error) {
	out, err := sealAnchor.abi.Unpack("latest", data)
	outstruct := new(LatestOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Size = *abi.ConvertType(out[0], new(uint64)).(*uint64)
	outstruct.Root = *abi.ConvertType(out[1], new([32]byte)).(*[32]byte)
	outstruct.BlockNumber = abi.ConvertType(out[2], new(big.Int)).(*big.Int)
	return *outstruct, nil
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
