"""bench/soak_ballots.py in a tiny configuration: 20 residents for 8 s, one worker kill, one pool reset.

The full soak (200 residents, 75 s, two kills) is run by hand and its figures are in README
("Load with faults"). This smoke run proves the script and the invariants it checks still
hold: every acknowledged receipt in the ledger, one effective ballot per voter, the audit
chain, and tally = recount = GET /tally — through a real gunicorn on PostgreSQL with Redis.
It needs PostgreSQL (TEST_DATABASE_URL) and Redis (TEST_REDIS_URL's server, database 11).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _redis_url() -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    return f"redis://{parts.hostname or '127.0.0.1'}:{parts.port or 6379}/11"


@pytest.mark.soak
@pytest.mark.postgres
def test_soak_smoke(tmp_path):
    import redis

    url = _redis_url()
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis unavailable ({exc}); CI must run the soak smoke test", pytrace=False)
        pytest.skip(f"Redis unavailable: {exc}")
    out = tmp_path / "soak.json"
    env = {**os.environ, "SOAK_DATABASE_URL": os.environ["TEST_DATABASE_URL"]}
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench/soak_ballots.py"), "--households", "300", "--clients", "20",
         "--duration", "8", "--kills", "1", "--pool-resets", "1", "--drain", "30", "--redis-url", url,
         "--json", str(out)],
        env=env, capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert all(check["ok"] for check in summary["checks"].values()), summary["checks"]
    assert summary["acknowledged"] > 0
    assert [f["kind"] for f in summary["faults"]] == ["kill", "pool_reset"]
