#!/usr/bin/env bash
# Intake: withdrawals accepted per second through txrelay.request_withdrawal + approve under
# pgbench with 1, 8 and 32 clients and 10 % idempotent replays, beside in the same run
#   the limit  a bare single-row INSERT with a unique key (bench/intake/bare.pgbench)
#   the peer   the same job as an application's multi-statement transaction (peer.pgbench)
#   the data   txrelay's eleven row writes of a request + approve, as plain writes into tables of
#              the same shape with no trigger, foreign key or CHECK (bench/intake/data.sql writes
#              the statements): what the data alone costs, so the integrity on top shows
# The four run in turn, REPS times at each client count, DURATION seconds each; ratios are
# taken per repetition (txrelay / bare, / peer and / the data of the same round). Then
# request_withdrawal alone against the bare insert (REQUEST_CLIENTS clients, request.pgbench), and
# what the foreign keys and CHECK constraints cost, in the same run (ABLATE clients).
# Usage: bench/intake.sh   (prints a Markdown section; a throwaway cluster, the workers off)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. bench/lib.sh
CLIENTS=${CLIENTS:-"1 8 32"}
REPS=${REPS:-3}
DURATION=${DURATION:-6}
ABLATE=${ABLATE-8}  # clients of the integrity-cost rounds; empty: none
REQUEST_CLIENTS=${REQUEST_CLIENTS-4}  # clients of the request-alone rounds; empty: none
bench_build
DATA_SCRIPT=$(mktemp /tmp/txrelay-bench-data.XXXXXX)
trap 'cluster_stop; rm -f "$DATA_SCRIPT"' EXIT
intake_cluster
psql -X -q -f bench/intake/data.sql >"$DATA_SCRIPT"   # the "data alone" row's statements

echo "| clients | what | tps min | median | max |"
echo "|---|---|---|---|---|"
declare -A SUMMARY
for c in $CLIENTS; do
  b="" p="" d="" t=""
  for r in $(seq 1 "$REPS"); do
    log "intake: $c clients, round $r of $REPS"
    b="$b $(pgbench_tps bare "$c" "b$c$r")"
    p="$p $(pgbench_tps peer "$c" "p$c$r")"
    d="$d $(pgbench_tps "$DATA_SCRIPT" "$c" "d$c$r")"
    t="$t $(pgbench_tps txrelay "$c" "t$c$r")"
  done
  echo "| $c | bare INSERT (limit) | $(stats $b) |"
  echo "| $c | multi-statement client transaction (peer) | $(stats $p) |"
  echo "| $c | the data alone: txrelay's eleven row writes, plain (reference) | $(stats $d) |"
  echo "| $c | txrelay request_withdrawal + approve | $(stats $t) |"
  STATS_DIGITS=2
  echo "| $c | ratio txrelay / bare, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$b")) |"
  echo "| $c | ratio txrelay / peer, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$p")) |"
  echo "| $c | ratio txrelay / the data alone, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$d")) |"
  STATS_DIGITS=1
  SUMMARY[$c]="$(median $(ratios "$t" "$b")) $(median $(ratios "$t" "$p"))"
done
echo
if [ -n "${SUMMARY[8]:-}" ]; then
  read -r vs_bare vs_peer <<<"${SUMMARY[8]}"
  echo "Goals at 8 clients (medians of the per-round ratios): issue 23's txrelay ≥ 1.0 × the multi-statement"
  echo "peer: $(verdict "$vs_peer" 1.0); the older txrelay ≥ 0.5 × the bare insert: $(verdict "$vs_bare" 0.5)."
fi

# request_withdrawal alone (no approval, so no nonce, signature request or job) against the bare
# insert, at REQUEST_CLIENTS clients: issue 23's goal of 0.5 ×.
if [ -n "$REQUEST_CLIENTS" ]; then
  b="" q=""
  for r in $(seq 1 "$REPS"); do
    log "intake: request_withdrawal alone at $REQUEST_CLIENTS clients, round $r of $REPS"
    b="$b $(pgbench_tps bare "$REQUEST_CLIENTS" "rb$r")"
    q="$q $(pgbench_tps request "$REQUEST_CLIENTS" "rq$r")"
  done
  echo
  echo "request_withdrawal alone (no approval), at $REQUEST_CLIENTS clients:"
  echo
  echo "| what | tps min | median | max |"
  echo "|---|---|---|---|"
  echo "| bare INSERT (limit) | $(stats $b) |"
  echo "| txrelay request_withdrawal | $(stats $q) |"
  echo "| ratio txrelay / bare, per round | $(STATS_DIGITS=2 stats $(ratios "$q" "$b")) |"
  echo
  echo "Goal: request_withdrawal alone ≥ 0.5 × the bare insert: $(verdict "$(median $(ratios "$q" "$b"))" 0.5)."
fi

# What the declarative integrity costs: the same txrelay calls, at ABLATE clients, in two more
# databases of the cluster, one without the foreign keys of txrelay's tables and one without them
# and their CHECK constraints (bench/intake/drop_constraints.sql): measured here, never shipped.
if [ -n "$ABLATE" ]; then
  for v in "no_fk f" "no_fk_check f,c"; do
    read -r db kinds <<<"$v"
    psql -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
    PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION txrelay" -f bench/intake/schema.sql \
      -v kinds="$kinds" -f bench/intake/drop_constraints.sql -c "VACUUM ANALYZE" >/dev/null
    left=$(PGDATABASE=$db psql -X -At -c "SELECT count(*) FROM pg_constraint WHERE connamespace = 'txrelay'::regnamespace
                                            AND conrelid <> 0 AND contype::text = ANY (string_to_array('$kinds', ','))")
    [ "$left" = 0 ] || die "$db still has $left constraint(s) of kinds $kinds"
  done
  t="" f="" c=""
  for r in $(seq 1 "$REPS"); do
    log "intake: integrity cost at $ABLATE clients, round $r of $REPS"
    t="$t $(pgbench_tps txrelay "$ABLATE" "ta$r")"
    f="$f $(PGDATABASE=no_fk pgbench_tps txrelay "$ABLATE" "fa$r")"
    c="$c $(PGDATABASE=no_fk_check pgbench_tps txrelay "$ABLATE" "ca$r")"
  done
  echo
  echo "What the database-enforced integrity costs, at $ABLATE clients (the same calls in two more databases"
  echo "with constraints dropped; measured only, never shipped):"
  echo
  echo "| what | tps min | median | max |"
  echo "|---|---|---|---|"
  echo "| txrelay as shipped | $(stats $t) |"
  echo "| without the foreign keys | $(stats $f) |"
  echo "| without the foreign keys and the CHECK constraints | $(stats $c) |"
  echo "| ratio as shipped / without the foreign keys, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$f")) |"
  echo "| ratio as shipped / without both, per round | $(STATS_DIGITS=2 stats $(ratios "$t" "$c")) |"
  echo
  fk=$(median $(ratios "$t" "$f")) both=$(median $(ratios "$t" "$c"))
  echo "The foreign keys cost $(python3 -c "print(round(100 * (1 - $fk)))") % of the intake rate, the foreign keys and the CHECK constraints"
  echo "together $(python3 -c "print(round(100 * (1 - $both)))") % (medians of the per-round ratios)."
  if python3 -c "import sys; sys.exit(0 if $both > $fk else 1)"; then
    echo "The second figure is below the first: in this run the CHECK constraints' share is within the"
    echo "noise of the rounds (see the min and max of the ratios); only the total is to be read from it."
  fi
fi
echo
echo "Rows written in this run: $(psql -X -At -c "SELECT (SELECT count(*) FROM txrelay.withdrawals) || ' txrelay withdrawals, ' || (SELECT count(*) FROM peer.withdrawals) || ' peer withdrawals, ' || (SELECT count(*) FROM bare.requests) || ' bare rows'")."
