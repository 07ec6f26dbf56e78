// Answers of a real node, for the tests of the answer parsers: anvil 1.7.1 (chain 31337), captured
// with curl on 2026-12-05; geth answers the same JSON. The 256-byte logsBloom is put back in code
// to keep the lines short.
#pragma once

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/rpc/jsonrpc.hpp"

namespace rpc_answers {

// A node's JSON-RPC error reply.
inline txrelay::rpc::Reply ErrorReply(long code, std::string message) {
  txrelay::rpc::Reply r;
  r.is_error = true;
  r.error_code = code;
  r.error_message = std::move(message);
  return r;
}

// An answer with one field set to `value`, or without it: the tests' way to spoil a real answer.
inline nlohmann::json With(nlohmann::json answer, const std::string& field, nlohmann::json value) {
  answer[field] = std::move(value);
  return answer;
}

inline nlohmann::json Without(nlohmann::json answer, const std::string& field) {
  answer.erase(field);
  return answer;
}

inline nlohmann::json WithBloom(nlohmann::json answer) {
  return With(std::move(answer), "logsBloom", "0x" + std::string(512, '0'));
}

// eth_getBlockByNumber ["0x3", false]: a London block with two transactions.
inline nlohmann::json Block3() {
  return WithBloom(nlohmann::json::parse(R"json({
    "hash": "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726",
    "parentHash": "0x8c8a30c6f9e9b48b8e38e66ae2556f11c2a2aa78968dd984b495d9c85e960196",
    "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    "miner": "0x0000000000000000000000000000000000000000",
    "stateRoot": "0x2ec26a843b8d09a34ff7a2e9b3e1449ec8540013a9716b08e9c6820cd33c656c",
    "transactionsRoot": "0x97dceaafaeb9fe188f8c111d1e412603c448bd1cd9d91b9cf31d94609d3d53cd",
    "receiptsRoot": "0x75308898d571eafb5cd8cde8278bf5b3d13c5f6ec074926de3bb895b519264e1",
    "difficulty": "0x0", "number": "0x3", "gasLimit": "0x1c9c380", "gasUsed": "0xa410",
    "timestamp": "0x6b141d5d", "extraData": "0x",
    "mixHash": "0xa8483475b0cded61de746b397749c79f4446be0e9e0e664712f5a0c264e03ef3",
    "nonce": "0x0000000000000000", "baseFeePerGas": "0x2da72f3d",
    "withdrawalsRoot": "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    "blobGasUsed": "0x0", "excessBlobGas": "0x0",
    "parentBeaconBlockRoot": "0x0000000000000000000000000000000000000000000000000000000000000000",
    "requestsHash": "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "totalDifficulty": "0x0", "size": "0x34c", "uncles": [],
    "transactions": ["0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef",
                     "0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5"],
    "withdrawals": []})json"));
}

// eth_getBlockReceipts ["0x3"]: the two receipts of Block3().
inline nlohmann::json Block3Receipts() {
  nlohmann::json receipts = nlohmann::json::parse(R"json([
    {"type": "0x2", "status": "0x1", "cumulativeGasUsed": "0x5208", "logs": [],
     "transactionHash": "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef",
     "transactionIndex": "0x0",
     "blockHash": "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726",
     "blockNumber": "0x3", "gasUsed": "0x5208", "effectiveGasPrice": "0x6941f93d", "blobGasPrice": "0x1",
     "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": "0x000000000000000000000000000000000000dead",
     "contractAddress": null, "blockTimestamp": 1796480349},
    {"type": "0x2", "status": "0x1", "cumulativeGasUsed": "0xa410", "logs": [],
     "transactionHash": "0xe8b0ce8b4cf43f38c49a4079edf925564744f147a5283d49122f924b6de981d5",
     "transactionIndex": "0x1",
     "blockHash": "0x5852bb12f91bf6f04a7db268a24329b309d377e7bf56cb9326e89b5c7aac0726",
     "blockNumber": "0x3", "gasUsed": "0x5208", "effectiveGasPrice": "0x6941f93d", "blobGasPrice": "0x1",
     "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": "0x000000000000000000000000000000000000dead",
     "contractAddress": null, "blockTimestamp": 1796480349}])json");
  for (auto& receipt : receipts) receipt = WithBloom(receipt);
  return receipts;
}

// eth_getTransactionReceipt: a transfer that paid (status 0x1).
inline nlohmann::json PaidReceipt() {
  return WithBloom(nlohmann::json::parse(R"json({
    "type": "0x2", "status": "0x1", "cumulativeGasUsed": "0x5208", "logs": [],
    "transactionHash": "0x0e60b5d76ab198530eb6b064630d0c3206c66e9c33ba6ff1cc85a8fc494a8027",
    "transactionIndex": "0x0",
    "blockHash": "0x5645903e999fb841318d0be5eb81639a061ecd5068a2439d9ec69a7426789d0a",
    "blockNumber": "0x1", "gasUsed": "0x5208", "effectiveGasPrice": "0x77359400", "blobGasPrice": "0x1",
    "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": "0x000000000000000000000000000000000000dead",
    "contractAddress": null, "blockTimestamp": 1796480341})json"));
}

// eth_getTransactionReceipt: a call to code that reverts (status 0x0).
inline nlohmann::json RevertedReceipt() {
  return WithBloom(nlohmann::json::parse(R"json({
    "type": "0x2", "status": "0x0", "cumulativeGasUsed": "0x520e", "logs": [],
    "transactionHash": "0x349cf959f08141d78e72dd019d612be8bb1af48b958b52e1629e6e822cc08939",
    "transactionIndex": "0x0",
    "blockHash": "0x8c8a30c6f9e9b48b8e38e66ae2556f11c2a2aa78968dd984b495d9c85e960196",
    "blockNumber": "0x2", "gasUsed": "0x520e", "effectiveGasPrice": "0x6fc4e658", "blobGasPrice": "0x1",
    "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "to": "0x00000000000000000000000000000000000000aa",
    "contractAddress": null, "blockTimestamp": 1796480345})json"));
}

// eth_getTransactionByHash of a transaction in the pool (no block yet): what a status check sees.
inline nlohmann::json PendingTransaction() {
  return nlohmann::json::parse(R"json({
    "type": "0x2", "chainId": "0x7a69", "nonce": "0x2", "gas": "0x5208", "maxFeePerGas": "0x77359400",
    "maxPriorityFeePerGas": "0x3b9aca00", "to": "0x000000000000000000000000000000000000dead", "value": "0x1",
    "accessList": [], "input": "0x",
    "r": "0xb28f95ed2b129733d144dfdcde51c4fd4e1eb4c5e5f42aa20cfbc1f8786afcc",
    "s": "0x5186325b5e7c24b6206a339f0eb711f5b88891a2a515b75f7e3d5ce296f0b39f", "yParity": "0x1", "v": "0x1",
    "hash": "0x3a6c2442a056774fa019ce24bcab7a769d7cf29c51d900dfdacd76553d7313ef",
    "blockHash": null, "blockNumber": null, "transactionIndex": null,
    "from": "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "gasPrice": "0x6941f93d"})json");
}

}  // namespace rpc_answers
