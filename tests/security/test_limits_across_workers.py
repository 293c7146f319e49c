"""The documented limits hold with more than one worker (issue #15: with memory:// each gunicorn
worker counted alone, so every limit was twice as loose under `make run`'s two workers).

Real gunicorn servers, driven over HTTP from several threads at once so that every worker serves:
- two worker processes sharing Redis (the production layout) count exactly the documented numbers;
- `make run`'s layout, one process with four threads over memory://, counts exactly the same;
- two worker processes over memory:// refuse to start (gunicorn.conf.py).
The residents come through a load balancer (TRUSTED_PROXIES=1), so each scenario has its own
forwarded address. Needs Redis (TEST_REDIS_URL's server, database 12, a per-run key prefix).
"""
import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET = "s" * 64

SEED = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from flask_migrate import upgrade
    from tests.ballots_helpers import open_round_with_links
    from tests.factories import make_user, roster_csv
    from tests.rounds_helpers import Clock
    from voting.app import create_app
    from voting.db_types import utcnow

    clock = Clock(utcnow())
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2], "SECRET_KEY": sys.argv[3],
                      "CLOCK_OVERRIDE": clock})
    with app.app_context():
        upgrade()
        make_user("district", username="admin")
        roster = roster_csv(["1,1,101,70.00,register,P1,业主一,13900001001,owned",
                             "1,1,102,70.00,register,P2,业主二,13900001002,owned"])
        opened = open_round_with_links(app.test_client(), clock, verification="phone4", roster=roster)
    print(json.dumps([link["token"] for link in opened.links.values()]))
""")


def _redis_url() -> str:
    parts = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    return f"redis://{parts.hostname or '127.0.0.1'}:{parts.port or 6379}/12"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("workers") / "workers.sqlite3"
    run = subprocess.run([sys.executable, "-c", SEED, str(ROOT), str(path), SECRET],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    return path, json.loads(run.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database: Path, storage: str, *options: str, prefix: str = ""):
        self.port = _free_port()
        self.log = database.with_name(f"gunicorn-{self.port}.log")
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": SECRET,
               "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix, "TRUSTED_PROXIES": "1"}
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [GUNICORN, "--bind", f"127.0.0.1:{self.port}", *options, "--access-logfile", "-",
                 "--access-logformat", "%(p)s %(s)s %(U)s", "wsgi:app"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait(self) -> "Server":
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                requests.get(f"http://127.0.0.1:{self.port}/login", timeout=10)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start: " + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def serving_pids(self) -> set[str]:
        return {m.group(1) for m in re.finditer(r"^<(\d+)> \d{3} /", self.log.read_text(), re.MULTILINE)}

    def statuses(self, requests_: list[tuple[str, str, dict | None]], resident: str) -> list[int]:
        """Send (method, path, json) in parallel, all from `resident` behind the balancer; the statuses, sorted."""
        def send(item):
            method, path, body = item
            return requests.request(method, f"http://127.0.0.1:{self.port}{path}", json=body, timeout=60,
                                    headers={"X-Forwarded-For": resident, "Connection": "close"}).status_code
        with ThreadPoolExecutor(max_workers=6) as pool:
            return sorted(pool.map(send, requests_))


def _documented_limits(server: Server, tokens: list[str], run: str) -> None:
    """The numbers README documents, each from its own forwarded address."""
    wrong_login = ("POST", "/api/v1/auth/token", {"username": "admin", "password": "wrong-password-1"})
    # Per account and address: 5 wrong passwords a minute (then 429, even for the right one).
    assert server.statuses([wrong_login] * 9, f"198.51.{run}.1") == [401] * 5 + [429] * 4
    # Per address: 10 login attempts a minute, whatever the name.
    names = [("POST", "/api/v1/auth/token", {"username": f"n{n}", "password": "wrong-password-1"}) for n in range(14)]
    assert server.statuses(names, f"198.51.{run}.2") == [401] * 10 + [429] * 4
    # Per address: 30 unknown voting links an hour.
    unknown = [("GET", f"/v/{'A' * 21}{n:x}", None) for n in range(34)]
    assert server.statuses(unknown, f"198.51.{run}.3") == [404] * 30 + [429] * 4
    # Per link: 5 wrong phone4 answers in 10 minutes.
    wrong = ("POST", "/api/v1/ballots", {"token": tokens[0], "choice": "agree", "verification": "0000"})
    assert server.statuses([wrong] * 9, f"198.51.{run}.4") == [422] * 5 + [429] * 4
    # An untouched link from the same address still votes with its right digits.
    right = ("POST", "/api/v1/ballots", {"token": tokens[1], "choice": "agree", "verification": "1002"})
    assert server.statuses([right], f"198.51.{run}.4") == [201]
    assert server.statuses([("POST", "/api/v1/auth/token", {"username": "admin", "password": PASSWORD})],
                           f"198.51.{run}.5") == [200]


def test_two_worker_processes_sharing_redis_count_the_documented_numbers(seeded, tmp_path):
    url = _redis_url()
    try:
        store = redis.Redis.from_url(url, socket_timeout=2)
        store.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis unavailable ({exc}); CI must run this test", pytrace=False)
        pytest.skip(f"Redis unavailable: {exc}")
    database, tokens = seeded
    prefix = f"wt-access-{uuid.uuid4().hex[:8]}"
    server = Server(database, url, "--workers", "2", prefix=prefix).wait()
    try:
        _documented_limits(server, tokens, "100")
        assert len(server.serving_pids()) == 2, "both workers must have served"
    finally:
        server.stop()
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def test_make_runs_one_process_with_threads_counts_the_same_numbers_in_memory(seeded):
    database, tokens = seeded
    server = Server(database, "memory://", "--workers", "1", "--threads", "4").wait()
    try:
        _documented_limits(server, tokens, "101")
    finally:
        server.stop()


def test_two_worker_processes_over_memory_refuse_to_start(seeded):
    database, _ = seeded
    server = Server(database, "memory://", "--workers", "2")
    try:
        assert server.process.wait(timeout=60) != 0
    finally:
        server.stop()
    assert "RATELIMIT_STORAGE_URI" in server.log.read_text()
