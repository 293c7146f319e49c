"""The resident's journey, open loop: page → confirm → vote → receipt, at fixed arrival rates.

  .venv/bin/python bench/bench_journey.py [--db postgres|sqlite] [--levels 25,50,75] [--duration 10]
      [--ha] [--json PATH]

A resident opens the slip's link (GET /v/{token}), chooses and confirms (POST /v/{token}/confirm,
with the page's CSRF token), votes (POST /v/{token}/vote, with the confirmation page's CSRF token
and submission key; 303 to the receipt) and reads the receipt (GET /v/{token}/receipts/{receipt}).
Each resident has a cookie jar of its own (the CSRF token lives in the session cookie) and a
household of its own.

Open loop: arrivals come at a fixed rate whatever the server does, and a journey's latency runs
from its scheduled arrival, so queueing in front of a saturated server is counted (a closed loop
would hide it: there, latency is just connections ÷ throughput).

1. seeds an estate through the service's API (bench/bench_ballots.py: N households, distinct
   voters) and starts gunicorn with bench/bench_app.py (the app plus /bench/insert);
2. measures the single-INSERT ceiling with wrk (closed loop, 32 connections; as bench_ballots.py);
3. for each level L (percent of that ceiling), drives open loop for --duration seconds:
   a. POST /bench/insert at L% of the ceiling (requests/s): the floor;
   b. journeys at L% of the ceiling ÷ 4 journeys/s, so the same number of requests per second
      is offered as in (a), each journey being four requests;
   and reports the achieved rate, p50/p95/p99 per step and for the whole journey, and errors;
4. with --ha, runs the journeys again through HAProxy on the HA stack of deploy/ha/ha.sh
   (make ha-up; two app instances, Patroni primary with a synchronous standby) at the same rates.

Target (issue #19): the journey's p99 at 50% ≤ 3 × the INSERT's p99 at 50%, in the same run.
"""
import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench import bench_ballots  # noqa: E402
from bench.bench_app import create_bench_app  # noqa: E402
from voting.extensions import db  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')
STEPS = ("page", "confirm", "vote", "receipt")


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))], 1)


def spread(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "max": round(max(values), 1) if values else None}


class JourneyFailed(Exception):
    pass


async def journey(connector, base: str, token: str, steps: dict, timeout) -> None:
    """The four requests of one resident; appends each step's milliseconds to steps[name]."""
    jar = aiohttp.CookieJar(unsafe=True)  # 127.0.0.1: cookies of an IP host
    async with aiohttp.ClientSession(connector=connector, connector_owner=False, cookie_jar=jar,
                                     timeout=timeout) as session:
        async def step(name, method, path, expect, **kwargs) -> tuple[str, aiohttp.ClientResponse]:
            started = time.monotonic()
            async with session.request(method, base + path, allow_redirects=False, **kwargs) as response:
                body = await response.text()
            if response.status != expect:
                raise JourneyFailed(f"{name}: HTTP {response.status}")
            steps[name].append((time.monotonic() - started) * 1000)
            return body, response

        page, _ = await step("page", "GET", f"/v/{token}", 200)
        csrf = CSRF.search(page)
        if not csrf:
            raise JourneyFailed("page: no csrf_token")
        confirm, _ = await step("confirm", "POST", f"/v/{token}/confirm", 200,
                                data={"csrf_token": csrf.group(1), "choice": "agree", "opinion": ""})
        csrf, submission = CSRF.search(confirm), SUBMISSION.search(confirm)
        if not (csrf and submission):
            raise JourneyFailed("confirm: no csrf_token or submission key")
        _, voted = await step("vote", "POST", f"/v/{token}/vote", 303,
                              data={"csrf_token": csrf.group(1), "choice": "agree", "opinion": "",
                                    "submission": submission.group(1)})
        location = voted.headers.get("Location", "")
        path = "/" + location.split("/", 3)[3] if location.startswith("http") else location
        await step("receipt", "GET", path, 200)


async def insert_once(session, base: str, token: str, steps: dict) -> None:
    started = time.monotonic()
    async with session.post(base + "/bench/insert", json={"token": token, "choice": "agree"}) as response:
        await response.read()
    if response.status != 201:
        raise JourneyFailed(f"insert: HTTP {response.status}")
    steps["insert"].append((time.monotonic() - started) * 1000)


async def open_loop(kind: str, base: str, tokens: list[str], rate: float, duration: float, drain: float,
                    offset: int) -> dict:
    """Arrivals every 1/rate s for `duration` s; each a journey (or one INSERT); latency from the schedule."""
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=2000, force_close=True)  # sync workers close after each answer
    steps = {name: [] for name in (STEPS if kind == "journey" else ("insert",))}
    totals, errors = [], {}
    count = int(rate * duration)
    loop = asyncio.get_running_loop()
    lateness = []

    async def one(i: int, scheduled: float, session) -> None:
        token = tokens[(offset + i) % len(tokens)]
        try:
            if kind == "journey":
                await journey(connector, base, token, steps, timeout)
            else:
                await insert_once(session, base, token, steps)
            totals.append((loop.time() - scheduled) * 1000)
        except (JourneyFailed, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            key = str(exc) if isinstance(exc, JourneyFailed) else type(exc).__name__
            errors[key] = errors.get(key, 0) + 1

    async with aiohttp.ClientSession(connector=connector, connector_owner=True, timeout=timeout) as session:
        t0 = loop.time() + 0.1
        tasks = []
        for i in range(count):
            scheduled = t0 + i / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lateness.append(-delay * 1000)
            tasks.append(asyncio.create_task(one(i, scheduled, session)))
        sent_in = loop.time() - t0
        done, pending = await asyncio.wait(tasks, timeout=drain) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if pending:
            errors["unfinished_after_drain"] = len(pending)
        finished = loop.time() - t0
    return {
        "kind": kind, "offered_per_s": round(rate, 1), "arrivals": count,
        "achieved_arrivals_per_s": round(count / sent_in, 1) if sent_in > 0 else None,
        "completed": len(totals), "completed_per_s": round(len(totals) / finished, 1) if finished else None,
        "errors": errors, "total_ms": spread(totals), "steps_ms": {k: spread(v) for k, v in steps.items()},
        "client_late_ms_p99": pct(lateness, 99) or 0.0,
    }


def run_level(base: str, tokens: list[str], ceiling: float, level: int, args, offset: int,
              with_insert: bool = True) -> tuple[dict, int]:
    """--rounds rounds of (INSERT, journeys) at `level`% of the ceiling: neighbours in time, as
    bench_ballots.py alternates its endpoints, so a slow spell of a shared machine hits both."""
    rate = ceiling * level / 100
    result = {"level_percent": level, "requests_per_s": round(rate, 1), "rounds": []}
    for n in range(1, args.rounds + 1):
        one = {}
        if with_insert:
            one["insert"] = asyncio.run(open_loop("insert", base, tokens, rate, args.duration, args.drain, 0))
        one["journey"] = asyncio.run(open_loop("journey", base, tokens, rate / 4, args.duration, args.drain,
                                               offset))
        offset += one["journey"]["arrivals"]
        if with_insert and one["insert"]["total_ms"]["p99"] and one["journey"]["total_ms"]["p99"]:
            one["journey_p99_over_insert_p99"] = round(one["journey"]["total_ms"]["p99"]
                                                       / one["insert"]["total_ms"]["p99"], 2)
        line(f"L{level}% r{n}", one)
        result["rounds"].append(one)
    ratios = [r["journey_p99_over_insert_p99"] for r in result["rounds"] if "journey_p99_over_insert_p99" in r]
    result["journey_p99_over_insert_p99_median"] = statistics.median(ratios) if ratios else None
    return result, offset


def line(label: str, result: dict) -> None:
    for kind in ("insert", "journey"):
        if kind not in result:
            continue
        r = result[kind]
        steps = "  ".join(f"{k} {v['p50']}/{v['p95']}/{v['p99']}" for k, v in r["steps_ms"].items()) \
            if kind == "journey" else ""
        print(f"{label:9} {kind:8} offered {r['offered_per_s']:7.1f}/s achieved {r['achieved_arrivals_per_s']}/s "
              f"completed {r['completed']}/{r['arrivals']}  total p50/p95/p99 {r['total_ms']['p50']}/"
              f"{r['total_ms']['p95']}/{r['total_ms']['p99']} ms  errors {r['errors'] or 0}  {steps}", flush=True)


def insert_ceiling(base: str, workdir: Path, tokens_file: Path, args) -> dict:
    script = workdir / "ballots.lua"
    script.write_text(bench_ballots.LUA)
    wrk_args = argparse.Namespace(threads=2, connections=32, duration=args.ceiling_duration)
    bench_ballots.wrk(base, script, tokens_file, "GET", "/bench/hello", 200, argparse.Namespace(**{
        **vars(wrk_args), "duration": 2}))
    runs = [bench_ballots.wrk(base, script, tokens_file, "POST", "/bench/insert", 201, wrk_args) for _ in range(2)]
    best = max(runs, key=lambda r: r["rps"])
    return {"rps": round(best["rps"], 1), "p99_ms": best["p99_us"] / 1000, "runs": [round(r["rps"], 1) for r in runs]}


def inprocess_cpu(url: str, secret: str, tokens: list[str], n: int) -> dict:
    """App CPU per step (ms, time.process_time of this process: Python only, not PostgreSQL), one request
    at a time through the Flask test client: what each request costs, whatever the machine's load."""
    app = create_bench_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_STORAGE_URI": "memory://"})
    cpu = {name: 0.0 for name in (*STEPS, "insert")}
    for i, token in enumerate(tokens[:n]):
        client = app.test_client()

        def timed(name, method, path, expect, **kwargs):
            started = time.process_time()
            response = client.open(path, method=method, **kwargs)
            cpu[name] += time.process_time() - started
            assert response.status_code == expect, (name, response.status_code)
            return response

        body = timed("page", "GET", f"/v/{token}", 200).get_data(as_text=True)
        body = timed("confirm", "POST", f"/v/{token}/confirm", 200, data={
            "csrf_token": CSRF.search(body).group(1), "choice": "agree", "opinion": ""}).get_data(as_text=True)
        voted = timed("vote", "POST", f"/v/{token}/vote", 303, data={
            "csrf_token": CSRF.search(body).group(1), "choice": "agree", "opinion": "",
            "submission": SUBMISSION.search(body).group(1)})
        timed("receipt", "GET", voted.headers["Location"], 200)
        timed("insert", "POST", "/bench/insert", 201, json={"token": token, "choice": "agree"})
    with app.app_context():
        db.engine.dispose()
    result = {name: round(1000 * total / n, 2) for name, total in cpu.items()}
    result["journey"] = round(sum(result[name] for name in STEPS), 2)
    result["journey_over_insert"] = round(result["journey"] / result["insert"], 1)
    return result


def run_ha(ceiling: float, args) -> dict:
    from bench import failover_drill

    env = failover_drill.read_env(args.ha_dir)
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "LINK_TOKEN_SECRET", "EVIDENCE_PRIVATE_KEY_FILE",
                                          "PUBLIC_BASE_URL")})
    _, round_id, links, _ = failover_drill.seed(env, args.households)
    tokens = [token for _, token in links]
    print(f"[ha] seeded {len(tokens)} households on the HA stack (round {round_id}); journeys via {env['HTTP_URL']}",
          flush=True)
    levels, offset = [], 0
    for level in args.levels:
        result, offset = run_level(env["HTTP_URL"], tokens, ceiling, level, args, offset, with_insert=False)
        levels.append(result)
    return {"base": env["HTTP_URL"], "levels": levels}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--households", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[25, 50, 75])
    parser.add_argument("--duration", type=float, default=5, help="seconds of arrivals per round, level and kind")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (INSERT, journeys) per level")
    parser.add_argument("--drain", type=float, default=40, help="seconds allowed for the last arrivals")
    parser.add_argument("--ceiling-duration", type=int, default=5)
    parser.add_argument("--cpu-journeys", type=int, default=200, help="in-process journeys timed for CPU per step")
    parser.add_argument("--ha", action="store_true", help="also through HAProxy on the HA stack (make ha-up)")
    parser.add_argument("--ha-dir", type=Path, default=Path(os.environ.get("HA_DIR", "/tmp/voting-ha")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="bench_journey_"))
    url, drop = bench_ballots.fresh_database(args.db, workdir)
    secret = secrets.token_hex(32)
    summary: dict = {"config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "machine": {"cpus": os.cpu_count(), "loadavg_before": round(os.getloadavg()[0], 2)}}
    try:
        started = time.perf_counter()
        tokens = bench_ballots.seed(url, secret, args.households)
        bench_ballots.settle(url)
        print(f"[{args.db}] seeded {len(tokens)} households in {time.perf_counter() - started:.1f} s", flush=True)
        # The last tokens for this, so the open-loop runs start on fresh households.
        cpu = inprocess_cpu(url, secret, tokens[-args.cpu_journeys:], args.cpu_journeys)
        summary["inprocess_cpu_ms"] = cpu
        print(f"[{args.db}] app CPU per request, in-process, one at a time (ms): {cpu}", flush=True)
        tokens = tokens[:-args.cpu_journeys]
        tokens_file = workdir / "tokens.txt"
        tokens_file.write_text("\n".join(tokens) + "\n")
        with bench_ballots.gunicorn(url, secret, args.workers) as base:
            ceiling = insert_ceiling(base, workdir, tokens_file, args)
            print(f"[{args.db}] INSERT ceiling (wrk, 32 connections, closed loop): {ceiling['rps']} req/s "
                  f"(runs {ceiling['runs']})", flush=True)
            levels, offset = [], 0
            for level in args.levels:
                result, offset = run_level(base, tokens, ceiling["rps"], level, args, offset)
                levels.append(result)
        summary.update({"db": args.db, "workers": args.workers, "insert_ceiling": ceiling, "levels": levels})
    finally:
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.ha:
        summary["ha"] = run_ha(ceiling["rps"], args)
    summary["machine"]["loadavg_after"] = round(os.getloadavg()[0], 2)
    ok = report(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0 if ok else 1


def report(s: dict) -> bool:
    print(f"\n== resident journey, open loop: {s['db']}, {s['workers']} workers, INSERT ceiling "
          f"{s['insert_ceiling']['rps']} req/s; {s['config']['rounds']} rounds × {s['config']['duration']} s ==")
    print(f"{'level':>6} {'req/s':>7} {'journeys/s':>10}  per round: INSERT p50/p95/p99 ms | journey p50/p95/p99 ms "
          f"| journey p99 ÷ INSERT p99")
    if "inprocess_cpu_ms" in s:
        c = s["inprocess_cpu_ms"]
        print(f"app CPU per request, in-process (ms): page {c['page']}, confirm {c['confirm']}, vote {c['vote']}, "
              f"receipt {c['receipt']}: journey {c['journey']} = {c['journey_over_insert']} × the INSERT's {c['insert']}")
    ok = True
    for r in s["levels"]:
        errors = sum(sum(one[k]["errors"].values()) for one in r["rounds"] for k in ("insert", "journey"))
        rounds = "; ".join(
            f"{one['insert']['total_ms']['p50']}/{one['insert']['total_ms']['p95']}/{one['insert']['total_ms']['p99']}"
            f" | {one['journey']['total_ms']['p50']}/{one['journey']['total_ms']['p95']}/"
            f"{one['journey']['total_ms']['p99']} | {one.get('journey_p99_over_insert_p99')}" for one in r["rounds"])
        print(f"{r['level_percent']:>5}% {r['requests_per_s']:>7} {r['requests_per_s'] / 4:>10.1f}  {rounds}"
              + (f"  errors {errors}" if errors else ""))
        median = r["journey_p99_over_insert_p99_median"]
        print(f"{'':26}median ratio {median}")
        if r["level_percent"] == 50:
            verdict = median is not None and median <= 3 and errors == 0
            s["target_journey_p99_le_3x_insert_p99_at_50"] = verdict
            ok &= verdict
            print(f"{'':26}target at 50%: journey p99 ≤ 3 × INSERT p99 (median of rounds): "
                  f"{'ok' if verdict else 'MISSED'}")
    for r in s.get("ha", {}).get("levels", []):
        for one in r["rounds"]:
            j = one["journey"]["total_ms"]
            print(f"  HA {r['level_percent']:>3}% journeys {one['journey']['offered_per_s']}/s via HAProxy: "
                  f"p50/p95/p99 {j['p50']}/{j['p95']}/{j['p99']} ms, errors {one['journey']['errors'] or 0}")
    return ok


if __name__ == "__main__":
    sys.exit(main())
