"""Load with faults: residents cast and change online ballots while workers die and the pool is reset.

  .venv/bin/python bench/soak_ballots.py                # 5,000 households, 200 residents, 75 s
  .venv/bin/python bench/soak_ballots.py --households 500 --clients 20 --duration 10 --kills 1 --pool-resets 1

What it does, on 127.0.0.1 only, bounded in time and count, and stopping by itself:

1. creates a fresh PostgreSQL database next to SOAK_DATABASE_URL (default
   postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates it and seeds, through the
   service's own API (in-process test client), an estate of N households (one owner in ten holds
   two flats, so two phones can cast for one voter at once), a proposal, and an open stage-1
   round with ballot policy `last`, and fetches every household's voting link;
2. starts gunicorn (`--workers`, sync by default) on a free loopback port with the real app
   (`voting.app:create_app`), RATELIMIT_STORAGE_URI=--redis-url (redis://127.0.0.1:6379/11) and a
   per-run key prefix (its keys are deleted afterwards). Successful ballots spend no rate-limit
   budget (only wrong phone4 answers and unknown links do), so the load is not throttled; any
   429 fails the run;
3. runs `--clients` simulated residents (asyncio + aiohttp) for `--duration` seconds. Each owns
   a disjoint slice of the households (one phone per flat, never two requests in flight for one
   flat) and repeatedly casts or changes a ballot via POST /api/v1/ballots, retrying like a
   phone on connection errors, timeouts and 5xx (exponential backoff, at most --max-attempts);
4. meanwhile injects faults evenly spread over the run: `--kills` × SIGKILL of a random
   gunicorn worker (the master respawns it) and `--pool-resets` × pg_terminate_backend of every
   connection to the database (the app's pool_pre_ping must recover), and samples
   pg_stat_activity every 100 ms (backends active / waiting on a lock);
5. afterwards checks, and exits 1 if any fails:
   - every acknowledged receipt (201) is in the ledger, for the flat and choice sent;
   - per voter: sequence numbers are exactly 1..n (unique), round_voters.ballots = n, and
     exactly one ballot stands as counted; receipts are unique; per flat, the acknowledged
     ballots have increasing sequence numbers in the order they were acknowledged;
   - no phantom ballot: every ballot nobody acknowledged matches a failed attempt (same flat
     and choice) of the client;
   - the estate's audit chain verifies (voting.audit.cli.verify_chain) and holds exactly one
     ballot_cast event per ballot, with its receipt;
   - recount(frozen_roster_csv, ballots_csv) == round_tally(round) == GET /api/v1/rounds/{id}/tally;
   - no unexpected status (4xx) and no 429; every killed worker was replaced.

With --redis-outage SECONDS the workers use a private redis-server started on a free loopback
port instead of --redis-url, and one more fault SIGKILLs it for that long, then restarts it: the
rate limiter must fall back to memory rather than fail the requests.

Prints throughput (acknowledged ballots/s), p50/p99 latency of successful requests and of whole
ballots (first try to acknowledgement), attempts, acknowledged, retried, errors by kind, the
timeline of acknowledgements per second and the checks. --json PATH also writes the summary.
"""
import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.api_seed import free_port, open_round_with_links  # noqa: E402
from bench.scratch_db import DEFAULT_BASE, scratch_postgres  # noqa: E402

CHOICES = ("agree", "agree", "agree", "disagree", "abstain")  # mostly agree, as in the plan's estates
STAFF_USER, STAFF_PASSWORD = "soak-district", "soak-password-long-enough"


# --- database and seed -------------------------------------------------------------------

def fresh_database(keep: bool) -> tuple[str, str, callable]:
    """(SQLAlchemy URL of a new database, its name, drop())."""
    if make_url(os.environ.get("SOAK_DATABASE_URL", DEFAULT_BASE)).get_backend_name() != "postgresql":
        sys.exit("the soak needs PostgreSQL (pg_terminate_backend); set SOAK_DATABASE_URL")
    return scratch_postgres("soak_ballots", env="SOAK_DATABASE_URL", keep=keep)


def roster(households: int) -> bytes:
    """Buildings of 60 flats (2 stairwell units × 30); flat i with i % 10 == 9 belongs to flat i-1's owner."""
    rng = random.Random(11)
    rows = ["building,unit,room,area,area_source,owner_key,owner_name,phone,status"]
    for i in range(households):
        building, unit, room = i // 60 + 1, i // 30 % 2 + 1, 101 + i % 30 // 2 * 100 + i % 2
        owner = i - 1 if i % 10 == 9 else i
        rows.append(f"{building},{unit},{room},{rng.randint(4500, 14000) / 100:.2f},register,"
                    f"O{owner:06d},业主{owner},139{owner:08d},owned")
    return ("\n".join(rows) + "\n").encode()


def app_for(url: str, secret: str):
    from voting.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": False})


def seed(url: str, secret: str, households: int) -> tuple[int, int, list[tuple[int, str]]]:
    """(estate id, round id, [(household id, link token)]) — through the service's own API."""
    from flask_migrate import upgrade

    from voting.accounts.cli import create_user
    from voting.extensions import db

    app = app_for(url, secret)
    with app.app_context():
        upgrade()
        create_user(STAFF_USER, STAFF_PASSWORD, "district", None, None)
        db.session.commit()
    estate_id, round_id, links = open_round_with_links(app, STAFF_USER, STAFF_PASSWORD, roster(households),
                                                       prefix="压测", policy="last")
    with app.app_context():
        db.engine.dispose()
    return estate_id, round_id, [(link["household_id"], link["url"].rsplit("/", 1)[1]) for link in links]


# --- gunicorn and faults -------------------------------------------------------------------

def children(pid: int) -> set[int]:
    """Live child processes of `pid` (gunicorn's workers), from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, …
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


@contextmanager
def gunicorn(url: str, secret: str, args, prefix: str, log_path: Path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret,
           "RATELIMIT_STORAGE_URI": args.redis_url}
    command = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
               "--worker-class", args.worker_class, "--log-level", "warning", "--chdir", str(ROOT),
               "--graceful-timeout", "10"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    command.append(f"voting.app:create_app({{'RATELIMIT_KEY_PREFIX': {prefix!r}}})")
    log = open(log_path, "w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=5).read()
                if len(children(process.pid)) == args.workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {log_path}")
            time.sleep(0.2)
        yield base, process
    finally:
        process.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def admin_connection():
    import psycopg

    base = make_url(os.environ.get("SOAK_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    return psycopg.connect(host=base.host or "127.0.0.1", port=base.port or 5432, user=base.username or "postgres",
                           password=base.password, dbname="postgres", autocommit=True)


class PrivateRedis:
    """A throw-away redis-server on a free loopback port (for --redis-outage), our own child."""

    def __init__(self):
        self.port, self.process = free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Faults(threading.Thread):
    """Kills workers and resets the pool at evenly spread times; samples pg_stat_activity meanwhile."""

    def __init__(self, master: subprocess.Popen, dbname: str, args, t0: float, redis_server: PrivateRedis | None):
        super().__init__(daemon=True)
        self.master, self.dbname, self.args, self.t0, self.redis = master, dbname, args, t0, redis_server
        self.stop = threading.Event()
        self.events: list[dict] = []
        self.samples: list[tuple[int, int]] = []
        self.lock_waits: Counter = Counter()  # statement (first 30 characters) → samples waiting on a lock
        # Interleaved (kill, reset, kill…) and evenly spread, so each fault has quiet time around it.
        order, kills, resets = [], args.kills, args.pool_resets
        while kills or resets:
            if kills:
                order.append("kill")
                kills -= 1
            if resets:
                order.append("pool_reset")
                resets -= 1
        if redis_server:
            order.append("redis_outage")
        self.plan = [((i + 1) * args.duration / (len(order) + 1), kind) for i, kind in enumerate(order)]

    def run(self):
        rng = random.Random(5)
        conn = admin_connection()
        try:
            plan = list(self.plan)
            while not self.stop.is_set():
                elapsed = time.monotonic() - self.t0
                if plan and elapsed >= plan[0][0]:
                    _, kind = plan.pop(0)
                    if kind == "kill":
                        self.events.append(self.kill(rng))
                    elif kind == "pool_reset":
                        self.events.append(self.pool_reset(conn))
                    elif kind == "redis_outage":
                        self.redis.kill()
                        print(f"  [{elapsed:5.1f} s] redis-server killed for {self.args.redis_outage:.0f} s", flush=True)
                        outage = {"kind": "redis_outage", "at": round(elapsed, 2), "restarted_at": None}
                        self.events.append(outage)
                        plan = sorted(plan + [(elapsed + self.args.redis_outage, "redis_restart")])
                    else:
                        self.redis.start()
                        outage["restarted_at"] = round(time.monotonic() - self.t0, 2)
                        print(f"  [{time.monotonic() - self.t0:5.1f} s] redis-server restarted", flush=True)
                rows = conn.execute(
                    "SELECT state, wait_event_type, left(regexp_replace(query, '\\s+', ' ', 'g'), 30) "
                    "FROM pg_stat_activity WHERE datname = %s", (self.dbname,)).fetchall()
                waiting = [q for state, wait, q in rows if wait == "Lock"]
                self.samples.append((sum(state == "active" for state, _, _ in rows), len(waiting)))
                self.lock_waits.update(waiting)
                self.stop.wait(0.1)
        finally:
            conn.close()

    def kill(self, rng) -> dict:
        at = time.monotonic() - self.t0
        before = children(self.master.pid)
        victim = rng.choice(sorted(before))
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        replaced = None
        while time.monotonic() < deadline:
            now = children(self.master.pid)
            if victim not in now and len(now) == len(before):
                replaced = time.monotonic() - self.t0 - at
                break
            time.sleep(0.05)
        print(f"  [{at:5.1f} s] kill -9 worker {victim}: "
              + (f"respawned in {replaced:.2f} s" if replaced is not None else "NOT respawned"), flush=True)
        return {"kind": "kill", "at": round(at, 2), "pid": victim,
                "respawn_s": None if replaced is None else round(replaced, 2)}

    def pool_reset(self, conn) -> dict:
        at = time.monotonic() - self.t0
        terminated = conn.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()) AS t", (self.dbname,)).fetchone()[0]
        print(f"  [{at:5.1f} s] pg_terminate_backend: {terminated} connections to {self.dbname} terminated", flush=True)
        return {"kind": "pool_reset", "at": round(at, 2), "terminated": terminated}


# --- simulated residents -----------------------------------------------------------------

@dataclass
class Stats:
    t0: float
    acks: list[dict] = field(default_factory=list)          # receipt, household, choice, at, attempts…
    failed: list[tuple[int, str, str, float]] = field(default_factory=list)  # (household, choice, kind, at) failed attempts
    attempts: int = 0
    retried: int = 0
    errors: Counter = field(default_factory=Counter)
    unexpected: list[dict] = field(default_factory=list)
    abandoned: int = 0
    request_ms: list[float] = field(default_factory=list)   # successful requests
    ballot_ms: list[float] = field(default_factory=list)    # first attempt → acknowledgement


async def cast(session, base, household, token, choice, args, stats: Stats, rng) -> None:
    started = time.monotonic()
    # With --idempotency-keys every attempt of one ballot carries the same key, as a phone's retry
    # would: an attempt whose answer was lost is then answered with its ballot, not cast again.
    headers = {"Idempotency-Key": uuid.uuid4().hex} if getattr(args, "idempotency_keys", False) else None
    for attempt in range(1, args.max_attempts + 1):
        stats.attempts += 1
        t = time.monotonic()
        kind, status, body = None, None, b""
        try:
            async with session.post(f"{base}/api/v1/ballots", json={"token": token, "choice": choice},
                                    headers=headers) as response:
                status, body = response.status, await response.read()
        except asyncio.TimeoutError:
            kind = "timeout"
        except aiohttp.ClientError as exc:
            kind = type(exc).__name__
        done = time.monotonic()
        if status == 201:
            stats.request_ms.append((done - t) * 1000)
            stats.ballot_ms.append((done - started) * 1000)
            stats.acks.append({"receipt": json.loads(body)["receipt"], "household": household, "choice": choice,
                               "at": done - stats.t0, "attempts": attempt})
            return
        if kind is None and status < 500:
            kind = f"http_{status}"
            stats.errors[kind] += 1
            stats.unexpected.append({"household": household, "status": status, "body": body[:300].decode(errors="replace")})
            return
        kind = kind or f"http_{status}"
        stats.errors[kind] += 1
        stats.failed.append((household, choice, kind, done - stats.t0))
        if attempt < args.max_attempts:
            stats.retried += 1
            await asyncio.sleep(min(3.0, 0.1 * 2 ** (attempt - 1)) * (0.5 + rng.random()))
    stats.abandoned += 1


async def resident(index, session, base, flats, args, stats: Stats, end: float) -> None:
    rng = random.Random(index)
    await asyncio.sleep(rng.random() * 0.5)  # residents do not all press the button in the same millisecond
    while time.monotonic() < end:
        household, token = rng.choice(flats)
        await cast(session, base, household, token, rng.choice(CHOICES), args, stats, rng)
        if args.think_ms:
            await asyncio.sleep(rng.uniform(0, 2 * args.think_ms) / 1000)


async def load(base: str, links: list[tuple[int, str]], args, stats: Stats) -> float:
    """Run the residents; returns the load's duration (start → last resident done)."""
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    connector = aiohttp.TCPConnector(limit=args.clients, force_close=args.worker_class == "sync")
    end = stats.t0 + args.duration
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        tasks = [asyncio.create_task(resident(i, session, base, links[i::args.clients], args, stats, end))
                 for i in range(args.clients)]
        done, pending = await asyncio.wait(tasks, timeout=args.duration + args.drain)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception():
                raise task.exception()
        if pending:
            stats.errors["cancelled_in_flight"] += len(pending)
    return time.monotonic() - stats.t0


async def staff_tally(base: str, round_id: int) -> dict:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        async with session.post(f"{base}/api/v1/auth/token",
                                json={"username": STAFF_USER, "password": STAFF_PASSWORD}) as response:
            token = (await response.json())["access_token"]
        async with session.get(f"{base}/api/v1/rounds/{round_id}/tally",
                               headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200, await response.text()
            return await response.json()


# --- checks ------------------------------------------------------------------------------

def check(url: str, secret: str, estate_id: int, round_id: int, stats: Stats, http_tally: dict) -> dict:
    """name → (ok, detail) for every invariant, read straight from the database."""
    from sqlalchemy import select

    from voting.audit.cli import verify_chain
    from voting.audit.log import chain_events, chain_name
    from voting.ballots.casting import ballot_standing
    from voting.ballots.ledger_export import ballots_csv
    from voting.extensions import db
    from voting.models.ballots import Ballot
    from voting.models.rounds import Round, RoundVoter
    from voting.rounds.frozen_roll import frozen_roster_csv, roll_entries
    from voting.rounds.round_tally import module_tally, round_rule, round_tally
    from voting.rounds.schemas import TallySchema
    from voting.tally.recount import recount

    results = {}
    app = app_for(url, secret)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        ballots = db.session.execute(select(Ballot.receipt, Ballot.household_id, Ballot.choice, Ballot.voter_key,
                                            Ballot.seq).where(Ballot.round_id == round_id)).all()
        by_receipt = {b.receipt: b for b in ballots}
        totals = dict(db.session.execute(select(RoundVoter.voter_key, RoundVoter.ballots)
                                         .where(RoundVoter.round_id == round_id)).all())

        missing = [a for a in stats.acks if a["receipt"] not in by_receipt]
        wrong = [a for a in stats.acks if a["receipt"] in by_receipt and
                 (by_receipt[a["receipt"]].household_id, by_receipt[a["receipt"]].choice) != (a["household"], a["choice"])]
        results["acknowledged receipts in the ledger"] = (
            not missing and not wrong, f"{len(stats.acks) - len(missing)}/{len(stats.acks)} found, "
                                       f"{len(wrong)} with another flat or choice")

        seqs = defaultdict(list)
        for b in ballots:
            seqs[b.voter_key].append(b.seq)
        bad_seq = [k for k, s in seqs.items() if sorted(s) != list(range(1, len(s) + 1)) or totals.get(k) != len(s)]
        counted = Counter(b.voter_key for b in ballots
                          if ballot_standing(b, round_.ballot_policy, totals[b.voter_key]) == "counted")
        not_one = [k for k in seqs if counted[k] != 1]
        receipts_unique = len(by_receipt) == len(ballots)
        results["one effective ballot per voter, seq unique"] = (
            not bad_seq and not not_one and receipts_unique and sum(totals.values()) == len(ballots),
            f"{len(ballots)} ballots of {len(seqs)} voters; seq gaps/duplicates {len(bad_seq)}, "
            f"voters without exactly one counted ballot {len(not_one)}, receipts unique {receipts_unique}")

        order_bad = 0
        by_flat = defaultdict(list)
        for a in sorted(stats.acks, key=lambda a: a["at"]):
            if a["receipt"] in by_receipt:
                by_flat[a["household"]].append(by_receipt[a["receipt"]].seq)
        for flat_seqs in by_flat.values():
            order_bad += any(x >= y for x, y in zip(flat_seqs, flat_seqs[1:]))
        results["acknowledged order = sequence order per flat"] = (order_bad == 0, f"{order_bad} flats out of order")

        acked = {a["receipt"] for a in stats.acks}
        unacked = Counter((b.household_id, b.choice) for b in ballots if b.receipt not in acked)
        failed = Counter((h, c) for h, c, _, _ in stats.failed)
        phantoms = sum(max(0, n - failed[key]) for key, n in unacked.items())
        results["no phantom ballot"] = (phantoms == 0, f"{sum(unacked.values())} ballots committed but not "
                                                       f"acknowledged (lost responses), {phantoms} without a failed attempt")

        stale = 0  # flats whose standing ballot is an unacknowledged one although a later ballot was acknowledged
        last_ack = {}
        for a in sorted(stats.acks, key=lambda a: a["at"]):
            last_ack[a["household"]] = a["receipt"]
        latest = {}
        for b in ballots:
            if b.household_id not in latest or b.seq > latest[b.household_id].seq:
                latest[b.household_id] = b
        for flat, receipt in last_ack.items():
            if receipt in by_receipt and latest[flat].receipt not in acked and latest[flat].seq > by_receipt[receipt].seq:
                stale += 1
        results["(info) flats whose newest ballot is an unacknowledged late delivery"] = (True, str(stale))

        chain = chain_name(estate_id)
        problem = verify_chain(chain)
        events = [e for e in chain_events(chain) if e["action"] == "ballot_cast"]
        event_receipts = Counter(e["data"]["receipt"] for e in events)
        chain_ok = problem is None and set(event_receipts) == set(by_receipt) and max(event_receipts.values(), default=1) == 1
        results["audit chain verifies, one ballot_cast per ballot"] = (
            chain_ok, f"{problem or 'intact'}; {len(events)} ballot_cast events for {len(ballots)} ballots")

        entries = roll_entries(round_id)
        recounted = recount(frozen_roster_csv(entries), ballots_csv(round_), round_rule(round_), round_.ballot_policy)
        served = round_tally(round_)
        reference = module_tally(round_)
        recounted_json = json.loads(json.dumps(TallySchema().dump(recounted)))
        results["tally = recount of exported files = HTTP tally"] = (
            recounted == served == reference and recounted_json == http_tally,
            f"recount == round_tally: {recounted == served}, == module tally: {recounted == reference}, "
            f"== GET /tally: {recounted_json == http_tally}; participating {recounted['participating']['heads']} "
            f"of {recounted['total']['heads']} heads, agree {recounted['agree']['heads']}, passed {recounted['passed']}")
        sizes = {t: db.session.scalar(text(f"SELECT pg_total_relation_size('{t}')"))
                 for t in ("ballots", "audit_events", "round_voters", "roll_entries", "voting_tokens")}
        results["(info) bytes per ballot, ballots + audit_events with indexes"] = (
            True, f"{(sizes['ballots'] + sizes['audit_events']) / max(1, len(ballots)):.0f} "
                  f"(tables: {', '.join(f'{t} {n // 1024} kB' for t, n in sizes.items())})")
        db.session.remove()
        db.engine.dispose()
    return results


# --- report ------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timeline(stats: Stats, seconds: int) -> list[int]:
    per_second = [0] * (seconds + 1)
    for a in stats.acks:
        per_second[min(seconds, int(a["at"]))] += 1
    return per_second


def gunicorn_log_summary(path: Path) -> dict:
    text_ = path.read_text(errors="replace")
    kinds = Counter()
    for line in text_.splitlines():
        for marker in ("OperationalError", "was sent SIGKILL", "Booting worker", "Traceback", "WORKER TIMEOUT",
                       "InterfaceError", "unhandled error"):
            if marker in line:
                kinds[marker] += 1
    return dict(kinds)


def cleanup_redis(url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"*/{prefix}/*", count=1000))  # LIMITS:LIMITER/<prefix>/…
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=200, help="concurrent residents")
    parser.add_argument("--duration", type=float, default=75, help="seconds of load (60-90 for the soak)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs of a gunicorn worker during the run")
    parser.add_argument("--pool-resets", type=int, default=1, help="pg_terminate_backend of every app connection")
    parser.add_argument("--think-ms", type=float, default=0, help="mean pause between a resident's ballots")
    parser.add_argument("--timeout", type=float, default=15, help="client timeout per request, seconds")
    parser.add_argument("--max-attempts", type=int, default=8)
    parser.add_argument("--drain", type=float, default=60, help="seconds allowed for in-flight ballots after the run")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11",
                        help="rate-limit storage shared by the workers (this run's keys are deleted afterwards)")
    parser.add_argument("--redis-outage", type=float, default=0,
                        help="seconds to SIGKILL a private redis-server used instead of --redis-url (0: no outage)")
    parser.add_argument("--idempotency-keys", action="store_true",
                        help="send an Idempotency-Key per ballot (the same on its retries)")
    parser.add_argument("--keep-db", action="store_true", help="keep the database for inspection")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 1000 or not 0 < args.duration <= 600 or args.households < args.clients:
        parser.error("need 1 ≤ clients ≤ 1000, ≤ households, and 0 < duration ≤ 600 s")

    import redis

    redis_server = None
    if args.redis_outage:
        redis_server = PrivateRedis()
        redis_server.start()
        args.redis_url = redis_server.url
    redis.Redis.from_url(args.redis_url, socket_timeout=2).ping()
    workdir = Path(tempfile.mkdtemp(prefix="soak_ballots_"))
    url, dbname, drop = fresh_database(args.keep_db)
    secret, prefix = secrets.token_hex(32), f"soak-{uuid.uuid4().hex[:8]}"
    summary: dict = {"config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    try:
        started = time.perf_counter()
        estate_id, round_id, links = seed(url, secret, args.households)
        print(f"seeded {len(links)} households (estate {estate_id}, round {round_id}, policy last) in "
              f"{time.perf_counter() - started:.1f} s; database {dbname}", flush=True)
        log_path = workdir / "gunicorn.log"
        load_before = os.getloadavg()
        server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)  # gunicorn and its reaped workers
        with gunicorn(url, secret, args, prefix, log_path) as (base, master):
            print(f"gunicorn {args.workers} {args.worker_class} workers on {base}; {args.clients} residents for "
                  f"{args.duration:.0f} s; faults: {args.kills} kill -9, {args.pool_resets} pool reset"
                  + (f", {args.redis_outage:.0f} s Redis outage" if args.redis_outage else ""), flush=True)
            stats = Stats(t0=time.monotonic())
            faults = Faults(master, dbname, args, stats.t0, redis_server)
            faults.start()
            client_cpu = resource.getrusage(resource.RUSAGE_SELF)
            try:
                elapsed = asyncio.run(load(base, links, args, stats))
            finally:
                faults.stop.set()
                faults.join(timeout=40)
            client_after = resource.getrusage(resource.RUSAGE_SELF)
            load_after = os.getloadavg()
            http_tally = asyncio.run(staff_tally(base, round_id))
            workers_after = len(children(master.pid))
        server_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {"server_s": (server_after.ru_utime + server_after.ru_stime) - (server_cpu.ru_utime + server_cpu.ru_stime),
               "client_s": (client_after.ru_utime + client_after.ru_stime) - (client_cpu.ru_utime + client_cpu.ru_stime)}
        logs = gunicorn_log_summary(log_path)
        results = check(url, secret, estate_id, round_id, stats, http_tally)
        in_window = [a for a in stats.acks if a["at"] <= args.duration]
        kills = [e for e in faults.events if e["kind"] == "kill"]
        results["no unexpected status, no 429"] = (not stats.unexpected,
                                                   f"{len(stats.unexpected)} unexpected 4xx" +
                                                   (f", first: {stats.unexpected[0]}" if stats.unexpected else ""))
        expected = args.kills + args.pool_resets + (1 if args.redis_outage else 0)
        results["every fault injected, every killed worker replaced"] = (
            len(faults.events) == expected and all(e.get("respawn_s") is not None for e in kills)
            and all(e.get("restarted_at") is not None for e in faults.events if e["kind"] == "redis_outage")
            and workers_after == args.workers, f"{len(faults.events)} faults, {workers_after} workers at the end")
        for e, after in zip(faults.events, faults.events[1:] + [None]):  # what each fault cost
            end = min((e.get("restarted_at") or e["at"]) + 5, after["at"] if after else float("inf"))
            e["failed_attempts_within_5s"] = dict(Counter(k for _, _, k, t in stats.failed if e["at"] <= t < end))
        samples = faults.samples or [(0, 0)]
        summary.update({
            "throughput_acked_per_s": round(len(in_window) / args.duration, 1),
            "acknowledged": len(stats.acks), "acknowledged_in_window": len(in_window),
            "attempts": stats.attempts, "retried": stats.retried, "abandoned": stats.abandoned,
            "errors": dict(stats.errors), "elapsed_s": round(elapsed, 1),
            "request_ms": {"p50": round(pct(stats.request_ms, 50), 1), "p99": round(pct(stats.request_ms, 99), 1),
                           "max": round(max(stats.request_ms, default=0), 1)},
            "ballot_ms": {"p50": round(pct(stats.ballot_ms, 50), 1), "p99": round(pct(stats.ballot_ms, 99), 1),
                          "max": round(max(stats.ballot_ms, default=0), 1)},
            "retried_ballots": sum(1 for a in stats.acks if a["attempts"] > 1),
            "faults": faults.events,
            "db_backends": {"active_mean": round(statistics.mean(s[0] for s in samples), 2),
                            "lock_wait_mean": round(statistics.mean(s[1] for s in samples), 2),
                            "lock_wait_max": max(s[1] for s in samples),
                            "lock_waits_by_statement": dict(faults.lock_waits.most_common(5)), "samples": len(samples)},
            "gunicorn_log": logs,
            "cpu": {"gunicorn_s": round(cpu["server_s"], 1), "client_s": round(cpu["client_s"], 1),
                    "gunicorn_ms_per_ack": round(1000 * cpu["server_s"] / max(1, len(stats.acks)), 2),
                    "client_ms_per_attempt": round(1000 * cpu["client_s"] / max(1, stats.attempts), 2),
                    "loadavg_before": round(load_before[0], 2), "loadavg_after": round(load_after[0], 2),
                    "cpus": os.cpu_count()},
            "acks_per_second": timeline(stats, int(args.duration)),
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
        })
    finally:
        drop()
        if redis_server:
            redis_server.kill()
        try:
            if not redis_server:
                summary["redis_keys_deleted"] = cleanup_redis(args.redis_url, prefix)
        except Exception as exc:  # noqa: BLE001 — report, never mask the run's own outcome
            print(f"warning: redis cleanup failed: {exc}")
    ok = report(summary, args)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    if ok:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print(f"gunicorn's log kept in {workdir / 'gunicorn.log'}")
    return 0 if ok else 1


def report(s: dict, args) -> bool:
    print(f"\n== load with faults: {args.households} households, {args.clients} residents, {args.duration:.0f} s, "
          f"{args.workers} {args.worker_class} workers ==")
    print(f"throughput        {s['throughput_acked_per_s']} acknowledged ballots/s "
          f"({s['acknowledged_in_window']} in the window, {s['acknowledged']} with the drain, {s['elapsed_s']} s)")
    print(f"request latency   p50 {s['request_ms']['p50']} ms   p99 {s['request_ms']['p99']} ms   "
          f"max {s['request_ms']['max']} ms  (successful requests)")
    print(f"ballot latency    p50 {s['ballot_ms']['p50']} ms   p99 {s['ballot_ms']['p99']} ms   "
          f"max {s['ballot_ms']['max']} ms  (first try → receipt, retries included)")
    print(f"attempts {s['attempts']}, acknowledged {s['acknowledged']}, retried {s['retried']} "
          f"(ballots that needed a retry: {s['retried_ballots']}), abandoned {s['abandoned']}")
    print(f"errors by kind    {s['errors'] or 'none'}")
    print(f"faults            {s['faults']}")
    print(f"database          mean active backends {s['db_backends']['active_mean']}, waiting on a lock "
          f"mean {s['db_backends']['lock_wait_mean']} / max {s['db_backends']['lock_wait_max']} "
          f"({s['db_backends']['samples']} samples; waiting statements {s['db_backends']['lock_waits_by_statement']})")
    print(f"gunicorn log      {s['gunicorn_log']}")
    c = s["cpu"]
    print(f"cpu               gunicorn {c['gunicorn_s']} s ({c['gunicorn_ms_per_ack']} ms per acknowledged ballot, "
          f"start-up and shutdown included), client {c['client_s']} s ({c['client_ms_per_attempt']} ms per attempt); "
          f"load average {c['loadavg_before']} → {c['loadavg_after']} on {c['cpus']} CPUs (PostgreSQL not counted)")
    line = s["acks_per_second"]
    print("acks per second   " + " ".join(f"{n}" for n in line))
    ok = True
    print("checks:")
    for name, result in s["checks"].items():
        ok &= result["ok"]
        print(f"  {'ok  ' if result['ok'] else 'FAIL'} {name}: {result['detail']}")
    print("RESULT: " + ("all checks passed" if ok else "CHECKS FAILED"))
    return ok


if __name__ == "__main__":
    sys.exit(main())
