// Ledger checkpoints signed by a key the database does not hold (issue 17): the operator names
// the audit address and the signer that holds its key; verify_ledger() recovers each signature.

#include "core/address.hpp"
#include "core/eth/personal_sign.hpp"
#include "core/text_rules.hpp"
#include "store/ledger.hpp"
#include "api/lookups.hpp"
#include "pg/args.hpp"
#include "pg/arrays.hpp"
#include "pg/function.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace txrelay;

// set_checkpoint_signer(signer, address) -> ledger_checkpoint_signer: every checkpoint from the
// next one on is signed by `address` through `signer` (eth_sign, EIP-191).
TXRELAY_SQL_FUNCTION(txrelay_set_checkpoint_signer) {
  const pg::Args args(fcinfo);
  const std::string signer = args.Text(0, "signer");
  const std::string address = ParseAddress(args.Text(1, "address"), "address").Checksummed();
  pg::SpiConnection spi;
  api::RequireSigner(signer);
  return store::SetCheckpointSigner(signer, address);
}

// _personal_signer(message, signature) -> text: the EIP-55 address whose key made the EIP-191
// signature of `message`, or NULL when the signature is malformed or does not recover.
TXRELAY_SQL_FUNCTION(txrelay_personal_signer) {
  const pg::Args args(fcinfo);
  const std::string message = args.Bytea(0, "message");
  const std::string signature = args.Bytea(1, "signature");
  const auto recovered = eth::RecoverPersonalSigner(Bytes(message.begin(), message.end()),
                                                    Bytes(signature.begin(), signature.end()));
  if (!recovered.address) PG_RETURN_NULL();
  return pg::MakeText(recovered.address->Checksummed());
}
