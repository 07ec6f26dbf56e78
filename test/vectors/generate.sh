#!/usr/bin/env bash
# Makes the transaction vectors with tools independent of txrelay's codec:
#   transactions.json      signed by `cast mktx` (anvil's public dev keys), each decoded by
#                          `cast decode-tx`: the unit tests compare every field, the sender and
#                          the hash with what cast says.
#   ../fuzz/corpus/decode_tx    all of them as raw files: the decoder fuzzer's seed corpus
#   ../sql/signed_fixtures.sql  the signed transactions of the submit_signed pgTAP tests: good
#                          ones of each type and a copy with each field wrong, by cast; a high-s
#                          copy and a pre-EIP-155 one by test/tools/txtool, re-decoded by cast.
# Signatures are deterministic (RFC 6979), so the output is stable:
#   generate.sh          rewrite both files
#   generate.sh --check  fail if a fresh generation differs from the committed files
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd ../.. && pwd)
CAST="$ROOT/.tools/bin/cast"
TXTOOL=${TXTOOL:-$ROOT/build/unit/txtool}
[ -x "$CAST" ] || { echo "cast missing: run scripts/deps.sh" >&2; exit 1; }
[ -x "$TXTOOL" ] || { echo "txtool missing: run make unit" >&2; exit 1; }

K0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80   # 0xf39F...2266
K1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d   # 0x7099...79C8
K5=0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba   # 0x9965...A4dc
DEV2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
DEV3=0x90F79bf6EB2c4f870365E785982E1f101E93b906
TOKEN=0x5FbDB2315678afecb367f032d93F642f64180aa3
BIG=9007199254740991   # 2^53 - 1: a large chain id
AL='[{"address":"0x5FbDB2315678afecb367f032d93F642f64180aa3","storageKeys":["0x0000000000000000000000000000000000000000000000000000000000000001","0x00000000000000000000000000000000000000000000000000000000000000ff"]}]'
MAX256=115792089237316195423570985008687907853269984665640564039457584007913129639935

mk() { "$CAST" mktx "$@"; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# name|cast mktx arguments (a transfer(address,uint256) call where the args say so)
{
  echo "legacy_1_native|--private-key $K0 --legacy --chain 1 --nonce 0 --gas-limit 21000 --gas-price 20gwei $DEV2 --value 1ether"
  echo "legacy_31337_native|--private-key $K1 --legacy --chain 31337 --nonce 5 --gas-limit 21000 --gas-price 1gwei $DEV2 --value 12345"
  echo "legacy_big_native|--private-key $K5 --legacy --chain $BIG --nonce 1 --gas-limit 21000 --gas-price 3gwei $DEV3 --value 7"
  echo "legacy_31337_erc20|--private-key $K0 --legacy --chain 31337 --nonce 2 --gas-limit 65000 --gas-price 2gwei $TOKEN transfer(address,uint256) $DEV2 1000000"
  echo "type1_1_native|--private-key $K0 --legacy --access-list $AL --chain 1 --nonce 7 --gas-limit 30000 --gas-price 30gwei $DEV2 --value 1ether"
  echo "type1_31337_erc20|--private-key $K5 --legacy --access-list [] --chain 31337 --nonce 0 --gas-limit 70000 --gas-price 1gwei $TOKEN transfer(address,uint256) $DEV3 42"
  echo "type1_big_native|--private-key $K1 --legacy --access-list $AL --chain $BIG --nonce 300 --gas-limit 40000 --gas-price 1 $DEV2 --value 1"
  echo "type2_1_native|--private-key $K0 --chain 1 --nonce 7 --gas-limit 21000 --gas-price 30gwei --priority-gas-price 2gwei $DEV2 --value 1ether"
  echo "type2_31337_zero_value|--private-key $K1 --chain 31337 --nonce 0 --gas-limit 21000 --gas-price 2gwei --priority-gas-price 1gwei $DEV2 --value 0"
  echo "type2_31337_erc20|--private-key $K0 --chain 31337 --nonce 3 --gas-limit 65000 --gas-price 2gwei --priority-gas-price 1gwei $TOKEN transfer(address,uint256) $DEV2 1000000"
  echo "type2_big_erc20|--private-key $K5 --chain $BIG --nonce 4294967296 --gas-limit 90000 --gas-price 100gwei --priority-gas-price 100gwei $TOKEN transfer(address,uint256) $DEV3 $MAX256"
  echo "type2_31337_max_value|--private-key $K0 --chain 31337 --nonce 9 --gas-limit 21000 --gas-price 1000000000000000000000000000000 --priority-gas-price 0 $DEV3 --value $MAX256"
  echo "type2_31337_long_data|--private-key $K1 --access-list $AL --chain 31337 --nonce 1 --gas-limit 200000 --gas-price 5gwei --priority-gas-price 1gwei $TOKEN store(bytes) 0x$(printf 'ab%.0s' $(seq 1 100))"
  echo "type2_1_create|--private-key $K0 --chain 1 --nonce 11 --gas-limit 100000 --gas-price 30gwei --priority-gas-price 2gwei --create 0x600a600c600039600a6000f3602a60005260206000f3"
} >"$out/specs"

python3 - "$out/specs" "$CAST" >"$out/transactions.json" <<'PY'
import json, subprocess, sys
specs, cast = sys.argv[1], sys.argv[2]
vectors = []
for line in open(specs):
    name, args = line.rstrip("\n").split("|", 1)
    argv = args.split(" ")
    raw = subprocess.run([cast, "mktx", *argv], check=True, capture_output=True, text=True).stdout.strip()
    out = subprocess.run([cast, "decode-tx", raw, "--json"], check=True, capture_output=True, text=True).stdout
    decoded = json.loads(out)
    if isinstance(decoded, str):  # cast 1.7 prints the JSON as a JSON string
        decoded = json.loads(decoded)
    vectors.append({"name": name, "cast_args": args, "raw": raw, "cast": decoded})
json.dump(vectors, sys.stdout, indent=1, sort_keys=True)
print()
PY

# The submit_signed fixtures: a client-signed sender 0xf39F...2266 on chain 31337 whose
# withdrawals to DEV2 of 1000 wei get nonces 0, 1, 2; the ERC-20 one gets nonce 3.
good2="--private-key $K0 --chain 31337 --gas-price 2gwei --priority-gas-price 1gwei"
{
  echo "good_type2|$good2 --gas-limit 21000 --nonce 0 $DEV2 --value 1000"
  echo "good_legacy|--private-key $K0 --legacy --chain 31337 --nonce 1 --gas-limit 21000 --gas-price 2gwei $DEV2 --value 1000"
  echo "good_type1|--private-key $K0 --legacy --access-list [] --chain 31337 --nonce 2 --gas-limit 21000 --gas-price 2gwei $DEV2 --value 1000"
  echo "good_erc20|$good2 --nonce 3 --gas-limit 65000 $TOKEN transfer(address,uint256) $DEV2 1000000"
  echo "gap_filler_nonce4|$good2 --gas-limit 21000 --nonce 4 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 --value 0"
  # The cancel race (test/pgtap/175_cancel_race.sql): payments at nonces 4 and 5, and gap fillers at
  # nonce 4 that outbid the payment by the replacement floor (10 % + 1 wei) or miss it by one wei.
  echo "payment_nonce4|$good2 --gas-limit 21000 --nonce 4 $DEV2 --value 1000"
  echo "payment_nonce5|$good2 --gas-limit 21000 --nonce 5 $DEV2 --value 1000"
  echo "gap_filler_nonce4_outbid|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 2200000001 --priority-gas-price 1100000001 --nonce 4 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 --value 0"
  echo "gap_filler_nonce4_short|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 2200000000 --priority-gas-price 1100000001 --nonce 4 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 --value 0"
  echo "bad_chain|--private-key $K0 --chain 1 --gas-limit 21000 --gas-price 2gwei --priority-gas-price 1gwei --nonce 0 $DEV2 --value 1000"
  echo "bad_nonce|$good2 --gas-limit 21000 --nonce 1 $DEV2 --value 1000"
  echo "bad_to|$good2 --gas-limit 21000 --nonce 0 $DEV3 --value 1000"
  echo "bad_value|$good2 --gas-limit 21000 --nonce 0 $DEV2 --value 1001"
  echo "bad_data|$good2 --gas-limit 21000 --nonce 0 $DEV2 --value 1000 0x01"
  echo "bad_sender|--private-key $K1 --chain 31337 --gas-limit 21000 --gas-price 2gwei --priority-gas-price 1gwei --nonce 0 $DEV2 --value 1000"
  echo "bad_fee_cap|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 501gwei --priority-gas-price 1gwei --nonce 0 $DEV2 --value 1000"
  echo "bad_tip_cap|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 100gwei --priority-gas-price 51gwei --nonce 0 $DEV2 --value 1000"
  echo "bad_gas_limit|--private-key $K0 --chain 31337 --gas-limit 1000001 --gas-price 2gwei --priority-gas-price 1gwei --nonce 0 $DEV2 --value 1000"
  # Inputs no node would run (issue 18): a gas limit below the intrinsic 21,000, and no fee at all.
  echo "bad_intrinsic_gas|--private-key $K0 --chain 31337 --gas-limit 20999 --gas-price 2gwei --priority-gas-price 1gwei --nonce 0 $DEV2 --value 1000"
  echo "bad_zero_fee|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 0 --priority-gas-price 0 --nonce 0 $DEV2 --value 1000"
  echo "bad_erc20_amount|$good2 --nonce 3 --gas-limit 65000 $TOKEN transfer(address,uint256) $DEV2 1000001"
  echo "bad_erc20_recipient|$good2 --nonce 3 --gas-limit 65000 $TOKEN transfer(address,uint256) $DEV3 1000000"
  # Fee bumps of good_type2 (2 gwei / 1 gwei): the least a bump may be (10 % + 1 wei on both),
  # and one wei short on each field.
  echo "bump_type2|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 2200000001 --priority-gas-price 1100000001 --nonce 0 $DEV2 --value 1000"
  echo "bump_short_fee|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 2200000000 --priority-gas-price 1100000001 --nonce 0 $DEV2 --value 1000"
  echo "bump_short_tip|--private-key $K0 --chain 31337 --gas-limit 21000 --gas-price 2200000001 --priority-gas-price 1100000000 --nonce 0 $DEV2 --value 1000"
} >"$out/fixtures"

{
  echo "-- Generated by test/vectors/generate.sh from cast $("$CAST" --version | head -1 | awk '{print $3}'); do not edit."
  echo "CREATE TABLE txrelay_test.signed (name text PRIMARY KEY, raw bytea NOT NULL);"
  while IFS='|' read -r name args; do
    # shellcheck disable=SC2086
    raw=$(mk $args)
    "$CAST" decode-tx "$raw" >/dev/null
    echo "INSERT INTO txrelay_test.signed VALUES ('$name', '\\x${raw#0x}');"
  done <"$out/fixtures"
  good=$(grep '^good_type2|' "$out/fixtures" | cut -d'|' -f2)
  # shellcheck disable=SC2086
  good_raw=$(mk $good)
  high_s=$("$TXTOOL" malleate "$good_raw")
  # cast (not txrelay) confirms the copy: the same fields and r, s' = n - s, the other y parity.
  # (cast itself refuses to name the signer of a high-s signature, like geth.)
  python3 - "$("$CAST" decode-tx "$good_raw" --json)" "$("$CAST" decode-tx "$high_s" --json)" <<'PY' ||
import json, sys
a, b = (json.loads(x) for x in sys.argv[1:3])
a, b = (json.loads(x) if isinstance(x, str) else x for x in (a, b))
n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141
same = all(a[k] == b[k] for k in ("type", "chainId", "nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "to", "value", "input", "r"))
assert same and int(a["s"], 16) + int(b["s"], 16) == n and a["yParity"] != b["yParity"], "not a high-s copy"
PY
    { echo "cast does not see a high-s copy of good_type2" >&2; exit 1; }
  echo "INSERT INTO txrelay_test.signed VALUES ('bad_high_s', '\\x${high_s#0x}');"
  unprotected=$("$TXTOOL" sign-unprotected "$K0" 0 2000000000 21000 "$DEV2" 1000)
  "$CAST" decode-tx "$unprotected" --json | grep -qi 'f39fd6e51aad88f6f4ce6ab8827279cfffb92266' ||
    { echo "cast does not see the unprotected transaction as signed by 0xf39F...2266" >&2; exit 1; }
  echo "INSERT INTO txrelay_test.signed VALUES ('bad_unprotected', '\\x${unprotected#0x}');"
} >"$out/signed_fixtures.sql"

# The fuzzer's seed corpus: every transaction above, as raw bytes.
mkdir -p "$out/corpus"
python3 - "$out/transactions.json" "$out/signed_fixtures.sql" "$out/corpus" <<'PY'
import json, re, sys
vectors, fixtures, corpus = sys.argv[1:4]
for v in json.load(open(vectors)):
    open(f"{corpus}/{v['name']}", "wb").write(bytes.fromhex(v["raw"][2:]))
for name, hexraw in re.findall(r"VALUES \('([a-z0-9_]+)', '\\x([0-9a-f]+)'\)", open(fixtures).read()):
    open(f"{corpus}/fixture_{name}", "wb").write(bytes.fromhex(hexraw))
PY

if [ "${1:-}" = "--check" ]; then
  diff -u transactions.json "$out/transactions.json" >&2 || { echo "transactions.json is not what cast makes" >&2; exit 1; }
  diff -u ../sql/signed_fixtures.sql "$out/signed_fixtures.sql" >&2 || { echo "signed_fixtures.sql is not what cast makes" >&2; exit 1; }
  diff -r ../fuzz/corpus/decode_tx "$out/corpus" >&2 || { echo "the seed corpus is not what cast makes" >&2; exit 1; }
  echo "vectors match cast"
else
  cp "$out/transactions.json" transactions.json
  cp "$out/signed_fixtures.sql" ../sql/signed_fixtures.sql
  rm -rf ../fuzz/corpus/decode_tx && cp -r "$out/corpus" ../fuzz/corpus/decode_tx
  echo "wrote test/vectors/transactions.json, test/sql/signed_fixtures.sql and test/fuzz/corpus/decode_tx"
fi
