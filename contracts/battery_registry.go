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

// BatteryRegistryMetaData contains all meta data concerning the BatteryRegistry contract.
var BatteryRegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"BatteryLocked\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint16\",\"name\":\"yearBuilt\",\"type\":\"uint16\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"country\",\"type\":\"string\"}],\"name\":\"BatteryRegistered\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"name\":\"BatteryUnlocked\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"by\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint32\",\"name\":\"chargeCycles\",\"type\":\"uint32\"}],\"name\":\"ChargeRecorded\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"station\",\"type\":\"address\"}],\"name\":\"StationAdded\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"station\",\"type\":\"address\"}],\"name\":\"addStation\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"}],\"name\":\"getBattery\",\"outputs\":[{\"internalType\":\"uint16\",\"name\":\"yearBuilt\",\"type\":\"uint16\"},{\"internalType\":\"string\",\"name\":\"country\",\"type\":\"string\"},{\"internalType\":\"uint32\",\"name\":\"chargeCycles\",\"type\":\"uint32\"},{\"internalType\":\"bool\",\"name\":\"blocked\",\"type\":\"bool\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"isStation\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"}],\"name\":\"lock\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"manufacturer\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"}],\"name\":\"recordCharge\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"internalType\":\"uint16\",\"name\":\"yearBuilt\",\"type\":\"uint16\"},{\"internalType\":\"string\",\"name\":\"country\",\"type\":\"string\"}],\"name\":\"register\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"battery\",\"type\":\"address\"}],\"name\":\"unlock\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "BatteryRegistry",
	Bin: "0x60a0604052348015600e575f5ffd5b5033608052608051610dbd6100385f395f818160c90152818161041f01526104b20152610dbd5ff3fe608060405234801561000f575f5ffd5b5060043610610085575f3560e01c80639540273c116100585780639540273c14610108578063e25cd46d1461011b578063f435f5a71461014d578063f7714b2c14610160575f5ffd5b8063133d43b8146100895780632f6c493c1461009e578063594fb0d3146100b157806374754282146100c4575b5f5ffd5b61009c610097366004610a05565b610184565b005b61009c6100ac366004610a05565b61033d565b61009c6100bf366004610a05565b610414565b6100eb7f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b0390911681526020015b60405180910390f35b61009c610116366004610a25565b6104a7565b61013d610129366004610a05565b5f6020819052908152604090205460ff1681565b60405190151581526020016100ff565b61009c61015b366004610a05565b6107e9565b61017361016e366004610a05565b6108c7565b6040516100ff959493929190610ac9565b6001600160a01b0381165f9081526001602052604090206002810154600160c81b900460ff166101cf5760405162461bcd60e51b81526004016101c690610b2f565b60405180910390fd5b336001600160a01b03831614806101f45750335f9081526020819052604090205460ff165b6102665760405162461bcd60e51b815260206004820152603a60248201527f6f6e6c79207468652062617474657279206f722061206368617267696e67207360448201527f746174696f6e2063616e207265636f726420612063686172676500000000000060648201526084016101c6565b6002810154640100000000900460ff16156102b85760405162461bcd60e51b815260206004820152601260248201527118985d1d195c9e481a5cc8189b1bd8dad95960721b60448201526064016101c6565b600281018054600191905f906102d590849063ffffffff16610b58565b82546101009290920a63ffffffff8181021990931691831602179091556002830154604051911681523391506001600160a01b038416907fce39dd06f95f6f18060fd9bc3217651c6caabc8ad905086e122ac656b9cc72c69060200160405180910390a35050565b6001600160a01b0381165f908152600160205260409020600201548190600160c81b900460ff166103805760405162461bcd60e51b81526004016101c690610b2f565b6001600160a01b038181165f90815260016020526040902060020154600160281b90041633146103c25760405162461bcd60e51b81526004016101c690610b86565b6001600160a01b0382165f81815260016020526040808220600201805464ff0000000019169055513392917f6549350db4c56638cf8453fe8031d9c4bce5e4735cc7650494a860eed36ce0d891a35050565b336001600160a01b037f0000000000000000000000000000000000000000000000000000000000000000161461045c5760405162461bcd60e51b81526004016101c690610bd4565b6001600160a01b0381165f81815260208190526040808220805460ff19166001179055517ff515dcf96f52ba77d60e6957fcaf497ff4795e245226c89aee673942dccdb89e9190a250565b336001600160a01b037f000000000000000000000000000000000000000000000000000000000000000016146104ef5760405162461bcd60e51b81526004016101c690610bd4565b6001600160a01b0385165f90815260016020526040902060020154600160c81b900460ff16156105615760405162461bcd60e51b815260206004820152601a60248201527f6261747465727920616c7265616479207265676973746572656400000000000060448201526064016101c6565b6001600160a01b0384166105b75760405162461bcd60e51b815260206004820152601960248201527f6f776e657220697320746865207a65726f20616464726573730000000000000060448201526064016101c6565b6107d08361ffff16101580156105d357506108348361ffff1611155b61061f5760405162461bcd60e51b815260206004820152601760248201527f79656172206275696c74206f7574206f662072616e676500000000000000000060448201526064016101c6565b600281146106805760405162461bcd60e51b815260206004820152602860248201527f636f756e747279206d75737420626520616e2049534f203331363620616c7068604482015267612d3220636f646560c01b60648201526084016101c6565b6040518060c001604052808461ffff16815260200183838080601f0160208091040260200160405190810160405280939291908181526020018383808284375f920182905250938552505050602080830182905260408084018390526001600160a01b038981166060860152600160809095018590528a1683528382529091208351815461ffff191661ffff9091161781559083015190918201906107259082610cb8565b50604082810151600290920180546060850151608086015160a0909601511515600160c81b0260ff60c81b196001600160a01b03978816600160281b021665010000000000600160d01b03199215156401000000000264ffffffffff1990941663ffffffff909716969096179290921716939093179290921790915551858216918716907f7efb4bfee556e50520601c1760c2cca923a976ccbbae1356919ff48f6168417b906107da90879087908790610d77565b60405180910390a35050505050565b6001600160a01b0381165f908152600160205260409020600201548190600160c81b900460ff1661082c5760405162461bcd60e51b81526004016101c690610b2f565b6001600160a01b038181165f90815260016020526040902060020154600160281b900416331461086e5760405162461bcd60e51b81526004016101c690610b86565b6001600160a01b0382165f81815260016020526040808220600201805464ff000000001916640100000000179055513392917f176ae05e0e092036a049a60ee65954a5857e7ea3b9e892ee67715e39590b498991a35050565b6001600160a01b0381165f9081526001602052604081206002810154606091839182918291600160c81b900460ff166109125760405162461bcd60e51b81526004016101c690610b2f565b8054600282015460018301805461ffff90931692909163ffffffff811691640100000000820460ff1691600160281b90046001600160a01b031690849061095890610c29565b80601f016020809104026020016040519081016040528092919081815260200182805461098490610c29565b80156109cf5780601f106109a6576101008083540402835291602001916109cf565b820191905f5260205f20905b8154815290600101906020018083116109b257829003601f168201915b50505050509350955095509550955095505091939590929450565b80356001600160a01b0381168114610a00575f5ffd5b919050565b5f60208284031215610a15575f5ffd5b610a1e826109ea565b9392505050565b5f5f5f5f5f60808688031215610a39575f5ffd5b610a42866109ea565b9450610a50602087016109ea565b9350604086013561ffff81168114610a66575f5ffd5b9250606086013567ffffffffffffffff811115610a81575f5ffd5b8601601f81018813610a91575f5ffd5b803567ffffffffffffffff811115610aa7575f5ffd5b886020828401011115610ab8575f5ffd5b959894975092955050506020019190565b61ffff8616815260a060208201525f85518060a0840152806020880160c085015e5f60c082850181019190915263ffffffff9690961660408401529315156060830152506001600160a01b03919091166080820152601f909101601f1916010192915050565b6020808252600f908201526e756e6b6e6f776e206261747465727960881b604082015260600190565b63ffffffff8181168382160190811115610b8057634e487b7160e01b5f52601160045260245ffd5b92915050565b6020808252602e908201527f6f6e6c792074686520626174746572792773206f776e65722063616e206c6f6360408201526d1ac81bdc881d5b9b1bd8dac81a5d60921b606082015260800190565b60208082526021908201527f6f6e6c7920746865206d616e7566616374757265722063616e20646f207468696040820152607360f81b606082015260800190565b634e487b7160e01b5f52604160045260245ffd5b600181811c90821680610c3d57607f821691505b602082108103610c5b57634e487b7160e01b5f52602260045260245ffd5b50919050565b601f821115610cb35782821115610cb357805f5260205f20601f840160051c6020851015610c8c57505f5b90810190601f840160051c035f5b81811015610caf575f83820155600101610c9a565b5050505b505050565b815167ffffffffffffffff811115610cd257610cd2610c15565b610ce681610ce08454610c29565b84610c61565b6020601f821160018114610d18575f8315610d015750848201515b5f19600385901b1c1916600184901b178455610d70565b5f84815260208120601f198516915b82811015610d475787850151825560209485019460019092019101610d27565b5084821015610d6457868401515f19600387901b60f8161c191681555b505060018360011b0184555b5050505050565b61ffff8416815260406020820152816040820152818360608301375f818301606090810191909152601f909201601f191601019291505056fea164736f6c6343000825000a",
}

// BatteryRegistry is an auto generated Go binding around an Ethereum contract.
type BatteryRegistry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *BatteryRegistry) GetABI() abi.ABI {
	return c.abi
}

// NewBatteryRegistry creates a new instance of BatteryRegistry.
func NewBatteryRegistry() *BatteryRegistry {
	parsed, err := BatteryRegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &BatteryRegistry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *BatteryRegistry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackAddStation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x594fb0d3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function addStation(address station) returns()
func (batteryRegistry *BatteryRegistry) PackAddStation(station common.Address) []byte {
	enc, err := batteryRegistry.abi.Pack("addStation", station)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAddStation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x594fb0d3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function addStation(address station) returns()
func (batteryRegistry *BatteryRegistry) TryPackAddStation(station common.Address) ([]byte, error) {
	return batteryRegistry.abi.Pack("addStation", station)
}

// PackGetBattery is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7714b2c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getBattery(address battery) view returns(uint16 yearBuilt, string country, uint32 chargeCycles, bool blocked, address owner)
func (batteryRegistry *BatteryRegistry) PackGetBattery(battery common.Address) []byte {
	enc, err := batteryRegistry.abi.Pack("getBattery", battery)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetBattery is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7714b2c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getBattery(address battery) view returns(uint16 yearBuilt, string country, uint32 chargeCycles, bool blocked, address owner)
func (batteryRegistry *BatteryRegistry) TryPackGetBattery(battery common.Address) ([]byte, error) {
	return batteryRegistry.abi.Pack("getBattery", battery)
}

// GetBatteryOutput serves as a container for the return parameters of contract
// method GetBattery.
type GetBatteryOutput struct {
	YearBuilt    uint16
	Country      string
	ChargeCycles uint32
	Blocked      bool
	Owner        common.Address
}

// UnpackGetBattery is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf7714b2c.
//
// Solidity: function getBattery(address battery) view returns(uint16 yearBuilt, string country, uint32 chargeCycles, bool blocked, address owner)
func (batteryRegistry *BatteryRegistry) UnpackGetBattery(data []byte) (GetBatteryOutput, error) {
	out, err := batteryRegistry.abi.Unpack("getBattery", data)
	outstruct := new(GetBatteryOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.YearBuilt = *abi.ConvertType(out[0], new(uint16)).(*uint16)
	outstruct.Country = *abi.ConvertType(out[1], new(string)).(*string)
	outstruct.ChargeCycles = *abi.ConvertType(out[2], new(uint32)).(*uint32)
	outstruct.Blocked = *abi.ConvertType(out[3], new(bool)).(*bool)
	outstruct.Owner = *abi.ConvertType(out[4], new(common.Address)).(*common.Address)
	return *outstruct, nil
}

// PackIsStation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe25cd46d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isStation(address ) view returns(bool)
func (batteryRegistry *BatteryRegistry) PackIsStation(arg0 common.Address) []byte {
	enc, err := batteryRegistry.abi.Pack("isStation", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsStation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe25cd46d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isStation(address ) view returns(bool)
func (batteryRegistry *BatteryRegistry) TryPackIsStation(arg0 common.Address) ([]byte, error) {
	return batteryRegistry.abi.Pack("isStation", arg0)
}

// UnpackIsStation is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe25cd46d.
//
// Solidity: function isStation(address ) view returns(bool)
func (batteryRegistry *BatteryRegistry) UnpackIsStation(data []byte) (bool, error) {
	out, err := batteryRegistry.abi.Unpack("isStation", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackLock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf435f5a7.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function lock(address battery) returns()
func (batteryRegistry *BatteryRegistry) PackLock(battery common.Address) []byte {
	enc, err := batteryRegistry.abi.Pack("lock", battery)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf435f5a7.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function lock(address battery) returns()
func (batteryRegistry *BatteryRegistry) TryPackLock(battery common.Address) ([]byte, error) {
	return batteryRegistry.abi.Pack("lock", battery)
}

// PackManufacturer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x74754282.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function manufacturer() view returns(address)
func (batteryRegistry *BatteryRegistry) PackManufacturer() []byte {
	enc, err := batteryRegistry.abi.Pack("manufacturer")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackManufacturer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x74754282.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function manufacturer() view returns(address)
func (batteryRegistry *BatteryRegistry) TryPackManufacturer() ([]byte, error) {
	return batteryRegistry.abi.Pack("manufacturer")
}

// UnpackManufacturer is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x74754282.
//
// Solidity: function manufacturer() view returns(address)
func (batteryRegistry *BatteryRegistry) UnpackManufacturer(data []byte) (common.Address, error) {
	out, err := batteryRegistry.abi.Unpack("manufacturer", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackRecordCharge is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x133d43b8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function recordCharge(address battery) returns()
func (batteryRegistry *BatteryRegistry) PackRecordCharge(battery common.Address) []byte {
	enc, err := batteryRegistry.abi.Pack("recordCharge", battery)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRecordCharge is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x133d43b8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function recordCharge(address battery) returns()
func (batteryRegistry *BatteryRegistry) TryPackRecordCharge(battery common.Address) ([]byte, error) {
	return batteryRegistry.abi.Pack("recordCharge", battery)
}

// PackRegister is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9540273c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function register(address battery, address owner, uint16 yearBuilt, string country) returns()
func (batteryRegistry *BatteryRegistry) PackRegister(battery common.Address, owner common.Address, yearBuilt uint16, country string) []byte {
	enc, err := batteryRegistry.abi.Pack("register", battery, owner, yearBuilt, country)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegister is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x9540273c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function register(address battery, address owner, uint16 yearBuilt, string country) returns()
func (batteryRegistry *BatteryRegistry) TryPackRegister(battery common.Address, owner common.Address, yearBuilt uint16, country string) ([]byte, error) {
	return batteryRegistry.abi.Pack("register", battery, owner, yearBuilt, country)
}

// PackUnlock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f6c493c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function unlock(address battery) returns()
func (batteryRegistry *BatteryRegistry) PackUnlock(battery common.Address) []byte {
	enc, err := batteryRegistry.abi.Pack("unlock", battery)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUnlock is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2f6c493c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function unlock(address battery) returns()
func (batteryRegistry *BatteryRegistry) TryPackUnlock(battery common.Address) ([]byte, error) {
	return batteryRegistry.abi.Pack("unlock", battery)
}

// BatteryRegistryBatteryLocked represents a BatteryLocked event raised by the BatteryRegistry contract.
type BatteryRegistryBatteryLocked struct {
	Battery common.Address
	Owner   common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const BatteryRegistryBatteryLockedEventName = "BatteryLocked"

// ContractEventName returns the user-defined event name.
func (BatteryRegistryBatteryLocked) ContractEventName() string {
	return BatteryRegistryBatteryLockedEventName
}

// UnpackBatteryLockedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event BatteryLocked(address indexed battery, address indexed owner)
func (batteryRegistry *BatteryRegistry) UnpackBatteryLockedEvent(log *types.Log) (*BatteryRegistryBatteryLocked, error) {
	event := "BatteryLocked"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != batteryRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BatteryRegistryBatteryLocked)
	if len(log.Data) > 0 {
		if err := batteryRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range batteryRegistry.abi.Events[event].Inputs {
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

// BatteryRegistryBatteryRegistered represents a BatteryRegistered event raised by the BatteryRegistry contract.
type BatteryRegistryBatteryRegistered struct {
	Battery   common.Address
	Owner     common.Address
	YearBuilt uint16
	Country   string
	Raw       *types.Log // Blockchain specific contextual infos
}

const BatteryRegistryBatteryRegisteredEventName = "BatteryRegistered"

// ContractEventName returns the user-defined event name.
func (BatteryRegistryBatteryRegistered) ContractEventName() string {
	return BatteryRegistryBatteryRegisteredEventName
}

// UnpackBatteryRegisteredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event BatteryRegistered(address indexed battery, address indexed owner, uint16 yearBuilt, string country)
func (batteryRegistry *BatteryRegistry) UnpackBatteryRegisteredEvent(log *types.Log) (*BatteryRegistryBatteryRegistered, error) {
	event := "BatteryRegistered"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != batteryRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BatteryRegistryBatteryRegistered)
	if len(log.Data) > 0 {
		if err := batteryRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range batteryRegistry.abi.Events[event].Inputs {
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

// BatteryRegistryBatteryUnlocked represents a BatteryUnlocked event raised by the BatteryRegistry contract.
type BatteryRegistryBatteryUnlocked struct {
	Battery common.Address
	Owner   common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const BatteryRegistryBatteryUnlockedEventName = "BatteryUnlocked"

// ContractEventName returns the user-defined event name.
func (BatteryRegistryBatteryUnlocked) ContractEventName() string {
	return BatteryRegistryBatteryUnlockedEventName
}

// UnpackBatteryUnlockedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event BatteryUnlocked(address indexed battery, address indexed owner)
func (batteryRegistry *BatteryRegistry) UnpackBatteryUnlockedEvent(log *types.Log) (*BatteryRegistryBatteryUnlocked, error) {
	event := "BatteryUnlocked"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != batteryRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BatteryRegistryBatteryUnlocked)
	if len(log.Data) > 0 {
		if err := batteryRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range batteryRegistry.abi.Events[event].Inputs {
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

// BatteryRegistryChargeRecorded represents a ChargeRecorded event raised by the BatteryRegistry contract.
type BatteryRegistryChargeRecorded struct {
	Battery      common.Address
	By           common.Address
	ChargeCycles uint32
	Raw          *types.Log // Blockchain specific contextual infos
}

const BatteryRegistryChargeRecordedEventName = "ChargeRecorded"

// ContractEventName returns the user-defined event name.
func (BatteryRegistryChargeRecorded) ContractEventName() string {
	return BatteryRegistryChargeRecordedEventName
}

// UnpackChargeRecordedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ChargeRecorded(address indexed battery, address indexed by, uint32 chargeCycles)
func (batteryRegistry *BatteryRegistry) UnpackChargeRecordedEvent(log *types.Log) (*BatteryRegistryChargeRecorded, error) {
	event := "ChargeRecorded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != batteryRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BatteryRegistryChargeRecorded)
	if len(log.Data) > 0 {
		if err := batteryRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range batteryRegistry.abi.Events[event].Inputs {
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

// BatteryRegistryStationAdded represents a StationAdded event raised by the BatteryRegistry contract.
type BatteryRegistryStationAdded struct {
	Station common.Address
	Raw     *types.Log // Blockchain specific contextual infos
}

const BatteryRegistryStationAddedEventName = "StationAdded"

// ContractEventName returns the user-defined event name.
func (BatteryRegistryStationAdded) ContractEventName() string {
	return BatteryRegistryStationAddedEventName
}

// UnpackStationAddedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event StationAdded(address indexed station)
func (batteryRegistry *BatteryRegistry) UnpackStationAddedEvent(log *types.Log) (*BatteryRegistryStationAdded, error) {
	event := "StationAdded"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != batteryRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(BatteryRegistryStationAdded)
	if len(log.Data) > 0 {
		if err := batteryRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range batteryRegistry.abi.Events[event].Inputs {
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
