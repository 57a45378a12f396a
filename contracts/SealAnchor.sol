// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title SealAnchor
/// @notice Anchors chaintap seal checkpoints on a chain: the tree head of a
/// sealed partition at a size, and the block it was first anchored in.
/// Only the deployer (the sealer's account) anchors, so "anchored" means
/// "the sealer put it here no later than that block".
contract SealAnchor {
    address public immutable sealer;

    /// @dev keccak256(abi.encode(log, size, root)) => block number (0: never)
    mapping(bytes32 => uint256) private anchoredAt;

    /// @notice the largest tree head anchored per log: a verifier compares
    /// it with the topic's checkpoints, so withholding the latest
    /// checkpoints (and truncating the records they cover) shows.
    struct Head {
        uint64 size;
        bytes32 root;
        uint256 blockNumber;
    }
    mapping(bytes32 => Head) public latest;

    /// @param log SHA-256 of the checkpoint's origin line
    event Anchored(bytes32 indexed log, uint64 size, bytes32 root);

    constructor() {
        sealer = msg.sender;
    }

    function anchor(bytes32 log, uint64 size, bytes32 root) external {
        require(msg.sender == sealer, "only the sealer anchors");
        bytes32 k = keccak256(abi.encode(log, size, root));
        if (anchoredAt[k] == 0) {
            anchoredAt[k] = block.number;
        }
        if (size > latest[log].size) {
            latest[log] = Head(size, root, block.number);
        }
        emit Anchored(log, size, root);
    }

    /// @return the block the tree head was first anchored in; 0 if never
    function anchoredIn(bytes32 log, uint64 size, bytes32 root) external view returns (uint256) {
        return anchoredAt[keccak256(abi.encode(log, size, root))];
    }
}
