// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

/// @notice One gas analysis of a contract, as the registry's getters return it.
/// @param contractAddress The analysed contract.
/// @param ipfsHash Where the full report is stored (an IPFS content id).
/// @param gasUsed The headline gas figure of the analysis.
/// @param timestamp Block timestamp of the last store or update of this entry.
/// @param analyzer The account that stored the entry; only it may update the entry.
/// @param isPublic Whether indexers and dashboards should list the entry. This is a listing
/// hint, not access control: every entry is readable on chain by anyone.
struct AnalysisReport {
    address contractAddress;
    string ipfsHash;
    uint256 gasUsed;
    uint256 timestamp;
    address analyzer;
    bool isPublic;
}

/// @title AnalysisRegistry
/// @notice An append-only list of gas analyses per contract address. Anyone may store an
/// analysis; only the account that stored an entry may update it.
/// @dev Nothing on a public chain is secret. An entry with `isPublic == false` is stored and
/// readable exactly like any other; the flag only asks indexers and dashboards not to list it.
/// Do not put anything confidential in `ipfsHash`.
///
/// Storage layout of one entry (`StoredAnalysis`): slot 0 packs `analyzer` (20 bytes),
/// `timestamp` (8 bytes) and `isPublic` (1 byte); slot 1 is `gasUsed`; slot 2 onwards is
/// `ipfsHash`. The contract address is the mapping key, so it is not stored again; the getters
/// rebuild the full `AnalysisReport`.
contract AnalysisRegistry {
    /// @dev The packed form of `AnalysisReport` kept in storage.
    struct StoredAnalysis {
        address analyzer;
        uint64 timestamp;
        bool isPublic;
        uint256 gasUsed;
        string ipfsHash;
    }

    /// @dev Analyses of each contract, oldest first; an entry's index never changes.
    mapping(address contractAddress => StoredAnalysis[]) private contractAnalyses;

    /// @notice Emitted when a new analysis is stored.
    /// @param contractAddress The analysed contract.
    /// @param ipfsHash Where the full report is stored.
    event AnalysisStored(address indexed contractAddress, string ipfsHash);

    /// @notice Emitted when the analyzer updates one of its entries.
    /// @param contractAddress The analysed contract.
    /// @param index The entry's index in that contract's list.
    event AnalysisUpdated(address indexed contractAddress, uint256 index);

    /// @notice `contractAddress` is the zero address.
    error ZeroAddress();

    /// @notice `ipfsHash` is empty.
    error EmptyIpfsHash();

    /// @notice There is no entry `index` for `contractAddress`. `getLatestAnalysis` on a
    /// contract without analyses reports index 0.
    /// @param contractAddress The contract asked about.
    /// @param index The missing index.
    error NoSuchAnalysis(address contractAddress, uint256 index);

    /// @notice Only the account that stored an entry may update it.
    /// @param caller The account that tried to update.
    /// @param analyzer The account that stored the entry.
    error NotAnalyzer(address caller, address analyzer);

    /// @notice Appends an analysis of `contractAddress`, with the caller as its analyzer and the
    /// current block timestamp.
    /// @dev Reverts with `ZeroAddress` or `EmptyIpfsHash` on empty input. The registry does not
    /// check that `contractAddress` holds code or that the figures are true: readers decide
    /// which analyzers to trust.
    /// @param contractAddress The analysed contract.
    /// @param ipfsHash Where the full report is stored.
    /// @param gasUsed The headline gas figure.
    /// @param isPublic Whether indexers should list the entry (it is readable on chain either way).
    /// @return index The new entry's index in the contract's list.
    function storeAnalysis(address contractAddress, string calldata ipfsHash, uint256 gasUsed, bool isPublic)
        external
        returns (uint256 index)
    {
        if (contractAddress == address(0)) revert ZeroAddress();
        if (bytes(ipfsHash).length == 0) revert EmptyIpfsHash();
        StoredAnalysis[] storage analyses = contractAnalyses[contractAddress];
        index = analyses.length;
        analyses.push(
            StoredAnalysis({
                analyzer: msg.sender,
                timestamp: uint64(block.timestamp),
                isPublic: isPublic,
                gasUsed: gasUsed,
                ipfsHash: ipfsHash
            })
        );
        emit AnalysisStored(contractAddress, ipfsHash);
    }

    /// @notice Returns entry `index` of `contractAddress`.
    /// @dev Reverts with `NoSuchAnalysis` when there is no such entry.
    /// @param contractAddress The analysed contract.
    /// @param index The entry's index, 0 for the oldest.
    /// @return The entry.
    function getAnalysis(address contractAddress, uint256 index) external view returns (AnalysisReport memory) {
        return _report(contractAddress, _stored(contractAddress, index));
    }

    /// @notice Returns the most recently stored entry of `contractAddress`.
    /// @dev "Most recently stored", not "most recently updated": updates keep an entry's index.
    /// Reverts with `NoSuchAnalysis(contractAddress, 0)` when the contract has no entries.
    /// @param contractAddress The analysed contract.
    /// @return The entry with the highest index.
    function getLatestAnalysis(address contractAddress) external view returns (AnalysisReport memory) {
        uint256 count = contractAnalyses[contractAddress].length;
        if (count == 0) revert NoSuchAnalysis(contractAddress, 0);
        return _report(contractAddress, contractAnalyses[contractAddress][count - 1]);
    }

    /// @notice Replaces the content of entry `index` of `contractAddress` and refreshes its
    /// timestamp to the current block. The analyzer and the index stay the same.
    /// @dev Reverts with `NoSuchAnalysis` for a missing entry, `NotAnalyzer` when the caller did
    /// not store the entry, and `EmptyIpfsHash` on an empty hash.
    /// @param contractAddress The analysed contract.
    /// @param index The entry's index.
    /// @param ipfsHash The new report location.
    /// @param gasUsed The new headline gas figure.
    /// @param isPublic Whether indexers should list the entry.
    function updateAnalysis(
        address contractAddress,
        uint256 index,
        string calldata ipfsHash,
        uint256 gasUsed,
        bool isPublic
    ) external {
        StoredAnalysis storage stored = _stored(contractAddress, index);
        address analyzer = stored.analyzer;
        if (msg.sender != analyzer) revert NotAnalyzer(msg.sender, analyzer);
        if (bytes(ipfsHash).length == 0) revert EmptyIpfsHash();
        stored.timestamp = uint64(block.timestamp);
        stored.isPublic = isPublic;
        stored.gasUsed = gasUsed;
        stored.ipfsHash = ipfsHash;
        emit AnalysisUpdated(contractAddress, index);
    }

    /// @notice How many analyses of `contractAddress` are stored.
    /// @param contractAddress The analysed contract.
    /// @return The number of entries; valid indexes are below it.
    function getAnalysisCount(address contractAddress) external view returns (uint256) {
        return contractAnalyses[contractAddress].length;
    }

    /// @dev The stored entry, or a `NoSuchAnalysis` revert.
    function _stored(address contractAddress, uint256 index) private view returns (StoredAnalysis storage) {
        StoredAnalysis[] storage analyses = contractAnalyses[contractAddress];
        if (index >= analyses.length) revert NoSuchAnalysis(contractAddress, index);
        return analyses[index];
    }

    /// @dev Expands a stored entry into the external struct.
    function _report(address contractAddress, StoredAnalysis storage stored)
        private
        view
        returns (AnalysisReport memory)
    {
        return AnalysisReport({
            contractAddress: contractAddress,
            ipfsHash: stored.ipfsHash,
            gasUsed: stored.gasUsed,
            timestamp: stored.timestamp,
            analyzer: stored.analyzer,
            isPublic: stored.isPublic
        });
    }
}
