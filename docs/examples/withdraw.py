#!/usr/bin/env python3
"""How an application pays out through txrelay (psycopg2): request a withdrawal under an
idempotency key (repeating it after a lost connection is safe), approve it, and follow it to
completion through LISTEN/NOTIFY plus the event feed, which misses nothing while disconnected.

Usage: withdraw.py ACCOUNT CHAIN_ID ASSET TO AMOUNT IDEMPOTENCY_KEY
The connection comes from the usual PG* environment variables. Exit status 0 when the withdrawal
completed, 1 when it failed or was replaced, 2 on a refused request (e.g. TR002 balance too low).
test/e2e/examples.sh runs it against a real node.
"""
import select
import sys
import time
import uuid

import psycopg2


def connect():
    conn = psycopg2.connect("")  # PGHOST, PGPORT, PGUSER, PGDATABASE
    conn.autocommit = True
    return conn


def call(conn, sql, args):
    """One API call; after a lost connection it reconnects and repeats the same call, which the
    idempotency key (or the single-use approval id) makes safe."""
    for attempt in range(5):
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return conn, cur.fetchone()
        except psycopg2.OperationalError:
            time.sleep(0.2 * 2 ** attempt)
            conn = connect()
    raise SystemExit("database unreachable")


def main():
    account, chain, asset, to, amount, key = sys.argv[1:7]
    conn = connect()
    try:
        conn, (wid, status) = call(conn, "SELECT withdrawal_id, status FROM txrelay.request_withdrawal(%s, %s, %s, %s, %s, %s)",
                                   (key, account, int(chain), asset, to, int(amount)))
    except psycopg2.Error as e:  # TR001 key reused for another request, TR002 balance too low, 22023 bad input
        print(f"refused: {e.pgcode} {e.pgerror.strip()}")
        return 2
    print(f"requested {wid} ({status})")
    if status == "requested":
        # In production the approver is a separate service with its own role (txrelay_approver).
        conn, (status,) = call(conn, "SELECT status FROM txrelay.approve(%s, %s, %s, %s)",
                               (wid, str(uuid.uuid4()), f"policy-{key}", "example-approver"))
        print(f"approved: {status}")

    with conn.cursor() as cur:
        cur.execute("LISTEN txrelay_events")
        # An application stores the last position it handled and starts from there; this example
        # starts from the beginning and skips other withdrawals' events.
        position = None
        while True:
            cur.execute("SELECT feed_position, withdrawal_id, event, to_status FROM txrelay.events_since(%s, 1000)",
                        (position,))
            rows = cur.fetchall()
            for feed_position, withdrawal_id, event, to_status in rows:
                position = feed_position
                if withdrawal_id != wid:
                    continue
                print(f"event {event} -> {to_status}")
                if event == "completed":
                    print(f"completed: {to_status}")
                    return 0
                if event == "status" and to_status in ("failed", "replaced_externally", "rejected", "cancelled"):
                    print(f"ended: {to_status}")
                    return 1
            if len(rows) == 1000:
                continue  # more to read now
            if select.select([conn], [], [], 5.0)[0]:  # a notification, or look again after 5 s
                conn.poll()
                conn.notifies.clear()


if __name__ == "__main__":
    sys.exit(main())
