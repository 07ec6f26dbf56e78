#!/usr/bin/env bash
# A new node joins from the backup repository (issue 20 §4; BR2K's "a new server joins from the
# latest state backup instead of replaying every request"). One durable primary holds a history
# of JOIN_HISTORY finished withdrawals (bench/cost_growth/bulk_history.sql; default 10^6) and
# archives its WAL to a pgBackRest repository, where a full backup is taken after the history is
# loaded. A steady intake load (pgbench: request_withdrawal + approve, every call a new
# idempotency key, JOIN_CLIENTS clients, no rate limit) runs on the primary through the whole
# measurement, its every transaction logged with the time it completed. In that one run:
#   1. the intake rate with no join going on (a baseline window right before each join);
#   2. a new standby made from the repository (pgbackrest restore --type=standby, the archived WAL
#      through its restore_command, then streaming - what Patroni's create_replica_methods:
#      [pgbackrest, basebackup] runs): time to restore, then to streaming and caught up, and the
#      primary's intake rate meanwhile; it stays, streaming;
#   3. a new standby made with pg_basebackup -X stream from the primary: the same figures (its
#      baseline has the first standby streaming too); then it is removed;
#   4. a switchover to the node that joined from the repository: it becomes the synchronous
#      standby (synchronous_commit = on), the primary is shut down cleanly (fast: its WAL senders
#      send everything before they exit) while the load still writes, the standby is promoted.
#      Every request the load client got acknowledged must be on the new primary (the keys from
#      pgbench's per-transaction log against the table), each approved, and verify_ledger(true)
#      must find nothing new (see below); the new primary takes writes and archives to the
#      same repository (pgbackrest check).
# "Caught up": the standby's WAL receiver is streaming and its replay position has reached the
# primary's pg_current_wal_lsn() read when the standby's postmaster was started (the start of
# catch-up, right after the copy). Join time = from the copy's start to caught up.
# Ledger: the bulk history carries placeholder hashes and no signature requests on purpose (its
# header: verify_ledger() is not measured on it), so verify_ledger(true) reports those rows. They
# are fingerprinted on the primary before the load (per problem: count and a sum of hashes of the
# details, orphan rows without the sample keys); the new primary must give the same fingerprint:
# the history came over unchanged, and the load's withdrawals added no problem.
# The history's WAL is not archived (the full backup after it is where a restore starts).
# Usage: bench/replica_join.sh                       (10^6 withdrawals of history; ~9 minutes on 2 cores)
#        JOIN_HISTORY=20000 BASELINE_S=10 SYNC_S=8 bench/replica_join.sh   (the quick form, ~1.5 minutes)
# (BENCH_NO_BUILD=1: the extension as installed, as bench/run_all.sh runs them.) Figures: docs/chaos.md.
# Prints "# ..." lines; a throwaway cluster, the workers off, everything on 127.0.0.1 and stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cluster.sh
. bench/lib.sh
JOIN_HISTORY=${JOIN_HISTORY:-1000000}
JOIN_CLIENTS=${JOIN_CLIENTS:-4}
BASELINE_S=${BASELINE_S:-30}   # each baseline window
SYNC_S=${SYNC_S:-15}           # the window with the repository node as synchronous standby
JOIN_TIMEOUT=${JOIN_TIMEOUT:-1800}
bench_build
command -v pgbackrest >/dev/null || die "pgbackrest is missing (scripts/deps.sh installs it)"

W=$(mktemp -d /tmp/txrelay-replica-join.XXXXXX)
chmod 755 "$W"
mkdir -p "$W/backrest/repo" "$W/backrest/log" "$W/backrest/lock" "$W/load"
chown -R postgres: "$W/backrest" 2>/dev/null || true
CONF=$W/backrest/pgbackrest.conf
LOAD_PID=""
BB_PID=""
REPO_PID=""
cleanup() {
  stop_pid "$LOAD_PID"
  stop_pid "$BB_PID" INT
  stop_pid "$REPO_PID" INT
  cluster_stop
  rm -rf "$W"
}
trap cleanup EXIT

# The primary: durable, archiving (the command is set to pgBackRest once the history is in).
TXR_EXTRA_CONF="$BENCH_DURABLE_CONF
maintenance_work_mem = 256MB
max_wal_size = 4GB
archive_mode = on
archive_command = '/bin/true'
wal_level = replica
max_wal_senders = 10" cluster_start txrelay_bench >/dev/null 2>&1
PRIMARY_DIR=$TXR_CLUSTER_DIR PRIMARY_PORT=$PGPORT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }
echo "# replica join: $(machine); history $JOIN_HISTORY withdrawals, $JOIN_CLIENTS load clients; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION txrelay" -f bench/intake/schema.sql >/dev/null
t=$SECONDS
step=250000
for ((lo = 1; lo <= JOIN_HISTORY; lo += step)); do
  hi=$((lo + step - 1 < JOIN_HISTORY ? lo + step - 1 : JOIN_HISTORY))
  log "replica join: history $lo..$hi in bulk"
  psql -X -q -v ON_ERROR_STOP=1 -v from="$lo" -v to="$hi" -f bench/cost_growth/bulk_history.sql >/dev/null
done
q "VACUUM ANALYZE" >/dev/null
echo "# history: $(q "SELECT count(*) FROM txrelay.withdrawals") withdrawals, $(q "SELECT count(*) FROM txrelay.withdrawal_events") events, $(q "SELECT count(*) FROM txrelay.ledger_entries") ledger entries; database $(q "SELECT pg_size_pretty(pg_database_size(current_database()))"); loaded in $((SECONDS - t)) s"

# The fingerprint of what verify_ledger(true) reports on the bulk history, kept in the database
# (it travels to every node with the rest).
t=$SECONDS
FINGERPRINT="SELECT problem, count(*) AS n,
       sum(('x' || left(md5(CASE WHEN problem = 'row without its parent' THEN details - 'keys' ELSE details END::text), 15))::bit(60)::bigint) AS fp
  FROM txrelay.verify_ledger(true) GROUP BY problem"
q "CREATE TABLE public.replica_join_planted AS $FINGERPRINT" >/dev/null
echo "# verify_ledger(true) on the history before the load: $(q "SELECT coalesce(string_agg(problem || ' ' || n, ', ' ORDER BY problem), 'nothing') FROM public.replica_join_planted") (the bulk loader's placeholders; $((SECONDS - t)) s)"

# The repository: WAL archived from now on, a full backup.
backrest_conf "$CONF" "$W/backrest" repo1-retention-full=2 compress-type=lz4 process-max=2
backrest() { as_pg pgbackrest --config="$CONF" --stanza=txrelay "$@"; }
q "ALTER SYSTEM SET archive_command = 'pgbackrest --config=$CONF --stanza=txrelay archive-push %p'" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
backrest stanza-create
t=$SECONDS
backrest backup --type=full
backup_s=$((SECONDS - t))
read -r backup_db backup_repo backup_stop <<<"$(backrest info --output=json | python3 -c '
import json, sys
b = json.load(sys.stdin)[0]["backup"][-1]
print(b["info"]["size"], b["info"]["repository"]["size"], b["lsn"]["stop"])')"
echo "# pgBackRest full backup (lz4, 2 processes): ${backup_s} s, $((backup_db / 1048576)) MiB of database in $((backup_repo / 1048576)) MiB in the repository"

# The load: every call a new key rj-CLIENT-SEQ; pgbench logs each transaction as it completes
# (client, transaction number from 1, latency, script, epoch seconds, microseconds), so transaction
# N of client C acknowledged key rj-C-N.
cat >"$W/load/join.pgbench" <<'PGB'
\set seq :seq + 1
\set a random(1, 1000)
SELECT (txrelay.approve((txrelay.request_withdrawal('rj-' || :client_id::text || '-' || :seq::text, 'u' || :a::text, 1, 'ETH',
          '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).withdrawal_id, gen_random_uuid(), 'rj-pd-' || :client_id::text || '-' || :seq::text, 'bench')).status;
PGB
PGOPTIONS="-c synchronous_commit=on" pgbench -n -M prepared -c "$JOIN_CLIENTS" -j 2 -T 36000 -D seq=0 \
  -l --log-prefix="$W/load/tx" -f "$W/load/join.pgbench" >"$W/load/pgbench.out" 2>&1 &
LOAD_PID=$!
sleep 5
kill -0 "$LOAD_PID" 2>/dev/null || { cat "$W/load/pgbench.out" >&2; die "the load did not start"; }

# standby_wait NAME PGDATA_DIR PORT: waits until the standby in that directory streams and has
# replayed up to $TARGET; sets T_STREAM (first seen streaming) and T_CAUGHT.
standby_wait() {
  local name=$1 dir=$2 port=$3 pid="" out deadline=$((SECONDS + JOIN_TIMEOUT))
  T_STREAM=""
  while :; do
    [ -z "$pid" ] && [ -f "$dir/postmaster.pid" ] && pid=$(head -1 "$dir/postmaster.pid")
    [ -n "$pid" ] && { kill -0 "$pid" 2>/dev/null || { tail -20 "$(dirname "$dir")/server.log" >&2; die "standby $name exited"; }; }
    out=$(psql -X -At -h "$(dirname "$dir")" -p "$port" -d postgres -c "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none') || ' ' || (pg_last_wal_replay_lsn() >= '$TARGET'::pg_lsn)" 2>/dev/null || true)
    case $out in
      "streaming "*) [ -z "$T_STREAM" ] && T_STREAM=$(now) ;;
    esac
    [ "$out" = "streaming true" ] && { T_CAUGHT=$(now); return 0; }
    [ $SECONDS -gt $deadline ] && { tail -20 "$(dirname "$dir")/server.log" >&2; die "standby $name not caught up in $JOIN_TIMEOUT s (last: $out)"; }
    sleep 0.2
  done
}
# standby_pid PGDATA_DIR: the postmaster's PID once it has written it.
standby_pid() {
  for _ in $(seq 1 600); do [ -f "$1/postmaster.pid" ] && { head -1 "$1/postmaster.pid"; return 0; }; sleep 0.1; done
  die "no postmaster.pid in $1"
}
# start_standby NAME PGDATA_DIR PORT: starts it without waiting; reads the target LSN.
start_standby() {
  as_pg "$PG_BINDIR/pg_ctl" -D "$2" -l "$(dirname "$2")/server.log" -o "-p $3 -k $(dirname "$2")" -W start >/dev/null
  TARGET=$(PGHOST=$PRIMARY_DIR PGPORT=$PRIMARY_PORT q "SELECT pg_current_wal_lsn()")
}
# node_dir NAME: an empty directory $W/NAME for a new node's data; prints a free port for it.
node_dir() {
  mkdir -p "$W/$1"
  chown postgres: "$W/$1" 2>/dev/null || true
  free_port
}
lsn_mib() { PGHOST=$PRIMARY_DIR PGPORT=$PRIMARY_PORT q "SELECT round(pg_wal_lsn_diff('$1', '$2') / 1048576.0, 1)"; }

log "replica join: baseline 1 ($BASELINE_S s)"
B1_FROM=$(now); sleep "$BASELINE_S"; B1_TO=$(now)

# 2. pgBackRest restore from the repository, as a standby.
log "replica join: a new standby from the repository (pgbackrest restore --type=standby)"
REPO_PORT=$(node_dir repo)
RP_FROM=$(now)
backrest restore --pg1-path="$W/repo/data" --type=standby \
  --recovery-option="primary_conninfo=host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=repo"
# (after a promotion it archives to the same repository, its own data directory named)
echo "archive_command = 'pgbackrest --config=$CONF --stanza=txrelay --pg1-path=$W/repo/data archive-push %p'" >>"$W/repo/data/postgresql.auto.conf"
RP_COPIED=$(now)
start_standby repo "$W/repo/data" "$REPO_PORT"
REPO_PID=$(standby_pid "$W/repo/data")
standby_wait repo "$W/repo/data" "$REPO_PORT"
RP_STREAM=$T_STREAM RP_CAUGHT=$T_CAUGHT RP_TARGET=$TARGET
echo "# repository join: restore $(secs "$RP_FROM" "$RP_COPIED") s, then streaming after $(secs "$RP_COPIED" "$RP_STREAM") s and caught up after $(secs "$RP_COPIED" "$RP_CAUGHT") s ($(lsn_mib "$RP_TARGET" "$backup_stop") MiB of WAL from the backup's end to the target, from the archive then streamed: $(python3 -c "import sys; print(f'{float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.1f}')" "$(lsn_mib "$RP_TARGET" "$backup_stop")" "$RP_COPIED" "$RP_CAUGHT") MiB/s); join $(secs "$RP_FROM" "$RP_CAUGHT") s"
grep -h "^restore_command" "$W/repo/data/postgresql.auto.conf" | sed 's/^/# the standby'"'"'s /'

log "replica join: baseline 2 ($BASELINE_S s)"
B2_FROM=$(now); sleep "$BASELINE_S"; B2_TO=$(now)

# 3. pg_basebackup from the primary (the repository node streams meanwhile, as in the baseline
# before it); removed after.
log "replica join: a new standby by pg_basebackup -X stream"
BB_PORT=$(node_dir bb)
BB_FROM=$(now)
as_pg "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$W/bb/data" -X stream --checkpoint=fast \
  >"$W/bb.copy.log" 2>&1 || { cat "$W/bb.copy.log" >&2; die "pg_basebackup failed"; }
as_pg touch "$W/bb/data/standby.signal"
echo "primary_conninfo = 'host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=bb'" >>"$W/bb/data/postgresql.auto.conf"
BB_COPIED=$(now)
bb_start_lsn=$(sed -n 's/^START WAL LOCATION: \([0-9A-F/]*\) .*/\1/p' "$W/bb/data/backup_label")
start_standby bb "$W/bb/data" "$BB_PORT"
BB_PID=$(standby_pid "$W/bb/data")
standby_wait bb "$W/bb/data" "$BB_PORT"
BB_STREAM=$T_STREAM BB_CAUGHT=$T_CAUGHT BB_TARGET=$TARGET
echo "# pg_basebackup join: copy $(secs "$BB_FROM" "$BB_COPIED") s, then streaming after $(secs "$BB_COPIED" "$BB_STREAM") s and caught up after $(secs "$BB_COPIED" "$BB_CAUGHT") s ($(lsn_mib "$BB_TARGET" "$bb_start_lsn") MiB of WAL from the copy's start to the target); join $(secs "$BB_FROM" "$BB_CAUGHT") s"
stop_pid "$BB_PID" INT
BB_PID=""
rm -rf "$W/bb"

# 4. The repository node becomes the synchronous standby, then the primary.
export PGHOST=$PRIMARY_DIR PGPORT=$PRIMARY_PORT
q "ALTER SYSTEM SET synchronous_standby_names = 'repo'" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null
wait_server "(SELECT sync_state = 'sync' FROM pg_stat_replication WHERE application_name = 'repo')" 60 "repo as the synchronous standby"
log "replica join: the repository node is the synchronous standby; $SYNC_S s of load"
S_FROM=$(now); sleep "$SYNC_S"; S_TO=$(now)
kill -0 "$LOAD_PID" 2>/dev/null || { cat "$W/load/pgbench.out" >&2; die "the load stopped before the switchover"; }

log "replica join: switchover - the primary shut down (fast) under load, the repository node promoted"
SW_FROM=$(now)
primary_pid=$TXR_CLUSTER_PID
kill -INT "$primary_pid"
for _ in $(seq 1 600); do kill -0 "$primary_pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$primary_pid" 2>/dev/null && die "the primary did not shut down"
TXR_CLUSTER_PID=""
wait "$LOAD_PID" || true
LOAD_PID=""
old_end=$("$PG_BINDIR/pg_controldata" "$PRIMARY_DIR/data" | sed -n 's/^Latest checkpoint location: *//p')
export PGHOST=$W/repo PGPORT=$REPO_PORT
received=$(q "SELECT pg_last_wal_receive_lsn()")
[ "$(q "SELECT '$received'::pg_lsn > '$old_end'::pg_lsn")" = t ] ||
  die "the standby received up to $received, the old primary's shutdown checkpoint is at $old_end"
[ "$(q "SELECT pg_promote(true, 60)")" = t ] || die "the promotion did not finish"
q "SELECT (txrelay.request_withdrawal('rj-after-switchover', 'u1', 1, 'ETH', '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', 1)).status" >/dev/null
SW_TO=$(now)
echo "# switchover: old primary's shutdown checkpoint $old_end, received by the standby up to $received; first write on the new primary $(secs "$SW_FROM" "$SW_TO") s after the shutdown began (now on timeline $(q "SELECT ('x' || left(pg_walfile_name(pg_current_wal_lsn()), 8))::bit(32)::int"))"

# Acknowledged against present.
python3 - "$W/load" >"$W/acked.txt" <<'PY'
import glob, sys
for f in glob.glob(sys.argv[1] + "/tx.*"):
    for line in open(f):
        c, n, lat = line.split()[:3]
        if lat.isdigit():
            print(f"rj-{c}-{n}")
PY
read -r acked missing unapproved present <<<"$(psql -X -q -At -v ON_ERROR_STOP=1 -F ' ' <<SQL
CREATE TEMP TABLE acked (k text PRIMARY KEY);
\copy acked FROM '$W/acked.txt'
SELECT (SELECT count(*) FROM acked),
       (SELECT count(*) FROM acked a WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.idempotency_key = a.k)),
       (SELECT count(*) FROM acked a JOIN txrelay.withdrawals w ON w.idempotency_key = a.k WHERE w.status <> 'approved'),
       (SELECT count(*) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'rj-%' AND idempotency_key <> 'rj-after-switchover');
SQL
)"
aborted=$(grep -c "^client [0-9]* aborted" "$W/load/pgbench.out" || true)
echo "# after the switchover: $acked requests acknowledged to the load client, $missing of them missing on the new primary, $unapproved not approved; $present present ($((present - acked + missing)) committed without an acknowledgement: in flight at the shutdown, $aborted client(s) aborted)"
t=$SECONDS
new_problems=$(q "SELECT count(*) FROM (($FINGERPRINT) EXCEPT (SELECT problem, n, fp FROM public.replica_join_planted)) d")
gone=$(q "SELECT count(*) FROM ((SELECT problem, n, fp FROM public.replica_join_planted) EXCEPT ($FINGERPRINT)) d")
echo "# verify_ledger(true) on the new primary: $new_problems problem kinds differ from the history's placeholders, $gone placeholder kinds changed or missing ($((SECONDS - t)) s)"
as_pg pgbackrest --config="$CONF" --stanza=txrelay --pg1-path="$W/repo/data" --pg1-socket-path="$W/repo" --pg1-port="$REPO_PORT" check
echo "# pgbackrest check on the new primary: its WAL reaches the repository (timeline 2)"

python3 - "$W/load" "$B1_FROM" "$B1_TO" "$RP_FROM" "$RP_CAUGHT" "$B2_FROM" "$B2_TO" "$BB_FROM" "$BB_CAUGHT" "$S_FROM" "$S_TO" <<'PY'
import glob, statistics, sys
done = []
for f in glob.glob(sys.argv[1] + "/tx.*"):
    for line in open(f):
        p = line.split()
        if p[2].isdigit():
            done.append((int(p[4]) + int(p[5]) / 1e6, int(p[2]) / 1000.0))
w = [float(x) for x in sys.argv[2:]]
def win(a, b):
    lat = sorted(l for t, l in done if a <= t < b)
    n = len(lat)
    return n / (b - a), (statistics.median(lat) if lat else 0), (lat[int(0.99 * (n - 1))] if lat else 0), n, b - a
names = ["baseline before the repository join (no standby)", "during the repository join",
         "baseline before the pg_basebackup join (the repository node streaming, asynchronous)",
         "during the pg_basebackup join", "with the repository node as synchronous standby"]
r = {}
for i, name in enumerate(names):
    rate, med, p99, n, d = win(w[2 * i], w[2 * i + 1])
    r[i] = (rate, d)
    print(f"# intake {name}: {rate:,.0f} requests/s ({n:,} in {d:.1f} s; latency median {med:.1f} ms, p99 {p99:.1f} ms)")
print(f"# ratio join time repository / pg_basebackup: {r[1][1] / r[3][1]:.2f} ({r[1][1]:.1f} s / {r[3][1]:.1f} s)")
print(f"# ratio intake during the repository join / its baseline: {r[1][0] / r[0][0]:.2f}")
print(f"# ratio intake during the pg_basebackup join / its baseline: {r[3][0] / r[2][0]:.2f}")
print(f"# ratio intake with the standby synchronous / asynchronous (its baseline): {r[4][0] / r[2][0]:.2f}")
PY

if [ "$missing" != 0 ]; then
  psql -X -q -At -v ON_ERROR_STOP=1 -c "CREATE TEMP TABLE acked (k text PRIMARY KEY)" -c "\\copy acked FROM '$W/acked.txt'" \
    -c "SELECT 'missing: ' || k FROM acked a WHERE NOT EXISTS (SELECT FROM txrelay.withdrawals w WHERE w.idempotency_key = a.k) LIMIT 5" >&2
fi
[ "$missing$unapproved$new_problems$gone" = 0000 ] ||
  die "the switchover lost or changed something (missing $missing, not approved $unapproved, ledger kinds new $new_problems / changed $gone)"
echo "# ok: nothing acknowledged lost, the ledger as before plus the load's withdrawals, all without a problem"
