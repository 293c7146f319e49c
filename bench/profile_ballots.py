"""Where a ballot's CPU goes: POST /api/v1/ballots and POST /bench/insert in-process, under cProfile.

  .venv/bin/python bench/profile_ballots.py [--db sqlite|postgres] [--ballots 2000] [--top 25]

Seeds an estate as bench/bench_ballots.py does, then casts --ballots ballots (one link each)
and as many single INSERTs through the Flask test client, one at a time, under cProfile, and
prints for each: CPU ms per request, the share of time by package (own CPU time of every function,
grouped by the file's top-level package: sqlalchemy, psycopg, flask, werkzeug, flask_smorest,
marshmallow, voting…), and the top functions by own time. The difference between the two is
what the ballot costs beyond the INSERT floor, which is what bench_ballots.py's ratio measures.
No HTTP server, no other load: the figures are CPU per request, not throughput.
"""
import argparse
import cProfile
import io
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_ballots  # noqa: E402
from bench.bench_app import create_bench_app  # noqa: E402


def package_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].split(".", 1)[0]
    if str(ROOT) in filename:
        return filename.split(str(ROOT) + "/", 1)[1].split("/", 1)[0]
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib"


def profile(client, requests, label: str, top: int) -> dict:
    profiler = cProfile.Profile(time.process_time)  # CPU, not the wait for PostgreSQL
    started = time.process_time()
    profiler.enable()
    for method, path, body, expect in requests:
        response = client.open(path, method=method, json=body)
        assert response.status_code == expect, (path, response.status_code, response.get_data(as_text=True)[:300])
    profiler.disable()
    cpu = time.process_time() - started
    stats = pstats.Stats(profiler)
    by_package = Counter()
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():
        by_package[package_of(filename)] += own
    total = sum(by_package.values())
    print(f"\n== {label}: {len(requests)} requests, {1000 * cpu / len(requests):.2f} ms CPU each "
          f"(under cProfile; profiled own time {1000 * total / len(requests):.2f} ms) ==")
    for name, own in by_package.most_common(12):
        print(f"  {name:18} {100 * own / total:5.1f}%  {1000 * own / len(requests):6.3f} ms")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print("\n".join(out.getvalue().splitlines()[6:6 + top + 3]))
    return {"ms_per_request": 1000 * cpu / len(requests), "by_package_ms": {
        k: 1000 * v / len(requests) for k, v in by_package.items()}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--plain-passes", type=int, default=5, help="× 200 ballots (and INSERTs) timed without the profiler")
    parser.add_argument("--pre-ping", action="store_true",
                        help="PostgreSQL: SELECT 1 on every checkout (pool_pre_ping) instead of voting/db_liveness.py")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="profile_ballots_"))
    url, drop = bench_ballots.fresh_database(args.db, workdir)
    secret = secrets.token_hex(32)
    try:
        tokens = bench_ballots.seed(url, secret, args.ballots + 200 * args.plain_passes + 200)
        app = create_bench_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret,
                                "RATELIMIT_STORAGE_URI": "memory://",
                                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": args.pre_ping}})
        client = app.test_client()
        warm = [("POST", "/api/v1/ballots", {"token": t, "choice": "agree"}, 201) for t in tokens[-200:]]
        warm += [("POST", "/bench/insert", {"token": t, "choice": "agree"}, 201) for t in tokens[-200:]]
        for method, path, body, expect in warm:
            assert client.open(path, method=method, json=body).status_code == expect
        # First without the profiler, interleaved (ballot, INSERT, ballot…), so a busy spell of a shared
        # machine falls on both: app CPU per request as bench_ballots.py's gunicorn workers spend it.
        cpu = {"ballots": 0.0, "insert": 0.0}
        plain = tokens[args.ballots:args.ballots + 200 * args.plain_passes]  # every ballot a voter's first
        for token in plain:
            for name, path in (("ballots", "/api/v1/ballots"), ("insert", "/bench/insert")):
                started = time.process_time()
                response = client.post(path, json={"token": token, "choice": "agree"})
                cpu[name] += time.process_time() - started
                assert response.status_code == 201, response.get_data(as_text=True)[:300]
        n = len(plain)
        print(f"without the profiler, interleaved, {n} of each: ballot {1000 * cpu['ballots'] / n:.2f} ms, "
              f"INSERT {1000 * cpu['insert'] / n:.2f} ms of app CPU per request; ratio {cpu['insert'] / cpu['ballots']:.2f} "
              "(PostgreSQL's own CPU not included)", flush=True)
        ballots = profile(client, [("POST", "/api/v1/ballots", {"token": t, "choice": "agree"}, 201)
                                   for t in tokens[:args.ballots]], "ballots", args.top)
        inserts = profile(client, [("POST", "/bench/insert", {"token": t, "choice": "agree"}, 201)
                                   for t in tokens[:args.ballots]], "insert", args.top)
        print(f"\nballot {ballots['ms_per_request']:.2f} ms vs INSERT {inserts['ms_per_request']:.2f} ms CPU per "
              f"request: in-process ratio {inserts['ms_per_request'] / ballots['ms_per_request']:.2f}")
        extra = Counter(ballots["by_package_ms"])
        extra.subtract(inserts["by_package_ms"])
        print("what the ballot costs beyond the INSERT, by package (ms): "
              + ", ".join(f"{k} {v:.3f}" for k, v in extra.most_common(8)))
        with app.app_context():
            from voting.extensions import db

            db.engine.dispose()
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
