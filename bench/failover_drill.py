"""Failover drill: residents keep voting through HAProxy while app instances and PostgreSQL primaries die.

  make ha-up && .venv/bin/python bench/failover_drill.py --json /tmp/drill.json && make ha-down

Runs on the stack of deploy/ha/ha.sh (its secrets and ports are read from $HA_DIR/env, default
/tmp/voting-ha/env), on 127.0.0.1 only, bounded in time, and leaves the stack as it found it
(both nodes running, both app instances running; the roles of the two nodes are swapped).

1. seeds, through the service's own API (in-process, through HAProxy to the primary), an estate
   of N households with an open stage-1 round, policy `last` (bench/soak_ballots.py's roster);
2. runs the soak's residents (bench/soak_ballots.py: `--clients` residents casting and changing
   ballots, retrying like phones) against HAProxy's HTTP port, each ballot with an
   Idempotency-Key that its retries repeat, for `--duration` seconds, while the drill:
   a. kill -9s one app instance (its gunicorn master and workers, the whole process group);
      HAProxy's checks take it out; it is started again `--app-down` seconds later;
   b1. kill -9s the primary's postmaster alone: Patroni still holds the leader key and starts
      it again in place (as a replica first, then promoted: a new timeline);
   b2. kill -9s the primary's Patroni and its postmaster together: the leader key expires
      (ttl 10 s) and Patroni promotes the synchronous standby;
   c. `--rejoin-after` seconds later starts the old primary's Patroni again, which rewinds it
      (use_pg_rewind) and makes it a replica of the new primary;
3. afterwards checks the soak's invariants (bench/soak_ballots.py check(): every acknowledged
   receipt in the ledger with its choice, sequences 1…n, one counted ballot per voter, no
   phantom, audit chain, recount = tally = API) plus: no 4xx/429, the new primary's timeline
   moved on, the old primary is a streaming replica (and the synchronous standby) again, and
   the killed app instance serves again. Exit 1 if any check fails.

Reports ballots acknowledged, attempts failed around each fault, and the downtime residents
saw: the longest stretch without an acknowledged ballot around the fault, and from the first
failed attempt to the first acknowledgement after it. --json PATH writes the summary.
"""
import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import soak_ballots as soak  # noqa: E402
from bench.api_seed import open_round_with_links  # noqa: E402

HA_SCRIPT = ROOT / "deploy/ha/ha.sh"


# --- the stack --------------------------------------------------------------------------

def read_env(ha_dir: Path) -> dict:
    """$HA_DIR/env, as written by deploy/ha/ha.sh up (KEY=value, values possibly double-quoted)."""
    path = ha_dir / "env"
    if not path.exists():
        sys.exit(f"{path} not found: start the stack first (make ha-up)")
    env = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value.strip('"')
    return env


class Stack:
    def __init__(self, env: dict):
        self.env = env
        self.ha_dir = Path(env["HA_DIR"])
        self.rest = dict(item.split("=", 1) for item in env["REST_URLS"].split())
        self.app_urls = env["APP_URLS"].split()

    def patroni(self, node: str) -> dict | None:
        """GET /patroni of `node` (role, state, timeline…), None if it does not answer."""
        try:
            with urllib.request.urlopen(self.rest[node] + "/patroni", timeout=1) as response:
                return json.loads(response.read())
        except (urllib.error.HTTPError) as exc:  # 503 still carries the JSON
            try:
                return json.loads(exc.read())
            except ValueError:
                return None
        except (OSError, ValueError):
            return None

    def check(self, node: str, endpoint: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.rest[node]}/{endpoint}", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def primary(self) -> str | None:
        leaders = [n for n in self.rest if self.check(n, "primary")]
        return leaders[0] if len(leaders) == 1 else None

    def patroni_pid(self, node: str) -> int:
        return int((self.ha_dir / node / "patroni.pid").read_text())

    def postmaster_pid(self, node: str) -> int:
        return int((self.ha_dir / node / "data/postmaster.pid").read_text().split()[0])

    def app_pid(self, n: int) -> int:
        return int((self.ha_dir / f"app{n}/gunicorn.pid").read_text())

    def run(self, *args: str) -> None:
        subprocess.run([str(HA_SCRIPT), *args], check=True, env={**os.environ, "HA_DIR": str(self.ha_dir)},
                       stdout=subprocess.DEVNULL, timeout=180)


# --- faults -----------------------------------------------------------------------------

class Drill(threading.Thread):
    """Runs the faults on their schedule and watches Patroni meanwhile (every 0.2 s)."""

    def __init__(self, stack: Stack, args, t0: float):
        super().__init__(daemon=True)
        self.stack, self.args, self.t0 = stack, args, t0
        self.events: list[dict] = []
        self.error: BaseException | None = None
        self.done = threading.Event()

    def at(self) -> float:
        return round(time.monotonic() - self.t0, 2)

    def sleep_until(self, offset: float) -> None:
        time.sleep(max(0.0, offset - (time.monotonic() - self.t0)))

    def wait(self, what: str, condition, limit: float) -> float | None:
        """Seconds until condition() holds (polled every 0.2 s), None after `limit`."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            if condition():
                return round(time.monotonic() - start, 2)
            time.sleep(0.2)
        print(f"  [{self.at():6.1f} s] gave up waiting for {what} after {limit:.0f} s", flush=True)
        return None

    def say(self, text: str) -> None:
        print(f"  [{self.at():6.1f} s] {text}", flush=True)

    def run(self):
        try:
            self.kill_app()
            self.kill_postmaster()
            self.kill_node()
        except BaseException as exc:  # noqa: BLE001 — reported by the main thread
            self.error = exc
            self.say(f"drill failed: {exc!r}")
        finally:
            self.done.set()

    def kill_app(self) -> None:
        a, stack = self.args, self.stack
        self.sleep_until(a.app_kill_at)
        pid = stack.app_pid(1)
        event = {"kind": "app_instance_kill", "at": self.at(), "instance": "app1", "pid": pid}
        os.killpg(pid, signal.SIGKILL)  # master and workers: gunicorn runs in its own session
        self.say(f"kill -9 app instance app1 (process group {pid}); HAProxy routes to app2")
        self.events.append(event)
        self.sleep_until(a.app_kill_at + a.app_down)
        started = time.monotonic()
        stack.run("start-app", "1")
        event["restarted_at"] = self.at()
        event["restart_s"] = round(time.monotonic() - started, 2)
        self.say(f"app1 started again in {event['restart_s']} s")

    def kill_postmaster(self) -> None:
        a, stack = self.args, self.stack
        self.sleep_until(a.postmaster_kill_at)
        node = stack.primary()
        before = stack.patroni(node)
        pid = stack.postmaster_pid(node)
        event = {"kind": "postmaster_kill", "at": self.at(), "node": node, "pid": pid,
                 "timeline_before": before["timeline"]}
        os.kill(pid, signal.SIGKILL)
        self.say(f"kill -9 postmaster {pid} of primary {node} (timeline {before['timeline']}), Patroni left running")
        self.events.append(event)

        def back():
            state = stack.patroni(node)
            return (stack.check(node, "primary") and state and state.get("state") == "running"
                    and state.get("timeline", 0) > before["timeline"]) or (stack.primary() not in (None, node))

        event["recovered_s"] = self.wait("the primary to come back", back, 90)
        event["primary_after"] = stack.primary()
        event["timeline_after"] = (stack.patroni(event["primary_after"]) or {}).get("timeline")
        self.say(f"primary is {event['primary_after']} on timeline {event['timeline_after']} after "
                 f"{event['recovered_s']} s")
        event["sync_standby_again_s"] = self.wait("a synchronous standby", self.has_sync_standby, 60)

    def has_sync_standby(self) -> bool:
        return any(self.stack.check(n, "sync") for n in self.stack.rest)

    def kill_node(self) -> None:
        a, stack = self.args, self.stack
        self.sleep_until(a.node_kill_at)
        old = stack.primary()
        other = next(n for n in stack.rest if n != old)
        before = stack.patroni(old)
        patroni_pid, postmaster_pid = stack.patroni_pid(old), stack.postmaster_pid(old)
        event = {"kind": "primary_node_kill", "at": self.at(), "node": old, "patroni_pid": patroni_pid,
                 "postmaster_pid": postmaster_pid, "timeline_before": before["timeline"],
                 "standby_was_sync": stack.check(other, "sync")}
        os.kill(patroni_pid, signal.SIGKILL)
        os.kill(postmaster_pid, signal.SIGKILL)
        self.say(f"kill -9 Patroni {patroni_pid} and postmaster {postmaster_pid} of primary {old} "
                 f"(timeline {before['timeline']}); {other} was "
                 + ("the synchronous standby" if event["standby_was_sync"] else "NOT synchronous"))
        self.events.append(event)
        event["promoted_s"] = self.wait(f"{other} to be promoted", lambda: stack.check(other, "primary"), 90)
        # /patroni reports the new timeline a loop after /primary answers 200.
        self.wait("the new timeline", lambda: (stack.patroni(other) or {}).get("timeline", 0) > before["timeline"], 15)
        after = stack.patroni(other) or {}
        event["new_primary"], event["timeline_after"] = (other if event["promoted_s"] is not None else None,
                                                         after.get("timeline"))
        event["promoted_at"] = self.at()
        self.say(f"{other} promoted after {event['promoted_s']} s, timeline {event['timeline_after']}")

        self.sleep_until(max(a.node_kill_at + a.rejoin_after, time.monotonic() - self.t0))
        event["rejoin_started_at"] = self.at()
        stack.run("start-node", old)
        self.say(f"Patroni of {old} started again")

        def replica():
            state = stack.patroni(old) or {}
            return stack.check(old, "replica") and state.get("state") == "running"

        event["rejoined_as_replica_s"] = self.wait(f"{old} to rejoin as a replica", replica, 120)
        event["old_primary_sync_standby_s"] = self.wait(f"{old} to be the synchronous standby",
                                                        lambda: stack.check(old, "sync"), 60)
        state = stack.patroni(old) or {}
        event["old_primary_role"], event["old_primary_timeline"] = state.get("role"), state.get("timeline")
        log = (stack.ha_dir / old / "patroni.log").read_text(errors="replace")
        event["pg_rewind_ran"] = "rewind" in log.lower()
        self.say(f"{old} is {state.get('role')} on timeline {state.get('timeline')} after "
                 f"{event['rejoined_as_replica_s']} s (pg_rewind in its log: {event['pg_rewind_ran']}); "
                 f"synchronous standby after {event['old_primary_sync_standby_s']} s")


# --- what residents saw ------------------------------------------------------------------

def downtime(stats: soak.Stats, start: float, end: float) -> dict:
    """Around a fault at `start`: failed attempts, the longest stretch without an acknowledgement,
    and first failed attempt → first acknowledgement after it (seconds since the run's start)."""
    acks = sorted(a["at"] for a in stats.acks)
    window = [t for t in acks if start - 1 <= t <= end]
    gaps = [(b - a, a, b) for a, b in zip(window, window[1:])]
    longest = max(gaps, default=(0.0, start, start))
    failed = sorted(t for _, _, _, t in stats.failed if start <= t <= end)
    return {
        "failed_attempts": len(failed),
        "failed_by_kind": dict(Counter(k for _, _, k, t in stats.failed if start <= t <= end)),
        "longest_gap_without_ack_s": round(longest[0], 2),
        "gap_from_s": round(longest[1], 2), "gap_to_s": round(longest[2], 2),
        # first failed attempt → the acknowledgement that ended the longest gap, when the failures
        # opened it; otherwise (failures retried at once on the other instance) the gap itself
        "first_failed_to_recovery_s": (round(longest[2] - failed[0], 2)
                                       if failed and longest[1] - 0.5 <= failed[0] <= longest[2]
                                       else round(longest[0], 2)),
    }


# --- main ---------------------------------------------------------------------------------

def seed(env: dict, households: int) -> tuple[int, int, list[tuple[int, str]], str]:
    """(estate id, round id, [(household id, token)], staff user), through HAProxy to the primary."""
    from voting.accounts.cli import create_user
    from voting.extensions import db

    user = f"drill-{secrets.token_hex(4)}"
    soak.STAFF_USER = user  # soak.staff_tally logs in with it
    app = soak.app_for(env["DATABASE_URL"], env["SECRET_KEY"])
    with app.app_context():
        create_user(user, soak.STAFF_PASSWORD, "district", None, None)
        db.session.commit()
    estate_id, round_id, links = open_round_with_links(app, user, soak.STAFF_PASSWORD, soak.roster(households),
                                                       prefix=f"演练{user[-4:]}", policy="last")
    with app.app_context():
        db.engine.dispose()
    return estate_id, round_id, [(link["household_id"], link["url"].rsplit("/", 1)[1]) for link in links], user


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ha-dir", type=Path, default=Path(os.environ.get("HA_DIR", "/tmp/voting-ha")))
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=200, help="simulated residents (the soak's 200)")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load")
    parser.add_argument("--app-kill-at", type=float, default=10)
    parser.add_argument("--app-down", type=float, default=10, help="seconds before the killed instance is restarted")
    parser.add_argument("--postmaster-kill-at", type=float, default=30)
    parser.add_argument("--node-kill-at", type=float, default=60)
    parser.add_argument("--rejoin-after", type=float, default=25, help="seconds after the node kill")
    parser.add_argument("--timeout", type=float, default=15, help="client timeout per request, seconds")
    parser.add_argument("--max-attempts", type=int, default=40, help="a phone keeps retrying (backoff ≤ 3 s)")
    parser.add_argument("--drain", type=float, default=90)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.app_kill_at < args.postmaster_kill_at < args.node_kill_at < args.duration:
        parser.error("faults must come in order, within --duration")
    # The soak's residents read these from its own arguments.
    args.think_ms, args.worker_class, args.idempotency_keys = 0, "sync", True

    env = read_env(args.ha_dir)
    os.environ.update({k: env[k] for k in ("SECRET_KEY", "LINK_TOKEN_SECRET", "EVIDENCE_PRIVATE_KEY_FILE",
                                          "PUBLIC_BASE_URL")})
    stack = Stack(env)
    if stack.primary() is None or not any(stack.check(n, "sync") for n in stack.rest):
        sys.exit("the stack has no primary with a synchronous standby (make ha-status)")
    started = time.perf_counter()
    estate_id, round_id, links, user = seed(env, args.households)
    print(f"seeded {len(links)} households (estate {estate_id}, round {round_id}, policy last) in "
          f"{time.perf_counter() - started:.1f} s; primary {stack.primary()}", flush=True)
    base = env["HTTP_URL"]
    summary: dict = {"config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                     "machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()[0]}}
    stats = soak.Stats(t0=time.monotonic())
    drill = Drill(stack, args, stats.t0)
    drill.start()
    elapsed = asyncio.run(soak.load(base, links, args, stats))
    drill.done.wait(timeout=300)
    summary["machine"]["loadavg_after"] = os.getloadavg()[0]
    http_tally = asyncio.run(soak.staff_tally(base, round_id))
    results = soak.check(env["DATABASE_URL"], env["SECRET_KEY"], estate_id, round_id, stats, http_tally)

    events = {e["kind"]: e for e in drill.events}
    app_kill, pm_kill, node_kill = (events.get(k, {}) for k in ("app_instance_kill", "postmaster_kill",
                                                                "primary_node_kill"))
    results["drill ran every fault"] = (drill.error is None and len(events) == 3,
                                        f"{len(events)} of 3 faults" + (f"; error {drill.error!r}" if drill.error else ""))
    results["no unexpected status, no 429"] = (not stats.unexpected, f"{len(stats.unexpected)} unexpected 4xx" + (
        f", first: {stats.unexpected[0]}" if stats.unexpected else ""))
    results["no ballot abandoned after its retries"] = (stats.abandoned == 0, f"{stats.abandoned} abandoned")
    results["killed app instance serves again"] = (
        app_kill.get("restarted_at") is not None and all(soak_ok(u) for u in stack.app_urls),
        f"restarted after {app_kill.get('restart_s')} s")
    results["postmaster kill: the primary recovered"] = (
        pm_kill.get("recovered_s") is not None,
        f"{pm_kill.get('node')} timeline {pm_kill.get('timeline_before')} → {pm_kill.get('timeline_after')} "
        f"(primary {pm_kill.get('primary_after')}) in {pm_kill.get('recovered_s')} s")
    results["node kill: the synchronous standby was promoted, timeline moved on"] = (
        node_kill.get("standby_was_sync") is True and node_kill.get("promoted_s") is not None
        and (node_kill.get("timeline_after") or 0) > (node_kill.get("timeline_before") or 0),
        f"{node_kill.get('node')} → {node_kill.get('new_primary')} in {node_kill.get('promoted_s')} s, timeline "
        f"{node_kill.get('timeline_before')} → {node_kill.get('timeline_after')}")
    results["old primary rejoined as a replica (synchronous standby)"] = (
        node_kill.get("rejoined_as_replica_s") is not None and node_kill.get("old_primary_sync_standby_s") is not None,
        f"{node_kill.get('node')} is {node_kill.get('old_primary_role')} on timeline "
        f"{node_kill.get('old_primary_timeline')} after {node_kill.get('rejoined_as_replica_s')} s; pg_rewind in log: "
        f"{node_kill.get('pg_rewind_ran')}")

    window_end = {"app_instance_kill": pm_kill.get("at", args.postmaster_kill_at),
                  "postmaster_kill": node_kill.get("at", args.node_kill_at),
                  "primary_node_kill": node_kill.get("rejoin_started_at", args.duration)}
    for kind, event in events.items():
        event["residents_saw"] = downtime(stats, event["at"], window_end[kind])
    in_window = [a for a in stats.acks if a["at"] <= args.duration]
    summary.update({
        "acknowledged": len(stats.acks), "acknowledged_in_window": len(in_window),
        "throughput_acked_per_s": round(len(in_window) / args.duration, 1),
        "attempts": stats.attempts, "retried": stats.retried, "abandoned": stats.abandoned,
        "retried_ballots": sum(1 for a in stats.acks if a["attempts"] > 1),
        "errors": dict(stats.errors), "elapsed_s": round(elapsed, 1),
        "request_ms": {"p50": round(soak.pct(stats.request_ms, 50), 1), "p99": round(soak.pct(stats.request_ms, 99), 1)},
        "ballot_ms": {"p50": round(soak.pct(stats.ballot_ms, 50), 1), "p99": round(soak.pct(stats.ballot_ms, 99), 1),
                      "max": round(max(stats.ballot_ms, default=0), 1)},
        "faults": drill.events,
        "acks_per_second": soak.timeline(stats, int(args.duration)),
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in results.items()},
    })
    missing = results["acknowledged receipts in the ledger"]
    summary["lost_acknowledged"] = int(missing[1].split("/")[1].split()[0]) - int(missing[1].split("/")[0])
    ok = report(summary, args)
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0 if ok else 1


def soak_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/v1/openapi.json", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def report(s: dict, args) -> bool:
    print(f"\n== failover drill: {args.households} households, {args.clients} residents, {args.duration:.0f} s ==")
    print(f"acknowledged      {s['acknowledged']} ballots ({s['throughput_acked_per_s']}/s in the window), "
          f"attempts {s['attempts']}, retried {s['retried']}, abandoned {s['abandoned']}, "
          f"lost acknowledged {s['lost_acknowledged']}")
    print(f"errors by kind    {s['errors'] or 'none'}")
    print(f"latency           request p50 {s['request_ms']['p50']} ms p99 {s['request_ms']['p99']} ms; ballot "
          f"(first try → receipt) p50 {s['ballot_ms']['p50']} ms p99 {s['ballot_ms']['p99']} ms max "
          f"{s['ballot_ms']['max']} ms")
    for e in s["faults"]:
        r = e.get("residents_saw", {})
        print(f"fault {e['kind']:18} at {e['at']:6.1f} s: {r.get('failed_attempts')} failed attempts "
              f"{r.get('failed_by_kind')}, longest gap without a receipt {r.get('longest_gap_without_ack_s')} s "
              f"({r.get('gap_from_s')}–{r.get('gap_to_s')}), first failure → receipts again "
              f"{r.get('first_failed_to_recovery_s')} s")
    print("acks per second   " + " ".join(str(n) for n in s["acks_per_second"]))
    ok = True
    print("checks:")
    for name, result in s["checks"].items():
        ok &= result["ok"]
        print(f"  {'ok  ' if result['ok'] else 'FAIL'} {name}: {result['detail']}")
    print("RESULT: " + ("all checks passed" if ok else "CHECKS FAILED"))
    return ok


if __name__ == "__main__":
    sys.exit(main())
