// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title BatteryRegistry: the chaintap demo's car batteries on chain.
/// @notice A battery is identified by its own account address. The
/// manufacturer registers batteries and charging stations; a battery or a
/// charging station records charge cycles; the owner locks and unlocks.
/// Every change emits an event, which chaintap streams into Kafka.
contract BatteryRegistry {
    struct Battery {
        uint16 yearBuilt;
        string country;
        uint32 chargeCycles;
        bool blocked;
        address owner;
        bool registered;
    }

    address public immutable manufacturer;
    mapping(address => bool) public isStation;
    mapping(address => Battery) private batteries;

    event StationAdded(address indexed station);
    event BatteryRegistered(address indexed battery, address indexed owner, uint16 yearBuilt, string country);
    event ChargeRecorded(address indexed battery, address indexed by, uint32 chargeCycles);
    event BatteryLocked(address indexed battery, address indexed owner);
    event BatteryUnlocked(address indexed battery, address indexed owner);

    constructor() {
        manufacturer = msg.sender;
    }

    modifier onlyManufacturer() {
        require(msg.sender == manufacturer, "only the manufacturer can do this");
        _;
    }

    modifier onlyOwner(address battery) {
        require(batteries[battery].registered, "unknown battery");
        require(msg.sender == batteries[battery].owner, "only the battery's owner can lock or unlock it");
        _;
    }

    function addStation(address station) external onlyManufacturer {
        isStation[station] = true;
        emit StationAdded(station);
    }

    function register(address battery, address owner, uint16 yearBuilt, string calldata country) external onlyManufacturer {
        require(!batteries[battery].registered, "battery already registered");
        require(owner != address(0), "owner is the zero address");
        require(yearBuilt >= 2000 && yearBuilt <= 2100, "year built out of range");
        require(bytes(country).length == 2, "country must be an ISO 3166 alpha-2 code");
        batteries[battery] = Battery(yearBuilt, country, 0, false, owner, true);
        emit BatteryRegistered(battery, owner, yearBuilt, country);
    }

    /// @notice Called by the battery itself or by a charging station.
    function recordCharge(address battery) external {
        Battery storage b = batteries[battery];
        require(b.registered, "unknown battery");
        require(msg.sender == battery || isStation[msg.sender], "only the battery or a charging station can record a charge");
        require(!b.blocked, "battery is blocked");
        b.chargeCycles += 1;
        emit ChargeRecorded(battery, msg.sender, b.chargeCycles);
    }

    function lock(address battery) external onlyOwner(battery) {
        batteries[battery].blocked = true;
        emit BatteryLocked(battery, msg.sender);
    }

    function unlock(address battery) external onlyOwner(battery) {
        batteries[battery].blocked = false;
        emit BatteryUnlocked(battery, msg.sender);
    }

    function getBattery(address battery)
        external
        view
        returns (uint16 yearBuilt, string memory country, uint32 chargeCycles, bool blocked, address owner)
    {
        Battery storage b = batteries[battery];
        require(b.registered, "unknown battery");
        return (b.yearBuilt, b.country, b.chargeCycles, b.blocked, b.owner);
    }
}
