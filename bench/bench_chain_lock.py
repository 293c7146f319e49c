"""The per-estate audit chain lock: how many ballots per second can one estate take?

Every ballot appends to its estate's audit chain inside the casting transaction, and the
append starts with `UPDATE audit_chains … RETURNING` on the estate's single chain row. That
row lock is held until COMMIT, so casts within one estate are serialised from that UPDATE to
the end of the COMMIT (everything before it — token, roll entry, voter row — runs in parallel;
the voter row lock is per voter). Two measurements, on PostgreSQL:

  A  hold   the real casting path in-process (vote_with_token + COMMIT, one at a time on an
            idle database): time from the chain UPDATE to the end of COMMIT, i.e. how long
            each ballot keeps the estate's chain locked. Ceiling per estate ≈ 1 / hold.
  B  sql    the chain append alone in raw SQL (UPDATE … RETURNING, INSERT event, UPDATE head,
            COMMIT) from --threads connections for --seconds each: all on ONE chain (one
            estate) versus one chain per connection (many estates). The database's own limit
            for one estate, and how much parallelism several estates recover.

  .venv/bin/python bench/bench_chain_lock.py [--ballots 500] [--threads 8] [--seconds 5]

PostgreSQL: BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
a fresh database is created next to it and dropped afterwards. Loopback only.
"""
import argparse
import hashlib
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.scratch_db import scratch_postgres  # noqa: E402


def fresh_database() -> tuple[str, callable]:
    url, _, drop = scratch_postgres("bench_chain")
    return url, drop


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def in_app_hold(url: str, secret: str, ballots: int) -> dict:
    """Part A: cast `ballots` ballots through vote_with_token, timing the chain lock's hold."""
    from bench.soak_ballots import app_for, seed
    from voting.ballots.online import vote_with_token
    from voting.clock import now
    from voting.extensions import db

    _, _, links = seed(url, secret, max(ballots, 100))
    app = app_for(url, secret)
    holds, totals, marks = [], [], {}
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def mark(conn, cursor, statement, params, context, many):
            if "UPDATE audit_chains SET length" in statement:  # PostgreSQL: inside the append's WITH
                marks["locked"] = time.perf_counter()

        for i in range(ballots + 20):  # the first 20 warm caches and are not counted
            token = links[i % len(links)][1]
            start = time.perf_counter()
            vote_with_token(token, "agree", None, None, now(), "127.0.0.1")
            db.session.commit()
            end = time.perf_counter()
            if i >= 20:
                holds.append((end - marks["locked"]) * 1000)
                totals.append((end - start) * 1000)
        db.session.remove()
        db.engine.dispose()
    return {"hold_ms_p50": pct(holds, 50), "hold_ms_p90": pct(holds, 90), "hold_ms_p99": pct(holds, 99),
            "cast_ms_p50": pct(totals, 50), "share_locked": statistics.median(holds) / statistics.median(totals)}


def reminders_block(url: str, secret: str, households: int) -> dict:
    """Part C: queue the round's SMS reminders (one transaction, one audit event for the batch) while
    one ballot of the same estate is cast from another thread as soon as the batch starts writing
    to the outbox: how long the ballot waits, and how long the batch holds the estate's chain lock."""
    from bench.soak_ballots import app_for, seed
    from voting.ballots.online import vote_with_token
    from voting.clock import now
    from voting.extensions import db
    from voting.models.rounds import Round
    from voting.sms.round_messages import queue_reminders

    _, round_id, links = seed(url, secret, households)
    app = app_for(url, secret)
    writing, out = threading.Event(), {}

    def mark(conn, cursor, statement, params, context, many):
        if "INSERT INTO outbox_messages" in statement:
            writing.set()
        if "UPDATE audit_chains" in statement and "locked_at" not in out and threading.current_thread() is main:
            out["locked_at"] = time.perf_counter()

    main = threading.current_thread()

    def ballot():
        with app.app_context():
            writing.wait(60)
            start = time.perf_counter()
            vote_with_token(links[-1][1], "agree", None, None, now(), "127.0.0.1")
            db.session.commit()
            out["ballot_s"] = time.perf_counter() - start
            db.session.remove()

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", mark)
        voter = threading.Thread(target=ballot)
        voter.start()
        start = time.perf_counter()
        report = queue_reminders(db.session.get(Round, round_id), "bench", None, now())
        db.session.commit()
        out["enqueue_s"] = time.perf_counter() - start
        out["held_s"] = time.perf_counter() - out["locked_at"]
        out["queued"] = report.queued
        voter.join()
        db.session.remove()
        db.engine.dispose()
    return out


def sql_appends(url: str, threads: int, seconds: float, one_chain: bool) -> float:
    """Part B: chain appends per second from `threads` connections, on one chain or one chain each."""
    import psycopg

    u = make_url(url)
    dsn = dict(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
               password=u.password, dbname=u.database)
    run = uuid.uuid4().hex[:6]
    chains = [f"b{run}:0"] if one_chain else [f"b{run}:{i}" for i in range(threads)]
    with psycopg.connect(**dsn, autocommit=True) as conn:
        for chain in chains:
            conn.execute("INSERT INTO audit_chains (chain, length, head_hash) VALUES (%s, 0, %s)", (chain, "0" * 64))
    counts = [0] * threads
    start_gate = threading.Barrier(threads + 1)
    stop = threading.Event()

    def worker(index):
        chain = chains[0 if one_chain else index]
        with psycopg.connect(**dsn) as conn:
            start_gate.wait()
            while not stop.is_set():
                with conn.transaction():
                    seq, prev = conn.execute(
                        "UPDATE audit_chains SET length = length + 1 WHERE chain = %s RETURNING length, head_hash",
                        (chain,)).fetchone()
                    at = datetime.now(timezone.utc)
                    digest = hashlib.sha256(f"{chain}|{seq}|{at.isoformat()}|{prev}".encode()).hexdigest()
                    conn.execute(
                        "INSERT INTO audit_events (chain, seq, at, actor, action, subject, data, prev_hash, hash) "
                        "VALUES (%s, %s, %s, 'resident', 'ballot_cast', 'round:1', '{}', %s, %s)",
                        (chain, seq, at, prev, digest))
                    conn.execute("UPDATE audit_chains SET head_hash = %s WHERE chain = %s", (digest, chain))
                counts[index] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    start_gate.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return sum(counts) / (time.perf_counter() - began)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--reminders", type=int, default=5000,
                        help="households of the estate whose SMS reminders are queued in part C (0: skip)")
    args = parser.parse_args()
    url, drop = fresh_database()
    try:
        a = in_app_hold(url, "bench-only-not-secret", args.ballots)
        print(f"A  in-app, one cast at a time: chain lock held p50 {a['hold_ms_p50']:.2f} ms, p90 {a['hold_ms_p90']:.2f}, "
              f"p99 {a['hold_ms_p99']:.2f} ms of a {a['cast_ms_p50']:.2f} ms cast ({a['share_locked']:.0%}); "
              f"ceiling per estate ≈ {1000 / a['hold_ms_p50']:.0f} ballots/s")
        if args.reminders:
            url_c, drop_c = fresh_database()
            try:
                c = reminders_block(url_c, "bench-only-not-secret", args.reminders)
            finally:
                drop_c()
            print(f"C  SMS reminders for {args.reminders} households queued in one transaction: {c['queued']} messages in "
                  f"{c['enqueue_s']:.1f} s, the estate's chain locked for the last {c['held_s'] * 1000:.0f} ms; a ballot "
                  f"of the same estate cast while it wrote took {c['ballot_s'] * 1000:.0f} ms", flush=True)
        for one in (True, False):
            rate = sql_appends(url, args.threads, args.seconds, one)
            print(f"B  raw SQL chain appends, {args.threads} connections, "
                  f"{'one chain (one estate)      ' if one else 'one chain each (N estates)'}: {rate:8.0f} /s", flush=True)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        drop()


if __name__ == "__main__":
    main()
