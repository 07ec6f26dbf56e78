#!/usr/bin/env bash
# txrelay behind PgBouncer 1.18 in transaction pooling mode (issue 22 §3), every client through
# the pooler (default_pool_size 2: clients share server connections), the workers running:
#  a. the SQL API: six clients at once request through two server connections, an approver
#     approves, an auditor reads each status and withdrawal_timeline, and two consumers at once
#     read the event feed one position at a time, each by three clients handing the stored
#     position on; all paid on anvil;
#  b. docs/examples/withdraw.py (psycopg2) and withdraw.cjs (node-postgres), unchanged, complete;
#  c. what transaction pooling breaks, and what to do instead: LISTEN on a pooled connection
#     (notifications go to another client or are dropped: use the feed, a direct connection or a
#     session-pooled entry), session SET (it leaks into another client's transaction: SET LOCAL,
#     or ALTER ROLE ... SET), protocol-level named prepared statements, the options startup
#     parameter (PGOPTIONS) that PgBouncer 1.18 refuses;
#  d. idempotent retries: request_withdrawal and approve calls dropped while in flight (each
#     waits on a row lock that a direct session holds; then the client is killed with SIGKILL,
#     its server backend is terminated, or PgBouncer's KILL drops both) and retried with the same
#     keys: one withdrawal per key, one approval and one nonce each, verify_ledger(true) empty,
#     each paid once on chain.
set -euo pipefail
export E2E_TRACKER=on
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3   # Debian's python3-psycopg2

BOUNCER_PID=""
BOUNCER_DIR=""
BOUNCER_PORT=""
# bouncer_start: PgBouncer on 127.0.0.1 (a free port; its unix socket, log and pid file in a temp
# dir), as the postgres OS user when we are root, in front of the test cluster's socket.
bouncer_start() {
  local attempt
  BOUNCER_DIR=$(mktemp -d /tmp/txrelay-pgbouncer.XXXXXX)
  # trust needs the names in the auth_file all the same (a real set-up: scram-sha-256, below)
  printf '"%s" ""\n' postgres payments_app risk_engine auditor_bot listen_probe >"$BOUNCER_DIR/userlist.txt"
  chmod 755 "$BOUNCER_DIR"
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$BOUNCER_DIR"
  for attempt in 1 2 3; do
    BOUNCER_PORT=$(free_port)
    cat >"$BOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
txrelay_e2e = host=$PGHOST port=$PGPORT dbname=txrelay_e2e
; the same database, one server connection per client: for LISTEN
txrelay_session = host=$PGHOST port=$PGPORT dbname=txrelay_e2e pool_mode=session pool_size=2
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir = $BOUNCER_DIR
auth_type = trust
auth_file = $BOUNCER_DIR/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
logfile = $BOUNCER_DIR/pgbouncer.log
pidfile = $BOUNCER_DIR/pgbouncer.pid
INI
    as_pg /usr/sbin/pgbouncer -d "$BOUNCER_DIR/pgbouncer.ini" 2>>"$BOUNCER_DIR/start.err" || true
    for _ in $(seq 1 50); do
      BOUNCER_PID=$(cat "$BOUNCER_DIR/pgbouncer.pid" 2>/dev/null || true)
      if [ -n "$BOUNCER_PID" ] && bouncer_admin "SHOW VERSION" >/dev/null 2>&1; then
        log "PgBouncer started: pid $BOUNCER_PID, 127.0.0.1:$BOUNCER_PORT -> $PGHOST:$PGPORT"
        export BOUNCER_PORT
        return 0
      fi
      sleep 0.1
    done
    log "PgBouncer attempt $attempt failed: $(tail -3 "$BOUNCER_DIR/pgbouncer.log" "$BOUNCER_DIR/start.err" 2>/dev/null | tr '\n' ' ')"
    stop_pid "$BOUNCER_PID"
  done
  die "PgBouncer did not start"
}
bouncer_stop() {
  if [ "${TESTS_FAILED:-0}" -gt 0 ] && [ -f "$BOUNCER_DIR/pgbouncer.log" ]; then
    echo "# PgBouncer log, warnings (last 20):" >&2
    grep -E "WARNING|ERROR|FATAL" "$BOUNCER_DIR/pgbouncer.log" | tail -20 >&2 || true
  fi
  stop_pid "$BOUNCER_PID"
  BOUNCER_PID=""
  [ -n "$BOUNCER_DIR" ] && rm -rf "$BOUNCER_DIR"
  BOUNCER_DIR=""
}
# Through the pooler: no PGOPTIONS (PgBouncer 1.18 refuses the options startup parameter; c).
pooled() { env -u PGOPTIONS PGHOST=127.0.0.1 PGPORT="$BOUNCER_PORT" "$@"; }
bsql() { pooled psql -X -q -At -v ON_ERROR_STOP=1 -U "$1" -c "$2"; }   # bsql ROLE SQL
bouncer_admin() { env -u PGOPTIONS psql -X -q -At -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d pgbouncer -c "$1"; }

e2e_setup --slots-in-an-epoch 1
trap 'bouncer_stop; e2e_teardown' EXIT
{
  sql "CREATE ROLE payments_app LOGIN IN ROLE txrelay_app"
  sql "CREATE ROLE risk_engine LOGIN IN ROLE txrelay_approver"
  sql "CREATE ROLE auditor_bot LOGIN IN ROLE txrelay_auditor"
  sql "CREATE ROLE listen_probe LOGIN"   # c's pooled clients: a pool of their own (below)
  # settings through a pooler: per role or per database, not per session (c)
  sql "ALTER ROLE payments_app SET statement_timeout = '20s'"
  sql "ALTER DATABASE txrelay_e2e SET synchronous_commit = on"   # what PGOPTIONS did for direct sessions
  sql "SELECT txrelay.add_sender(31337, '${DEV[0]}', 'anvil')"
  sql "SELECT txrelay.set_risk_tier('fast', 0, 'included:1')"
  for who in dave erin frank carol; do sql "SELECT txrelay.credit('$who', 31337, 'ETH', 1000000000000000000, 'pgb-$who')"; done
} >/dev/null
bouncer_start
wait_for "SELECT next_nonce IS NOT NULL FROM txrelay.senders" 30 "the sender's nonce"
export E2E_DEV="${DEV[*]}"
OUT=$(mktemp -d /tmp/txrelay-pgb-out.XXXXXX)
trap 'rm -rf "$OUT"; bouncer_stop; e2e_teardown' EXIT

# ---- a. the SQL API through the pooler -----------------------------------------------------
# Six payments_app clients connect at once and each requests a withdrawal (the call sleeps
# 0.3 s, so they overlap); the backends that served them are counted; risk_engine approves.
env -u PGOPTIONS $PY - >"$OUT/a" <<'PY' || true
import os, threading, psycopg2
dsn = f"host=127.0.0.1 port={os.environ['BOUNCER_PORT']} dbname=txrelay_e2e"
dev = os.environ["E2E_DEV"].split()
apps = [psycopg2.connect(dsn + " user=payments_app") for _ in range(6)]
for c in apps: c.autocommit = True
barrier, got = threading.Barrier(6), {}
def request(i):
    barrier.wait()
    with apps[i].cursor() as cur:
        cur.execute("""SELECT w.withdrawal_id, pg_backend_pid(), current_setting('statement_timeout')
                         FROM txrelay.request_withdrawal(%s, 'dave', 31337, 'ETH', %s, %s) w, pg_sleep(0.3)""",
                    (f"pool-a-{i}", dev[4 + i % 4], 1000000000000000 * (i + 1)))
        got[i] = cur.fetchone()
threads = [threading.Thread(target=request, args=(i,)) for i in range(6)]
for t in threads: t.start()
for t in threads: t.join()
direct = psycopg2.connect("")
with direct.cursor() as cur:   # while all six clients are still connected
    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = 'payments_app'")
    backends = cur.fetchone()[0]
approver = psycopg2.connect(dsn + " user=risk_engine"); approver.autocommit = True
approved = 0
with approver.cursor() as cur:
    for i in range(6):
        cur.execute("SELECT status FROM txrelay.approve(%s, gen_random_uuid(), %s, 'risk-engine')", (got[i][0], f"pd-pool-a-{i}"))
        approved += cur.fetchone()[0] == "approved"
print(len(got), len({g[1] for g in got.values()}), backends, approved, ",".join(sorted({g[2] for g in got.values()})))
PY
read -r a_calls a_pids a_backends a_approved a_timeouts <"$OUT/a"
check "a: 6 clients requested at once through $a_pids server connection(s) ($a_backends payments_app backends while all 6 were connected)" \
  test "$a_calls/$a_pids/$((a_backends <= 2))" = "6/2/1"
check "a: the approver approved all 6 through the pooler" test "$a_approved" = 6
check "a: every pooled transaction had the role's setting (ALTER ROLE payments_app SET statement_timeout = 20s): $a_timeouts" \
  test "$a_timeouts" = 20s

# ---- b. the example programs, unchanged, through the pooler (blocks mined meanwhile) ----------
EX="$TXR_ROOT/docs/examples"
export NODE_PATH="$TXR_ROOT/.tools/node_modules"
pooled "$PY" "$EX/withdraw.py" carol 31337 ETH "${DEV[7]}" 1000000000000000 pgb-example-py >"$OUT/py" 2>&1 &
py_pid=$!
pooled node "$EX/withdraw.cjs" carol 31337 ETH "${DEV[8]}" 2000000000000000 pgb-example-node >"$OUT/node" 2>&1 &
node_pid=$!
b_start=$SECONDS
for _ in $(seq 1 150); do
  if ! kill -0 "$py_pid" 2>/dev/null && ! kill -0 "$node_pid" 2>/dev/null &&
     [ "$(sql "SELECT count(*) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'pool-a-%' AND status = 'finalized'")" = 6 ]; then
    break
  fi
  mine 1
  sleep 0.3
done
kill -TERM "$py_pid" "$node_pid" 2>/dev/null || true   # (only if still running after 50 s)
py_code=0; wait "$py_pid" || py_code=$?
node_code=0; wait "$node_pid" || node_code=$?
sed 's/^/#   py: /' "$OUT/py"; sed 's/^/#   node: /' "$OUT/node"
check "b: withdraw.py (psycopg2) through the pooler: requested, approved, completed ($((SECONDS - b_start)) s for both)" \
  test "$py_code/$(tail -1 "$OUT/py")" = "0/completed: finalized"
check "b: withdraw.cjs (node-postgres) through the pooler: requested, approved, completed" \
  test "$node_code/$(tail -1 "$OUT/node")" = "0/completed: finalized"

# a, continued: the status, the timeline and the feed, read through the pooler.
check "a: the auditor reads all 6 finalized through the pooler" \
  test "$(bsql auditor_bot "SELECT string_agg(DISTINCT status, ',') || '/' || count(*) FROM txrelay.withdrawals WHERE idempotency_key LIKE 'pool-a-%'")" = "finalized/6"
check "a: withdrawal_timeline through the pooler: each of the 6 has its approval, its nonce, '... -> finalized' and 'completed'" \
  test "$(bsql auditor_bot "SELECT count(*) FROM txrelay.withdrawals w
          WHERE w.idempotency_key LIKE 'pool-a-%'
            AND (SELECT count(*) FILTER (WHERE source = 'nonce') = 1 AND count(*) FILTER (WHERE source = 'approval') = 1
                        AND count(*) FILTER (WHERE what LIKE '% -> finalized') = 1
                        AND count(*) FILTER (WHERE source = 'event' AND what = 'completed') = 1 FROM txrelay.withdrawal_timeline(w.withdrawal_id))")" = 6
# The feed, one row per call: two consumers at once, each with three pooled clients that take
# turns and pass on the stored position; each against the whole feed read in one call on a
# direct connection of the same role.
env -u PGOPTIONS $PY - >"$OUT/feed" <<'PY' || true
import os, threading, psycopg2
dsn = f"host=127.0.0.1 port={os.environ['BOUNCER_PORT']} dbname=txrelay_e2e user=payments_app"
pids, results = set(), {}
def consume(name):
    readers = [psycopg2.connect(dsn) for _ in range(3)]
    for c in readers: c.autocommit = True
    position, seen, calls = None, [], 0
    while True:
        with readers[calls % 3].cursor() as cur:
            cur.execute("SELECT f.feed_position, f.event_id, f.idempotency_key, f.event, pg_backend_pid() FROM txrelay.events_since(%s, 1) f", (position,))
            row = cur.fetchone()
        calls += 1
        if row is None:
            break
        position = row[0]
        seen.append((row[1], row[2], row[3]))
        pids.add(row[4])
    results[name] = (seen, calls)
threads = [threading.Thread(target=consume, args=(n,)) for n in range(2)]
for t in threads: t.start()
for t in threads: t.join()
direct = psycopg2.connect(f"host={os.environ['PGHOST']} port={os.environ['PGPORT']} dbname=txrelay_e2e user=payments_app")
with direct.cursor() as cur:
    cur.execute("SELECT event_id, idempotency_key, event FROM txrelay.events_since(NULL, 10000)")
    whole = [tuple(r) for r in cur.fetchall()]
same = all(seen == whole and len(set(seen)) == len(seen) for seen, _ in results.values())
done = sum(1 for _, k, e in whole if e == "completed" and k.startswith("pool-a-"))
print(len(whole), int(same and len(results) == 2), done, len(pids), sum(c for _, c in results.values()))
PY
read -r f_rows f_same f_done f_pids f_calls <"$OUT/feed"
check "a: events_since read position by position by 2 consumers at once, 3 pooled clients each ($f_calls calls, served by $f_pids server connection(s)): each read all $f_rows events once, in the direct feed's order, the 6 completions among them" \
  test "$f_same/$f_done/$((f_rows > 6))/$((f_pids <= 2))" = "1/6/1/1"

# ---- c. what transaction pooling breaks, and the alternatives ----------------------------------
# LISTEN: client A LISTENs through the transaction pool; client B's open transaction holds A's
# server connection, so A's next transactions run on the other one. Meanwhile three withdrawals of tier 'fast' (complete at inclusion + 1
# block) are requested and approved on a direct connection, blocks are mined, and the tracker
# sends NOTIFY txrelay_events for each completion. Beside A: a listener on a direct connection
# and one on the session-pooled entry. All of them look every 0.1 s, as an application would.
# A and B log in as listen_probe, a pool (database, user) of their own: the example programs in b
# LISTENed through the postgres pool, and their LISTENs stay on its server connections after they
# disconnect (no reset in transaction pooling), so any client of that pool may hear them.
env -u PGOPTIONS $PY - >"$OUT/c" <<'PY' || true
import json, os, time, urllib.request, psycopg2
base = f"host=127.0.0.1 port={os.environ['BOUNCER_PORT']} user=postgres"
def conn(dsn):
    c = psycopg2.connect(dsn); c.autocommit = True; return c
def q(c, sql, args=None):
    with c.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None
def mine():
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "evm_mine", "params": []}).encode()
    urllib.request.urlopen(urllib.request.Request(os.environ["ANVIL_URL"], body, {"Content-Type": "application/json"}), timeout=5).read()
# The example programs' LISTENs outlived them: fresh clients of the postgres pool, holding both of
# its server connections at once, find them still listening.
holders = [conn(base + " dbname=txrelay_e2e") for _ in range(2)]
leaked = [q(h, "BEGIN; SELECT pg_backend_pid(), 'txrelay_events' = ANY(array(SELECT pg_listening_channels()))")[0] for h in holders]
for h in holders: q(h, "COMMIT"); h.close()
print("leak", len({pid for pid, _ in leaked}), sum(1 for _, on in leaked if on))
probe = f"host=127.0.0.1 port={os.environ['BOUNCER_PORT']} user=listen_probe dbname=txrelay_e2e"
a, b = conn(probe), conn(probe)
direct, session = conn(""), conn(base + " dbname=txrelay_session")
writer = conn("")
for c in (direct, session): q(c, "LISTEN txrelay_events")
pid_listen = q(a, "LISTEN txrelay_events; SELECT pg_backend_pid()")[0][0]
# PgBouncer usually hands B the connection A just released; when it hands out the other one,
# a further client holds that one until one of them has A's, and the others let theirs go.
pid_b, others = q(b, "BEGIN; SELECT pg_backend_pid()")[0][0], []
while pid_b != pid_listen and len(others) < 4:
    others.append(b)
    b = conn(probe)
    pid_b = q(b, "BEGIN; SELECT pg_backend_pid()")[0][0]
for o in others: q(o, "COMMIT")
a_pid, a_channels = q(a, "SELECT pg_backend_pid(), array(SELECT pg_listening_channels())")[0]
ids = []
for i in range(3):
    w = q(writer, "SELECT withdrawal_id FROM txrelay.request_withdrawal(%s, 'frank', 31337, 'ETH', %s, 1000, 'fast')",
          (f"listen-{i}", "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"))[0][0]
    q(writer, "SELECT txrelay.approve(%s, gen_random_uuid(), %s, 'e2e')", (w, f"pd-listen-{i}"))
    ids.append(w)
deadline = time.time() + 20
while time.time() < deadline and q(writer, "SELECT count(*) FROM txrelay.withdrawals WHERE withdrawal_id = ANY(%s::uuid[]) AND completed_at IS NOT NULL", (ids,))[0][0] < 3:
    mine()
    for c in (a, direct, session): q(c, "SELECT 1")
    time.sleep(0.1)
for _ in range(5):
    for c in (a, direct, session): q(c, "SELECT 1")
    time.sleep(0.1)
q(b, "COMMIT")
for _ in range(5):
    for c in (a, b, direct, session): q(c, "SELECT 1")
    time.sleep(0.1)
def heard(c):
    return sum(1 for n in c.notifies if n.channel == "txrelay_events" and json.loads(n.payload).get("withdrawal_id") in ids
               and json.loads(n.payload).get("event") == "completed")
print("listen", int(pid_b == pid_listen), int(a_pid != pid_listen), len(a_channels), heard(a), heard(b), heard(direct), heard(session))

# SET: A sets lock_timeout (its own transaction); B's transaction gets that server connection.
q(a, "SET lock_timeout = '1234ms'")
set_pid = q(a, "SELECT pg_backend_pid()")[0][0]
b_pid, b_sees = q(b, "BEGIN; SELECT pg_backend_pid(), current_setting('lock_timeout')")[0]
a_sees = q(a, "SELECT current_setting('lock_timeout')")[0][0]
q(b, "RESET lock_timeout; COMMIT")   # (puts that server connection back as it was)
# SET LOCAL: inside the transaction only, on whichever server connection it runs.
local = q(a, "BEGIN; SET LOCAL lock_timeout = '1234ms'; SELECT current_setting('lock_timeout')")[0][0]
q(a, "COMMIT")
b2 = q(b, "BEGIN; SELECT current_setting('lock_timeout')")[0][0]
a2 = q(a, "SELECT current_setting('lock_timeout')")[0][0]
q(b, "COMMIT")
print("set", int(b_pid == set_pid), b_sees, a_sees, local, a2, b2)
PY
read -r _ k_servers k_listening < <(grep '^leak' "$OUT/c")
check "c: a LISTEN made through the transaction pool outlives its client: after withdraw.py and withdraw.cjs exited, $k_listening of the pool's $k_servers server connections still listened on txrelay_events (a later client of the pool may be handed its notifications)" \
  test "$k_servers/$((k_listening >= 1))" = "2/1"
read -r _ l_same l_moved l_channels l_a l_b l_direct l_session < <(grep '^listen' "$OUT/c")
read -r _ s_same s_b s_a s_local s_a2 s_b2 < <(grep '^set' "$OUT/c")
echo "# LISTEN through the transaction pool: B took A's listening server connection: $l_same; A then on another: $l_moved, listening there on $l_channels channel(s); completions heard (of 3): A $l_a, B (never LISTENed) $l_b, direct $l_direct, session pool $l_session"
check "c: LISTEN on a transaction-pooled connection: A heard none of the 3 completions (its LISTEN stayed on a server connection that another client had meanwhile): B on A's listener $l_same, A moved $l_moved, channels there $l_channels, heard $l_a" \
  test "$l_same/$l_moved/$l_channels/$l_a" = "1/1/0/0"
check "c: instead, LISTEN on a direct connection or on the session-pooled entry: each heard all 3" \
  test "$l_direct/$l_session" = "3/3"
check "c: session SET does not stay with the client: A's 'SET lock_timeout = 1234ms' was seen by B's transaction ($s_b), not by A's next ($s_a)" \
  test "$s_same/$s_b/$s_a" = "1/1234ms/0"
check "c: SET LOCAL applies inside the transaction ($s_local) and nowhere after it (A $s_a2, B $s_b2)" \
  test "$s_local/$s_a2/$s_b2" = "1234ms/0/0"
# Protocol-level named prepared statements (PgBouncer < 1.21): node-postgres's {name: ...} query
# prepared on one server connection, used again on the other; its default (an unnamed statement
# in each call, what withdraw.cjs uses) works.
pooled node - >"$OUT/prep" 2>&1 <<'JS' || true
const { Client } = require('pg');
(async () => {
  const a = new Client(), b = new Client();
  await a.connect(); await b.connect();
  const named = { name: 'probe', text: 'SELECT pg_backend_pid() AS pid, $1::int AS x' };
  const first = (await a.query({ ...named, values: [1] })).rows[0].pid;
  await b.query('BEGIN');
  const held = (await b.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  let named2 = 'ok', unnamed = 'ok';
  try { await a.query({ ...named, values: [2] }); } catch (e) { named2 = e.message; }
  try { await a.query('SELECT $1::int AS x', [3]); } catch (e) { unnamed = e.message; }
  await b.query('COMMIT');
  console.log(`${first === held ? 1 : 0}|${named2}|${unnamed}`);
  await a.end(); await b.end();
})().catch((e) => { console.log(`0|${e.message}|?`); });
JS
IFS='|' read -r p_same p_named p_unnamed <"$OUT/prep"
check "c: a named prepared statement fails on the other server connection ($p_named); unnamed parameterised queries work ($p_unnamed)" \
  test "$p_same/$p_named/$p_unnamed" = '1/prepared statement "probe" does not exist/ok'
set +e
opt_err=$(PGOPTIONS="-c synchronous_commit=on" PGHOST=127.0.0.1 PGPORT="$BOUNCER_PORT" psql -X -At -c "SELECT 1" 2>&1)
set -e
check "c: PgBouncer 1.18 refuses the options startup parameter (PGOPTIONS): ALTER ROLE/DATABASE ... SET instead" \
  grep -q "unsupported startup parameter: options" <<<"$opt_err"

# ---- d. connections dropped mid-call, retried with the same keys ------------------------------
# For each key: a direct session locks the row the call needs (request_withdrawal: the account's
# ledger row; approve: the withdrawal's row); the call through the pooler is seen waiting on it;
# then the drop: SIGKILL of the client, pg_terminate_backend of the server connection behind the
# pooler, or PgBouncer's KILL (client and server connections; then RESUME); then the lock goes
# and the same call is retried until it succeeds - before the lock goes (waiting behind the
# orphaned call) or after, alternately.
env -u PGOPTIONS $PY - >"$OUT/d" <<'PY' || true
import os, signal, subprocess, time, hashlib, uuid, psycopg2
port = os.environ["BOUNCER_PORT"]
env = {k: v for k, v in os.environ.items() if k != "PGOPTIONS"}
env.update(PGHOST="127.0.0.1", PGPORT=port, PGDATABASE="txrelay_e2e")
recipient = os.environ["E2E_DEV"].split()[6]
def conn(dsn=""):
    c = psycopg2.connect(dsn); c.autocommit = True; return c
direct, holder = conn(), psycopg2.connect("")
admin = conn(f"host=127.0.0.1 port={port} dbname=pgbouncer user=postgres")
def one(sql, args=None):
    with direct.cursor() as cur:
        cur.execute(sql, args); return cur.fetchone()
def start(role, sql):
    return subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", role, "-c", sql],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
def waiting(role, marker, other_than=None, seconds=5):   # the call's backend, waiting on a lock
    deadline = time.time() + seconds
    while time.time() < deadline:
        r = one("SELECT pid FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock' AND query LIKE %s"
                " AND pid IS DISTINCT FROM %s", (role, f"%{marker}%", other_than))
        if r: return r[0]
        time.sleep(0.02)
    return None
stats = dict(inflight=0, errored=0, same=0, calls=0, orphans=0, orphans_committed=0, terminated=0, terminated_committed=0, retries=0)
methods, said = {}, {}
def dropped_call(role, sql, marker, lock_sql, lock_args, method, release_first):
    stats["calls"] += 1
    with holder.cursor() as cur:
        cur.execute(lock_sql, lock_args)          # holder's transaction stays open: the lock is held
    client = start(role, sql)
    pid = waiting(role, marker)
    stats["inflight"] += pid is not None
    if method == "sigkill":
        client.send_signal(signal.SIGKILL)
    elif method == "terminate":
        one("SELECT pg_terminate_backend(%s)", (pid,))
    else:
        with admin.cursor() as cur:
            cur.execute("KILL txrelay_e2e"); cur.execute("RESUME txrelay_e2e")
    out, err = client.communicate(timeout=10)
    # the caller got no answer: killed, or an error and a non-zero exit
    stats["errored"] += (client.returncode == -signal.SIGKILL if method == "sigkill" else client.returncode != 0 and err.strip() != "") and out.strip() == ""
    methods[method] = methods.get(method, 0) + 1
    said.setdefault(method, " / ".join(err.strip().splitlines()[:2]) if method != "sigkill" else f"killed (exit status {client.returncode})")
    def retry():
        for _ in range(50):
            stats["retries"] += 1
            r = start(role, sql); o, e = r.communicate(timeout=30)
            if r.returncode == 0 and o.strip(): return o.strip()
            time.sleep(0.1)
        return None
    if release_first:
        holder.rollback()
        if pid is not None:   # the orphaned call, if its backend lives on, finishes first
            for _ in range(250):
                if not one("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))[0]: break
                time.sleep(0.02)
        kind = "terminated" if method == "terminate" else "orphans"   # its backend killed, or left running
        stats[kind] += 1
        stats[kind + "_committed"] += one("SELECT count(*) FROM txrelay.withdrawals w LEFT JOIN txrelay.approvals a USING (withdrawal_id) WHERE "
                                               + ("w.idempotency_key = %s" if role == "payments_app" else "a.approval_id = %s"), (marker,))[0]
        answer = retry()
    else:
        retrier = start(role, sql)
        waiting(role, marker, pid)   # queued behind the orphaned call or the lock
        holder.rollback()
        o, e = retrier.communicate(timeout=30)
        answer = o.strip() if retrier.returncode == 0 and o.strip() else retry()
    return answer
order = ["sigkill", "terminate", "bouncer_kill"]
for i in range(9):
    key, method, release_first = f"drop-{i}", order[i % 3], i % 2 == 0
    answer = dropped_call("payments_app",
        f"SELECT withdrawal_id FROM txrelay.request_withdrawal('{key}', 'erin', 31337, 'ETH', '{recipient}', 1000000000000000)",
        key, "SELECT FROM txrelay.ledger_accounts WHERE account = 'erin' AND chain_id = 31337 AND asset = 'ETH' FOR UPDATE", None,
        method, release_first)
    row = one("SELECT withdrawal_id::text, count(*) OVER () FROM txrelay.withdrawals WHERE idempotency_key = %s", (key,))
    stats["same"] += row is not None and answer == row[0] and row[1] == 1
    if row is None:
        continue
    wid = row[0]
    approval = str(uuid.UUID(hashlib.md5(key.encode()).hexdigest()))   # fixed per key
    answer = dropped_call("risk_engine",
        f"SELECT withdrawal_id, status <> 'requested' FROM txrelay.approve('{wid}', '{approval}', 'pd-{key}', 'risk-engine')",
        approval, "SELECT FROM txrelay.withdrawals WHERE withdrawal_id = %s FOR UPDATE", (wid,),
        order[(i + 1) % 3], not release_first)
    stats["same"] += answer == f"{wid}|t"
print(" ".join(f"{k}={v}" for k, v in stats.items()), " ".join(f"{k}={v}" for k, v in sorted(methods.items())))
for m, e in sorted(said.items()):
    print(f"# what the dropped caller saw ({m}): {e}")
PY
d=$(head -1 "$OUT/d"); echo "# dropped calls: $d"; sed -n '2,$p' "$OUT/d"
dv() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$d"; }
check "d: 18 calls (9 request_withdrawal, 9 approve) were in flight, waiting on a held row lock, when dropped (SIGKILL of the client, pg_terminate_backend behind the pooler, PgBouncer KILL: $(dv sigkill)/$(dv terminate)/$(dv bouncer_kill))" \
  test "$(dv calls)/$(dv inflight)" = "18/18"
check "d: every dropped caller got no answer (killed, or an error)" test "$(dv errored)" = 18
check "d: every retry with the same keys returned the one withdrawal that exists for its key (of the calls whose lock went before the retry: $(dv orphans_committed) of $(dv orphans) whose client alone was dropped had committed anyway, $(dv terminated_committed) of $(dv terminated) whose backend was terminated)" \
  test "$(dv same)" = 18
check "d: one withdrawal per key, one approval and one nonce each" \
  test "$(sql "SELECT count(DISTINCT w.withdrawal_id) || '/' || count(a.approval_id) || '/' || count(DISTINCT n.nonce_key) || '/' || count(*)
                 FROM txrelay.withdrawals w LEFT JOIN txrelay.approvals a USING (withdrawal_id) LEFT JOIN txrelay.nonce_reservations n USING (withdrawal_id)
                WHERE w.idempotency_key LIKE 'drop-%'")" = "9/9/9/9"
check "d: erin's account: reserved + spent = 9 x 0.001 ETH, nothing twice" \
  test "$(sql "SELECT reserved + spent FROM txrelay.balance('erin', 31337, 'ETH')")" = 9000000000000000
wait_for "SELECT count(*) = 0 FROM txrelay.withdrawals WHERE status IN ('requested', 'approved', 'signed')" 30 "every approved withdrawal sent"
check "verify_ledger(true) finds nothing" test "$(sql "SELECT count(*) FROM txrelay.verify_ledger(true)")" = 0
check "every transaction on chain once, at its nonce, paying its recipient (a, b, d)" check_chain --require-all-sent
finish
