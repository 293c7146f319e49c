"""Slips end to end for the largest round the service accepts (20,000 households, the roster limit).

Seeds an estate through the public API (roster import, proposal, open round: no link issued
yet, so the worker pays for issuing all of them), starts gunicorn as the Procfile does
(sync workers, the default 30 s timeout), then:

  1. GET /api/v1/rounds/{id}/slips.pdf over HTTP — counts the households, queues a job, answers 202;
  2. runs `flask --app wsgi slips worker --once` in its own process (it issues and discloses every
     link, then draws them), polling the job meanwhile;
  3. downloads the PDF over HTTP and counts its pages.

Prints each step's time, the worker's peak RSS, and whether gunicorn killed a worker
("WORKER TIMEOUT" in its log). Figures in README ("Slips of large rounds").

  .venv/bin/python bench/bench_slips_e2e.py [--households 20000] [--db sqlite|postgres]
"""
import argparse
import io
import json
import math
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402

from bench.api_seed import free_port  # noqa: E402
from bench.bench_ballots import roster  # noqa: E402
from bench.scratch_db import scratch_postgres  # noqa: E402

USER, PASSWORD = "bench-district", "bench-password-long"


def seed(url: str, secret: str, households: int) -> int:
    """An open round of `households` households, made through the API; its id. No link is issued."""
    from flask_migrate import upgrade

    from voting.accounts.cli import create_user
    from voting.app import create_app
    from voting.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        create_user(USER, PASSWORD, "district", None, None)
        db.session.commit()
    client, headers = app.test_client(), {}

    def call(method, path, expect, **kwargs):
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.get_data(as_text=True)[:300])
        return response.get_json()

    headers["Authorization"] = "Bearer " + call("POST", "/api/v1/auth/token", 200,
                                                json={"username": USER, "password": PASSWORD})["access_token"]
    estate = call("POST", "/api/v1/estates", 201, json={"name": "基准新村", "street": "基准街道",
                                                        "community": "基准社区", "built_year": 1988,
                                                        "create_places": True})
    call("POST", f"/api/v1/estates/{estate['id']}/roster", 200, content_type="multipart/form-data",
         data={"file": (io.BytesIO(roster(households)), "roster.csv")})
    proposal = call("POST", f"/api/v1/estates/{estate['id']}/proposals", 201, json={
        "title": "基准改造方案", "summary": "屋面与管网", "items": ["R-B-01"], "estimated_cost": "1000000.00"})
    now = datetime.now(timezone.utc)
    round_ = call("POST", f"/api/v1/proposals/{proposal['id']}/rounds", 201, json={
        "stage": 1, "rule": "double-two-thirds", "ballot_policy": "first",
        "opens_at": (now - timedelta(minutes=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat()})
    call("POST", f"/api/v1/rounds/{round_['id']}/open", 200)
    with app.app_context():
        db.engine.dispose()
    return round_["id"]


def http(base: str, path: str, headers: dict, data: bytes | None = None, timeout: float = 120):
    request = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--web-workers", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-slips-"))
    if args.db == "sqlite":
        url, drop = f"sqlite:///{workdir / 'bench.sqlite3'}", (lambda: None)
    else:
        url, _, drop = scratch_postgres("bench_slips")
    secret = secrets.token_hex(32)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "RATELIMIT_STORAGE_URI": "memory://",
           "PUBLIC_BASE_URL": "https://vote.gongshu.example.cn"}
    try:
        started = time.perf_counter()
        round_id = seed(url, secret, args.households)
        print(f"seed        {args.households} households, open round {round_id}: {time.perf_counter() - started:.1f} s")
        port, log = free_port(), workdir / "gunicorn.log"
        with open(log, "wb") as log_file:
            web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
                                    str(args.web_workers), "--timeout", "30", "--chdir", str(ROOT), "wsgi:app"],
                                   env=env, stdout=log_file, stderr=log_file)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    http(base, "/login", {}, timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            body = json.dumps({"username": USER, "password": PASSWORD}).encode()
            token = json.loads(http(base, "/api/v1/auth/token", {"Content-Type": "application/json"}, body)[2])
            headers = {"Authorization": f"Bearer {token['access_token']}"}

            started = time.perf_counter()
            status, response_headers, body = http(base, f"/api/v1/rounds/{round_id}/slips.pdf", headers)
            asked = time.perf_counter() - started
            job = json.loads(body)
            print(f"request     GET slips.pdf → {status}, {job['total']} slips queued, Location "
                  f"{response_headers['Location']}: {asked:.1f} s")
            assert status == 202 and asked < 30

            seen, stop = [], threading.Event()

            def poll():
                while not stop.wait(3):
                    seen.append(json.loads(http(base, job["url"], headers)[2])["done"])

            poller = threading.Thread(target=poll, daemon=True)
            poller.start()
            started = time.perf_counter()
            worker = subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "slips", "worker", "--once"],
                                    cwd=ROOT, env=env, capture_output=True, text=True, check=True)
            drawn = time.perf_counter() - started
            stop.set()
            poller.join()
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            final = json.loads(http(base, job["url"], headers)[2])
            print(f"worker      {worker.stdout.strip().splitlines()[-2]}: {drawn:.1f} s, peak RSS {peak:.0f} MB; "
                  f"progress seen by polling: {seen[:3]}…{seen[-2:]}")
            assert final["status"] == "done", final

            started = time.perf_counter()
            status, _, pdf = http(base, final["download_url"], headers)
            with pikepdf.open(io.BytesIO(pdf)) as document:
                pages = len(document.pages)
            print(f"download    {status}, {len(pdf) / 2**20:.1f} MiB, {pages} pages: {time.perf_counter() - started:.1f} s")
            assert pages == math.ceil(args.households / 8)
        finally:
            web.terminate()
            web.wait(timeout=30)
        killed = "WORKER TIMEOUT" in log.read_text(errors="replace")
        print(f"gunicorn    worker killed by the timeout: {'YES' if killed else 'no'}")
    finally:
        drop()


if __name__ == "__main__":
    main()
