// The transaction codec against vectors signed and decoded by cast (test/vectors/generate.sh),
// and against the malformed inputs geth refuses.
#include "core/eth/transaction.hpp"

#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "core/eth/erc20.hpp"
#include "core/eth/rlp.hpp"
#include "core/eth/signed_tx_check.hpp"
#include "core/eth/tx_json.hpp"
#include "test_support.hpp"

using namespace txrelay;
using namespace txrelay::eth;
using nlohmann::json;

namespace {

json Vectors() {
  std::ifstream in(std::string(TXRELAY_VECTORS_DIR) + "/transactions.json");
  return json::parse(in);
}

Bytes Hex(const std::string& s) { return *FromHex(s); }
Uint256 Num(const json& v) { return Uint256(v.get<std::string>()); }  // cast's "0x..." quantities
std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The unsigned transaction as cast describes it, built without txrelay's decoder.
UnsignedTx FromCast(const json& c) {
  UnsignedTx tx;
  tx.type = static_cast<TxType>(static_cast<int>(Num(c["type"])));
  if (c.contains("chainId")) tx.chain_id = static_cast<std::uint64_t>(Num(c["chainId"]));
  tx.nonce = static_cast<std::uint64_t>(Num(c["nonce"]));
  tx.gas_limit = static_cast<std::uint64_t>(Num(c["gas"]));
  if (c.contains("gasPrice")) tx.gas_price = Num(c["gasPrice"]);
  if (c.contains("maxFeePerGas")) tx.max_fee_per_gas = Num(c["maxFeePerGas"]);
  if (c.contains("maxPriorityFeePerGas")) tx.max_priority_fee_per_gas = Num(c["maxPriorityFeePerGas"]);
  if (c.contains("to") && !c["to"].is_null()) tx.to = ParseAddress(c["to"].get<std::string>(), "to");
  tx.value = Num(c["value"]);
  tx.data = Hex(c["input"].get<std::string>());
  if (c.contains("accessList")) {
    for (const auto& e : c["accessList"]) {
      AccessListEntry entry{ParseAddress(e["address"].get<std::string>(), "address"), {}};
      for (const auto& k : e["storageKeys"]) {
        const Bytes b = Hex(k.get<std::string>());
        Hash32 h;
        std::copy(b.begin(), b.end(), h.begin());
        entry.storage_keys.push_back(h);
      }
      tx.access_list.push_back(entry);
    }
  }
  return tx;
}

Signature SignatureFromCast(const json& c, const UnsignedTx& tx) {
  Signature sig{Num(c["r"]), Num(c["s"]), 0};
  if (tx.type == TxType::kLegacy) {
    const Uint256 v = Num(c["v"]);
    sig.y_parity = static_cast<std::uint8_t>(tx.chain_id ? (v - 35) % 2 : v - 27);
  } else {
    sig.y_parity = static_cast<std::uint8_t>(Num(c["yParity"]));
  }
  return sig;
}

Bytes Raw(const char* name) {
  for (const auto& v : Vectors()) {
    if (v["name"] == name) return Hex(v["raw"].get<std::string>());
  }
  throw std::runtime_error(std::string("no vector ") + name);
}

}  // namespace

TEST(TransactionVectors, CoverTheTypesChainsAndPayloads) {
  const json vectors = Vectors();
  std::set<std::string> types, chains;
  for (const auto& v : vectors) {
    types.insert(v["cast"]["type"].get<std::string>());
    chains.insert(v["cast"].value("chainId", std::string("none")));
  }
  EXPECT_EQ(types, (std::set<std::string>{"0x0", "0x1", "0x2"}));
  EXPECT_TRUE(chains.count("0x1") && chains.count("0x7a69") && chains.count("0x1fffffffffffff"));
  EXPECT_GE(vectors.size(), 14u);
}

TEST(TransactionVectors, EveryFieldSenderAndHashAgreeWithCast) {
  for (const auto& v : Vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const json& c = v["cast"];
    const SignedTx t = DecodeSignedTx(Hex(v["raw"].get<std::string>()));
    const UnsignedTx expected = FromCast(c);
    EXPECT_EQ(static_cast<int>(t.tx.type), static_cast<int>(expected.type));
    EXPECT_EQ(t.tx.chain_id, expected.chain_id);
    EXPECT_EQ(t.tx.nonce, expected.nonce);
    EXPECT_EQ(t.tx.gas_limit, expected.gas_limit);
    EXPECT_EQ(t.tx.gas_price, expected.gas_price);
    EXPECT_EQ(t.tx.max_fee_per_gas, expected.max_fee_per_gas);
    EXPECT_EQ(t.tx.max_priority_fee_per_gas, expected.max_priority_fee_per_gas);
    EXPECT_EQ(t.tx.to.has_value(), expected.to.has_value());
    if (t.tx.to && expected.to) {
      EXPECT_EQ(t.tx.to->Checksummed(), expected.to->Checksummed());
    }
    EXPECT_EQ(t.tx.value, expected.value);
    EXPECT_EQ(t.tx.data, expected.data);
    EXPECT_EQ(t.tx.access_list.size(), expected.access_list.size());
    const Signature sig = SignatureFromCast(c, expected);
    EXPECT_EQ(t.signature.r, sig.r);
    EXPECT_EQ(t.signature.s, sig.s);
    EXPECT_EQ(t.signature.y_parity, sig.y_parity);
    EXPECT_EQ(Lower(t.sender.Checksummed()), c["signer"].get<std::string>());
    EXPECT_EQ(ToHex(t.hash.data(), t.hash.size()), c["hash"].get<std::string>());
  }
}

TEST(TransactionVectors, RoundTripReencodesTheSameBytes) {
  for (const auto& v : Vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const Bytes raw = Hex(v["raw"].get<std::string>());
    const SignedTx t = DecodeSignedTx(raw);
    EXPECT_EQ(EncodeSigned(t.tx, t.signature), raw);
  }
}

TEST(TransactionVectors, AssemblingCastsFieldsAndSignatureGivesCastsBytes) {
  // A KMS-style signer returns (r, s, y): assembly must give exactly the bytes cast signed,
  // which also proves the signing hash (the sender is recovered from it).
  for (const auto& v : Vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const json& c = v["cast"];
    const UnsignedTx tx = FromCast(c);
    const SignedTx assembled = AssembleSigned(tx, SignatureFromCast(c, tx));
    EXPECT_EQ(ToHex(assembled.raw), v["raw"].get<std::string>());
    EXPECT_EQ(Lower(assembled.sender.Checksummed()), c["signer"].get<std::string>());
  }
}

TEST(TransactionVectors, Erc20CallDataDecodes) {
  const SignedTx t = DecodeSignedTx(Raw("type2_31337_erc20"));
  const auto transfer = DecodeErc20Transfer(t.tx.data);
  ASSERT_TRUE(transfer.has_value());
  EXPECT_EQ(transfer->recipient.Checksummed(), "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  EXPECT_EQ(transfer->amount, 1000000);
  EXPECT_FALSE(DecodeErc20Transfer(DecodeSignedTx(Raw("type2_31337_long_data")).tx.data).has_value());
  const std::string js = TxToJson(t);
  EXPECT_NE(
      js.find(
          R"("erc20_transfer":{"amount":"1000000","recipient":"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"})"),
      std::string::npos)
      << js;
}

TEST(TransactionVectors, ContractCreationHasNoRecipient) {
  const SignedTx t = DecodeSignedTx(Raw("type2_1_create"));
  EXPECT_FALSE(t.tx.to.has_value());
}

// --- malformed and refused inputs -----------------------------------------------------------

TEST(TransactionRefusals, TruncatedAndTrailingBytes) {
  Bytes raw = Raw("type2_1_native");
  Bytes longer = raw;
  longer.push_back(0x00);
  EXPECT_SQLSTATE(DecodeSignedTx(longer), "TR005");
  Bytes shorter(raw.begin(), raw.end() - 1);
  EXPECT_SQLSTATE(DecodeSignedTx(shorter), "TR005");
  EXPECT_SQLSTATE(DecodeSignedTx(Bytes{}), "TR005");
  EXPECT_SQLSTATE(DecodeSignedTx(Bytes{0x02}), "TR005");
  Bytes legacy = Raw("legacy_1_native");
  legacy.push_back(0xc0);
  EXPECT_SQLSTATE(DecodeSignedTx(legacy), "TR005");
}

TEST(TransactionRefusals, UnsupportedTypes) {
  Bytes raw = Raw("type2_1_native");
  raw[0] = 0x03;
  const std::string msg = EXPECT_SQLSTATE(DecodeSignedTx(raw), "TR005");
  raw[0] = 0x04;
  EXPECT_SQLSTATE(DecodeSignedTx(raw), "TR005");
  raw[0] = 0x85;  // an RLP string, not a list
  EXPECT_SQLSTATE(DecodeSignedTx(raw), "TR005");
}

TEST(TransactionRefusals, HighSIsRefusedThoughTheSenderWouldRecover) {
  const SignedTx t = DecodeSignedTx(Raw("type2_31337_zero_value"));
  Signature high = t.signature;
  high.s = Secp256k1Order() - high.s;
  high.y_parity ^= 1;
  // The malleated copy is a different byte string for the same signer...
  EXPECT_EQ(RecoverSigner(t.tx.SigningHash(), high), t.sender);
  // ...which txrelay, like geth, refuses.
  try {
    DecodeSignedTx(EncodeSigned(t.tx, high));
    ADD_FAILURE() << "high-s accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "TR005");
    EXPECT_NE(e.detail().find("n/2"), std::string::npos) << e.detail();
  }
}

TEST(TransactionRefusals, SignatureValuesOutOfRange) {
  const SignedTx t = DecodeSignedTx(Raw("type2_1_native"));
  for (const Uint256& bad : {Uint256(0), Secp256k1Order(), Secp256k1Order() + 1}) {
    Signature r_bad = t.signature;
    r_bad.r = bad;
    EXPECT_SQLSTATE(DecodeSignedTx(EncodeSigned(t.tx, r_bad)), "TR005");
    Signature s_bad = t.signature;
    s_bad.s = bad;
    EXPECT_SQLSTATE(DecodeSignedTx(EncodeSigned(t.tx, s_bad)), "TR005");
  }
  Signature parity = t.signature;
  parity.y_parity = 2;
  EXPECT_SQLSTATE(DecodeSignedTx(EncodeSigned(t.tx, parity)), "TR005");
}

TEST(TransactionRefusals, LegacyVMustCarryAChainOrBe27Or28) {
  const SignedTx t = DecodeSignedTx(Raw("legacy_1_native"));
  UnsignedTx unprotected = t.tx;
  unprotected.chain_id.reset();
  // v = 35/36 would mean chain id 0; v = 29..34 means nothing.
  for (int v : {29, 30, 34, 35, 36}) {
    std::vector<Bytes> fields = {EncodeRlpUint(t.tx.nonce),
                                 EncodeRlpUint(t.tx.gas_price),
                                 EncodeRlpUint(t.tx.gas_limit),
                                 EncodeRlpString(t.tx.to->bytes.data(), 20),
                                 EncodeRlpUint(t.tx.value),
                                 EncodeRlpString(t.tx.data),
                                 EncodeRlpUint(v),
                                 EncodeRlpUint(t.signature.r),
                                 EncodeRlpUint(t.signature.s)};
    SCOPED_TRACE(v);
    EXPECT_SQLSTATE(DecodeSignedTx(EncodeRlpList(fields)), "TR005");
  }
}

TEST(TransactionRefusals, UnprotectedLegacyDecodesButIsNotReplayProtected) {
  const SignedTx t = DecodeSignedTx(Raw("legacy_31337_native"));
  UnsignedTx unprotected = t.tx;
  unprotected.chain_id.reset();
  // Re-signing is not possible here; encode with the same (r, s) and v = 27/28: the recovered
  // sender differs (another signing hash), but the transaction is well-formed.
  const SignedTx u = DecodeSignedTx(EncodeSigned(unprotected, t.signature));
  EXPECT_FALSE(u.tx.chain_id.has_value());
  EXPECT_SQLSTATE(CheckReplayProtected(u), "TR005");
  EXPECT_NO_THROW(CheckReplayProtected(t));
}

TEST(TransactionRefusals, NonCanonicalEncodings) {
  const SignedTx t = DecodeSignedTx(Raw("type2_1_native"));
  auto typed = [](const std::vector<Bytes>& fields) {
    Bytes out{0x02};
    const Bytes list = EncodeRlpList(fields);
    out.insert(out.end(), list.begin(), list.end());
    return out;
  };
  auto fields = [&](Bytes nonce_encoding) {
    return std::vector<Bytes>{EncodeRlpUint(*t.tx.chain_id),
                              nonce_encoding,
                              EncodeRlpUint(t.tx.max_priority_fee_per_gas),
                              EncodeRlpUint(t.tx.max_fee_per_gas),
                              EncodeRlpUint(t.tx.gas_limit),
                              EncodeRlpString(t.tx.to->bytes.data(), 20),
                              EncodeRlpUint(t.tx.value),
                              EncodeRlpString(t.tx.data),
                              EncodeRlpList({}),
                              EncodeRlpUint(t.signature.y_parity),
                              EncodeRlpUint(t.signature.r),
                              EncodeRlpUint(t.signature.s)};
  };
  EXPECT_NO_THROW(DecodeSignedTx(typed(fields(EncodeRlpUint(7)))));  // the canonical form decodes
  for (const Bytes& bad_nonce : {Bytes{0x81, 0x07},        // one byte below 0x80 wrapped in a prefix
                                 Bytes{0x82, 0x00, 0x07},  // leading zero
                                 Bytes{0xb8, 0x01, 0x07},  // long form for one byte
                                 Bytes{0x00}}) {           // zero written as 0x00 instead of 0x80
    EXPECT_SQLSTATE(DecodeSignedTx(typed(fields(bad_nonce))), "TR005");
  }
  std::vector<Bytes> f = fields(EncodeRlpUint(7));
  f[5] = EncodeRlpString(t.tx.to->bytes.data(), 19);  // a 19-byte recipient
  EXPECT_SQLSTATE(DecodeSignedTx(typed(f)), "TR005");
  f = fields(EncodeRlpUint(7));
  f[2] = EncodeRlpUint(t.tx.max_fee_per_gas + 1);  // tip above the fee cap
  EXPECT_SQLSTATE(DecodeSignedTx(typed(f)), "TR005");
  f = fields(EncodeRlpUint(7));
  f.pop_back();  // a field missing
  EXPECT_SQLSTATE(DecodeSignedTx(typed(f)), "TR005");
}

// --- RLP ------------------------------------------------------------------------------------

TEST(Rlp, KnownEncodings) {
  // Examples from the RLP specification (Ethereum yellow paper appendix B / ethereum.org).
  const std::string dog = "dog";
  EXPECT_EQ(ToHex(EncodeRlpString(reinterpret_cast<const std::uint8_t*>(dog.data()), 3)), "0x83646f67");
  EXPECT_EQ(
      ToHex(EncodeRlpList({EncodeRlpString(Bytes{'c', 'a', 't'}), EncodeRlpString(Bytes{'d', 'o', 'g'})})),
      "0xc88363617483646f67");
  EXPECT_EQ(ToHex(EncodeRlpString(Bytes{})), "0x80");
  EXPECT_EQ(ToHex(EncodeRlpList({})), "0xc0");
  EXPECT_EQ(ToHex(EncodeRlpUint(0)), "0x80");
  EXPECT_EQ(ToHex(EncodeRlpUint(15)), "0x0f");
  EXPECT_EQ(ToHex(EncodeRlpUint(1024)), "0x820400");
  const Bytes empty = EncodeRlpList({});
  EXPECT_EQ(
      ToHex(EncodeRlpList({empty, EncodeRlpList({empty}), EncodeRlpList({empty, EncodeRlpList({empty})})})),
      "0xc7c0c1c0c3c0c1c0");
  const std::string lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  const Bytes encoded = EncodeRlpString(reinterpret_cast<const std::uint8_t*>(lorem.data()), lorem.size());
  EXPECT_EQ(ToHex(Bytes(encoded.begin(), encoded.begin() + 3)), "0xb8384c");
  const RlpItem back = DecodeRlp(encoded);
  EXPECT_EQ(std::string(back.bytes.begin(), back.bytes.end()), lorem);
}

TEST(Rlp, DeepNestingIsRefused) {
  Bytes nested = EncodeRlpList({});
  for (int i = 0; i < 20; ++i) nested = EncodeRlpList({nested});
  EXPECT_THROW(DecodeRlp(nested), RlpError);
}

TEST(IntrinsicGas, CallDataAndAccessListsAsEip2028And2930Price) {
  txrelay::eth::UnsignedTx tx;
  EXPECT_EQ(txrelay::eth::IntrinsicGas(tx), 21000u);  // a plain transfer
  tx.data = Bytes{0x00, 0x01, 0x00, 0xff};
  EXPECT_EQ(txrelay::eth::IntrinsicGas(tx), 21000u + 4 + 16 + 4 + 16);
  tx.access_list.push_back({txrelay::Address{}, {txrelay::Hash32{}, txrelay::Hash32{}}});
  EXPECT_EQ(txrelay::eth::IntrinsicGas(tx), 21040u + 2400 + 2 * 1900);
}

TEST(Rlp, ManyItemsAreRefusedAtTheCap) {
  // A list of single bytes: each byte is an item (about 80 bytes of memory each when decoded).
  auto list_of = [](std::size_t n) {
    std::vector<Bytes> items(n, Bytes{0x01});
    return EncodeRlpList(items);
  };
  EXPECT_NO_THROW(DecodeRlp(list_of(txrelay::eth::kMaxRlpItems - 1)));  // the list itself is an item
  try {
    DecodeRlp(list_of(txrelay::eth::kMaxRlpItems));
    ADD_FAILURE() << "a list of kMaxRlpItems items plus itself was decoded";
  } catch (const RlpError& e) {
    EXPECT_NE(std::string(e.what()).find("8192 items"), std::string::npos) << e.what();
  }
}

TEST(SignedTx, LongerThanAPoolAcceptsIsRefusedBeforeDecoding) {
  Bytes raw(txrelay::eth::kMaxRawTxBytes + 1, 0x01);
  raw[0] = 0x02;
  try {
    DecodeSignedTx(raw);
    ADD_FAILURE() << "a transaction longer than 128 KiB was decoded";
  } catch (const txrelay::Error& e) {
    EXPECT_EQ(e.sqlstate(), "TR005");
    EXPECT_NE(e.detail().find("131073 bytes"), std::string::npos) << e.detail();
  }
}

TEST(Rlp, LengthsThatRunPastTheEnd) {
  EXPECT_THROW(DecodeRlp(Bytes{0x83, 'd', 'o'}), RlpError);
  EXPECT_THROW(DecodeRlp(Bytes{0xb9, 0x01}), RlpError);
  EXPECT_THROW(DecodeRlp(Bytes{0xc2, 0x83, 'a', 'b', 'c'}), RlpError);  // item longer than its list
  EXPECT_THROW(DecodeRlp(Bytes{0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), RlpError);
}

// --- the request check ----------------------------------------------------------------------

TEST(SignedTxCheck, AcceptsTheExactRequestAndNamesTheFirstDifference) {
  const SignedTx t = DecodeSignedTx(Raw("type2_31337_erc20"));
  ExpectedTx e;
  e.chain_id = 31337;
  e.nonce = 3;
  e.from = ParseAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "from");
  e.to = ParseAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3", "to");
  e.value = 0;
  e.data = Erc20TransferCalldata(ParseAddress("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "r"), 1000000);
  e.max_fee_per_gas_cap = Uint256("500000000000");
  e.max_priority_fee_cap = Uint256("50000000000");
  e.max_gas_limit = 1000000;
  EXPECT_NO_THROW(CheckSignedTx(t, e));

  auto field_of = [&](ExpectedTx changed) {
    try {
      CheckSignedTx(t, changed);
    } catch (const Error& err) {
      EXPECT_EQ(err.sqlstate(), "TR004");
      return std::string(err.what()).substr(std::string(err.what()).rfind(' ') + 1);
    }
    return std::string("accepted");
  };
  ExpectedTx c = e;
  c.chain_id = 1;
  EXPECT_EQ(field_of(c), "chain_id");
  c = e;
  c.nonce = 4;
  EXPECT_EQ(field_of(c), "nonce");
  c = e;
  c.from = ParseAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "from");
  EXPECT_EQ(field_of(c), "sender");
  c = e;
  c.to = c.from;
  EXPECT_EQ(field_of(c), "to");
  c = e;
  c.value = 1;
  EXPECT_EQ(field_of(c), "value");
  c = e;
  c.data.back() ^= 1;
  EXPECT_EQ(field_of(c), "data");
  c = e;
  c.max_gas_limit = 64999;
  EXPECT_EQ(field_of(c), "gas_limit");
  c = e;
  c.max_fee_per_gas_cap = Uint256("1999999999");
  EXPECT_EQ(field_of(c), "max_fee_per_gas");
  c = e;
  c.max_priority_fee_cap = Uint256("999999999");
  EXPECT_EQ(field_of(c), "max_priority_fee_per_gas");

  // A fee bump's floor: both fields at least the minimum; exactly the minimum is enough.
  c = e;
  c.min_max_fee_per_gas = Uint256("2000000000");
  c.min_max_priority_fee_per_gas = Uint256("1000000000");
  EXPECT_EQ(field_of(c), "accepted");
  c.min_max_fee_per_gas = Uint256("2000000001");
  EXPECT_EQ(field_of(c), "max_fee_per_gas");
  c.min_max_fee_per_gas = Uint256("2000000000");
  c.min_max_priority_fee_per_gas = Uint256("1000000001");
  EXPECT_EQ(field_of(c), "max_priority_fee_per_gas");
}
