"""Redis down: rate-limited endpoints keep answering, and their limits still hold (per process).

Flask-Limiter raises on an unreachable storage unless its in-memory fallback is on; without it
every ballot and every login answered 500 while Redis was down. Runs in a subprocess because the
limiter is a process-wide singleton that the suite's own app is bound to.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import json, socket, sys
    sys.path.insert(0, sys.argv[1])
    from flask_migrate import upgrade
    from voting.accounts.cli import create_user
    from voting.app import create_app
    from voting.extensions import db

    with socket.socket() as s:  # a port nobody listens on: connection refused, at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2], "SECRET_KEY": "x" * 64,
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{port}/0"})
    with app.app_context():
        upgrade()
        create_user("outage", "outage-password-long", "district", None, None)
        db.session.commit()
    client = app.test_client()
    logins = [client.post("/api/v1/auth/token", json={"username": f"outage{n}", "password": "wrong-password!"})
              .status_code for n in range(11)]
    ballots = [client.post("/api/v1/ballots", json={"token": "no-such-link-token", "choice": "agree"}).status_code
               for _ in range(31)]
    print(json.dumps({"logins": logins, "ballots": ballots}))
""")


def test_limits_fall_back_to_memory_when_redis_is_down(tmp_path):
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), str(tmp_path / "outage.sqlite3")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    import json

    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["logins"] == [401] * 10 + [429]  # "10 per minute" per address, counted in memory
    # The ballot path answers (unknown link), not 500, and its own budget still holds in memory.
    assert result["ballots"] == [404] * 30 + [429]
