"""Ballots benchmark: POST /api/v1/ballots under load, against two ceilings served by the same gunicorn.

  hello    GET  /bench/hello    the framework alone (no database)
  insert   POST /bench/insert   the same JSON body, one INSERT + COMMIT on the same database
  ballots  POST /api/v1/ballots a real online ballot with a distinct voting link per request

For each database it builds a throw-away estate of N households (default 19,800, under the roster limit and more than
the run casts, so every ballot is a voter's first) through the public API (roster import,
proposal, round, open, links), starts gunicorn on 127.0.0.1 with bench/bench_app.py, and
drives the endpoints with wrk (32 connections) and a Lua script that hands every request
its own link. The three endpoints take turns for R rounds (default 3 × 5 s each), so a slow
spell of a shared machine hits all of them; it prints requests/s, p50 and p99 per round and
the median over rounds of ballots / insert and of the ballots p99.
Targets: ratio ≥ 0.50 and ballots p99 < 100 ms.

  .venv/bin/python bench/bench_ballots.py [--db sqlite|postgres|both] [--households 19800]
      [--workers 4] [--connections 32] [--threads 2] [--duration 5] [--rounds 3]

Needs `wrk` (Debian: apt-get install wrk). PostgreSQL: BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a fresh database is created next to
it and dropped afterwards. Loopback only; every child process is stopped before it returns.
"""
import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.api_seed import free_port, open_round_with_links  # noqa: E402
from bench.scratch_db import scratch_postgres  # noqa: E402

LUA = r"""
-- One distinct voting link per request: thread k of n takes tokens k, k+n, k+2n…
local threads, made = {}, 0
function setup(thread)
  thread:set("id", made)
  made = made + 1
  table.insert(threads, thread)
end
function init(args)
  step = tonumber(os.getenv("BENCH_THREADS"))
  expect = tonumber(os.getenv("BENCH_EXPECT"))
  method, path = os.getenv("BENCH_METHOD"), os.getenv("BENCH_PATH")
  tokens = {}
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  nxt, bad = id, 0
end
function request()
  if method == "GET" then return wrk.format("GET", path) end
  local token = tokens[(nxt % #tokens) + 1]
  nxt = nxt + step
  return wrk.format("POST", path, {["Content-Type"] = "application/json"},
                    '{"token":"' .. token .. '","choice":"agree"}')
end
function response(status, headers, body)
  if status ~= expect then bad = bad + 1 end
end
function done(summary, latency, requests)
  local unexpected = 0
  for _, thread in ipairs(threads) do unexpected = unexpected + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"unexpected":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), unexpected,
    e.connect + e.read + e.write + e.timeout))
end
"""

ENDPOINTS = (("hello", "GET", "/bench/hello", 200), ("insert", "POST", "/bench/insert", 201),
             ("ballots", "POST", "/api/v1/ballots", 201))


def fresh_database(kind: str, workdir: Path) -> tuple[str, callable]:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None
    url, _, drop = scratch_postgres("bench_ballots")
    return url, drop


def roster(households: int) -> bytes:
    """Buildings of 60 flats (2 stairwell units × 30 rooms), one owner with a phone per flat."""
    rng = random.Random(11)
    rows = ["building,unit,room,area,area_source,owner_key,owner_name,phone,status"]
    for i in range(households):
        building, unit, room = i // 60 + 1, i // 30 % 2 + 1, 101 + i % 30 // 2 * 100 + i % 2
        rows.append(f"{building},{unit},{room},{rng.randint(4500, 14000) / 100:.2f},register,"
                    f"O{i:06d},业主{i},139{i:08d},owned")
    return ("\n".join(rows) + "\n").encode()


def seed(url: str, secret: str, households: int) -> list[str]:
    """Estate, roster, proposal, open round and every household's link, through the public API."""
    from flask_migrate import upgrade

    from bench.bench_app import bench_metadata
    from voting.accounts.cli import create_user
    from voting.app import create_app
    from voting.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        bench_metadata.create_all(db.engine)
        create_user("bench-district", "bench-password-long", "district", None, None)
        db.session.commit()
    _, _, links = open_round_with_links(app, "bench-district", "bench-password-long", roster(households),
                                        prefix="基准", policy="first")
    with app.app_context():
        db.engine.dispose()
    return [link["url"].rsplit("/", 1)[1] for link in links]


def settle(url: str) -> None:
    """Write the seed's dirty pages out now, so that a checkpoint does not land in a measured window."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("CHECKPOINT"))
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


@contextmanager
def gunicorn(url: str, secret: str, workers: int, pre_ping: bool = False):
    port = free_port()
    config = "{'SQLALCHEMY_ENGINE_OPTIONS': {'pool_pre_ping': True}}" if pre_ping else ""
    # Ballots count no limit: per-process memory is fine here (gunicorn.conf.py would refuse it otherwise).
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "RATELIMIT_STORAGE_URI": "memory://",
           "RATELIMIT_PER_PROCESS": "1"}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", "--chdir", str(ROOT), f"bench.bench_app:create_bench_app({config})"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/bench/hello", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()  # gunicorn's master stops its workers on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(base: str, script: Path, tokens: Path, method: str, path: str, expect: int, args) -> dict:
    env = {**os.environ, "BENCH_TOKENS": str(tokens), "BENCH_THREADS": str(args.threads), "BENCH_METHOD": method,
           "BENCH_PATH": path, "BENCH_EXPECT": str(expect)}
    out = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
                          "--timeout", "5s", "-s", str(script), base], env=env, capture_output=True, text=True,
                         timeout=args.duration + 60, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH_RESULT "))
    result = json.loads(line.split(" ", 1)[1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def ledger_counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = (conn.scalar(text("SELECT COUNT(*) FROM ballots")), conn.scalar(text("SELECT COUNT(*) FROM bench_writes")))
    engine.dispose()
    return counts


def run(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench_ballots_"))
    url, drop = fresh_database(kind, workdir)
    secret = secrets.token_hex(32)
    try:
        started = time.perf_counter()
        tokens = seed(url, secret, args.households)
        settle(url)
        print(f"[{kind}] seeded {len(tokens)} households with links in {time.perf_counter() - started:.1f} s",
              flush=True)
        tokens_file, script = workdir / "tokens.txt", workdir / "ballots.lua"
        tokens_file.write_text("\n".join(tokens) + "\n")
        script.write_text(LUA)
        rounds = []
        with gunicorn(url, secret, args.workers, args.pre_ping) as base:
            wrk(base, script, tokens_file, "GET", "/bench/hello", 200, argparse.Namespace(**{**vars(args), "duration": 2}))
            # The endpoints take turns, round after round, so a slow spell of a shared machine
            # falls on all three; each round's ratio compares neighbours in time.
            for n in range(1, args.rounds + 1):
                results = {}
                for name, method, path, expect in ENDPOINTS:
                    results[name] = wrk(base, script, tokens_file, method, path, expect, args)
                    r = results[name]
                    print(f"[{kind}] round {n} {name:8} {r['rps']:8.0f} req/s  p50 {r['p50_us'] / 1000:6.1f} ms"
                          f"  p99 {r['p99_us'] / 1000:6.1f} ms  unexpected {r['unexpected']}"
                          f"  socket errors {r['socket_errors']}", flush=True)
                rounds.append(results)
        cast = sum(r["ballots"]["requests"] for r in rounds)
        if cast > len(tokens):
            print(f"[{kind}] warning: {cast} ballots for {len(tokens)} links: some links voted "
                  "twice (still 201, kept as later ballots); raise --households", flush=True)
        ballots, writes = ledger_counts(url)
        return {"rounds": rounds, "ledger": {"ballots": ballots, "bench_writes": writes, "distinct_links": len(tokens)}}
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--households", type=int, default=19800)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5, help="seconds per endpoint per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of hello, insert, ballots")
    parser.add_argument("--json", type=Path, help="also write every round and the medians here")
    parser.add_argument("--pre-ping", action="store_true",
                        help="PostgreSQL: pool_pre_ping (SELECT 1 per checkout) instead of voting/db_liveness.py")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    summary = {}
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        summary[kind] = run(kind, args)
    print(f"\n{args.workers} gunicorn workers, wrk {args.threads} threads × {args.connections} connections, "
          f"{args.duration} s per endpoint per round, {args.rounds} rounds, {args.households} households")
    print(f"{'db':10}{'round':>6}{'endpoint':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for kind, summary_of in summary.items():
        for n, results in enumerate(summary_of["rounds"], start=1):
            for name, *_ in ENDPOINTS:
                r = results[name]
                print(f"{kind:10}{n:6}{name:>10}{r['rps']:9.0f}{r['p50_us'] / 1000:9.1f}{r['p99_us'] / 1000:9.1f}")
    for kind, summary_of in summary.items():
        ratios = [r["ballots"]["rps"] / r["insert"]["rps"] for r in summary_of["rounds"]]
        p99s = [r["ballots"]["p99_us"] / 1000 for r in summary_of["rounds"]]
        ratio, p99 = statistics.median(ratios), statistics.median(p99s)
        verdict = "ok" if ratio >= 0.5 and p99 < 100 else "MISSED"
        summary_of["ratio_median"], summary_of["ballots_p99_ms_median"] = round(ratio, 3), round(p99, 1)
        print(f"{kind:10}ballots / insert, median of {len(ratios)} rounds = {ratio:.2f} "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)}; target ≥ 0.50); ballots p99 median {p99:.1f} ms "
              f"(worst {max(p99s):.1f}; target < 100): {verdict}; ledger {summary_of['ledger']}")
    if args.json:
        args.json.write_text(json.dumps({"config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                                         "cpus": os.cpu_count(), "loadavg": os.getloadavg()[0], **summary}, indent=2))


if __name__ == "__main__":
    main()
