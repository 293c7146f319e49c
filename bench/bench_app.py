"""The real app plus two reference endpoints, for bench/bench_ballots.py only (never in production).

  GET  /bench/hello   the framework alone: no database
  POST /bench/insert  parse the same JSON body as POST /api/v1/ballots and do one INSERT + COMMIT
                      into `bench_writes`, through the app's own engine and pool: the write ceiling

`bench_writes` lives in its own MetaData, so Alembic and the app's models never see it; the
benchmark script creates it in its throw-away database before starting gunicorn.

  gunicorn --workers 4 'bench.bench_app:create_bench_app()'   (DATABASE_URL, SECRET_KEY as for the service)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import request  # noqa: E402
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table  # noqa: E402

from voting.app import create_app  # noqa: E402
from voting.db_types import utcnow  # noqa: E402
from voting.extensions import csrf, db  # noqa: E402

bench_metadata = MetaData()
bench_writes = Table(
    "bench_writes", bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("token", String(64)),
    Column("choice", String(10)),
    Column("at", DateTime(timezone=True)),
)



def hello():
    return "ok"


def insert_one():
    data = request.get_json(silent=True) or {}
    db.session.execute(bench_writes.insert().values(
        token=str(data.get("token", ""))[:64], choice=str(data.get("choice", ""))[:10], at=utcnow()))
    db.session.commit()
    return {"ok": True}, 201


def create_bench_app(config: dict | None = None):
    """The service's app with the two reference routes added (CSRF off for them: no cookies involved)."""
    app = create_app(config)
    app.add_url_rule("/bench/hello", view_func=hello, methods=["GET"])
    app.add_url_rule("/bench/insert", view_func=csrf.exempt(insert_one), methods=["POST"])
    return app
