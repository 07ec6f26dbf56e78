// Decode + verify of client-signed transactions against the raw libsecp256k1 recovery rate, on the
// same transactions (the cast-made vectors in test/vectors). Recovery is the floor: every
// verification must recover the sender; the rest (strict RLP, keccak of the payload and of the
// wire bytes, range checks, the field-by-field comparison) is our overhead. bench/codec.sh runs it
// and prints the ratio.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <array>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/amount.hpp"
#include "core/eth/signed_tx_check.hpp"
#include "core/eth/transaction.hpp"
#include "core/hex.hpp"

namespace {

using namespace txrelay;

struct Vector {
  Bytes raw;
  eth::ExpectedTx expected;
  Hash32 digest;
  std::array<std::uint8_t, 64> compact;
  int recovery_id;
};

// The replay-protected vectors, each with what its signature request would have fixed.
const std::vector<Vector>& Vectors() {
  static const std::vector<Vector> vectors = [] {
    std::ifstream in(TXRELAY_VECTORS_DIR "/transactions.json");
    if (!in) throw std::runtime_error("cannot read " TXRELAY_VECTORS_DIR "/transactions.json");
    const auto json = nlohmann::json::parse(in);
    std::vector<Vector> out;
    for (const auto& v : json) {
      Vector x;
      x.raw = FromHex(v.at("raw").get<std::string>()).value();
      const eth::SignedTx tx = eth::DecodeSignedTx(x.raw);
      if (!tx.tx.chain_id || !tx.tx.to) continue;  // pre-EIP-155 and creations are not withdrawals
      x.expected.chain_id = *tx.tx.chain_id;
      x.expected.nonce = tx.tx.nonce;
      x.expected.from = tx.sender;
      x.expected.to = *tx.tx.to;
      x.expected.value = tx.tx.value;
      x.expected.data = tx.tx.data;
      x.expected.max_fee_per_gas_cap = tx.tx.FeeCap();
      x.expected.max_priority_fee_cap = tx.tx.TipCap();
      x.expected.max_gas_limit = tx.tx.gas_limit;
      x.digest = tx.tx.SigningHash();
      const auto r = ToWord32(tx.signature.r);
      const auto s = ToWord32(tx.signature.s);
      std::copy(r.begin(), r.end(), x.compact.begin());
      std::copy(s.begin(), s.end(), x.compact.begin() + 32);
      x.recovery_id = tx.signature.y_parity;
      out.push_back(std::move(x));
    }
    if (out.empty()) throw std::runtime_error("no replay-protected vectors");
    return out;
  }();
  return vectors;
}

// The library alone: parse the compact signature and recover the public key.
void BM_RawRecover(benchmark::State& state) {
  const auto& vs = Vectors();
  std::size_t i = 0;
  for (auto _ : state) {
    const Vector& v = vs[i++ % vs.size()];
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_pubkey pubkey;
    const int ok = secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig,
                                                                       v.compact.data(), v.recovery_id) &&
                   secp256k1_ecdsa_recover(secp256k1_context_static, &pubkey, &sig, v.digest.data());
    if (!ok) state.SkipWithError("recovery failed");
    benchmark::DoNotOptimize(pubkey);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// What submit_signed does with the bytes: strict decode, sender recovery, hashes, the request check.
void BM_DecodeVerify(benchmark::State& state) {
  const auto& vs = Vectors();
  std::size_t i = 0;
  for (auto _ : state) {
    const Vector& v = vs[i++ % vs.size()];
    const eth::SignedTx tx = eth::DecodeSignedTx(v.raw);
    eth::CheckSignedTx(tx, v.expected);
    benchmark::DoNotOptimize(tx.hash);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

BENCHMARK(BM_RawRecover);
BENCHMARK(BM_DecodeVerify);

}  // namespace

BENCHMARK_MAIN();
