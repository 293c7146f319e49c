"""Fixtures: one migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL).

Every test that uses `db` or `client` starts from empty tables. A test that needs PostgreSQL is marked
`postgres`: without TEST_DATABASE_URL it is skipped locally, and fails under CI=true.
"""
import os
import secrets
import uuid

import pytest
from flask import g, request_started
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.rounds_helpers import Clock
from voting.app import create_app
from voting.extensions import db as _db, limiter

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (TEST_DATABASE_URL)")
    config.addinivalue_line("markers", "browser: drives headless chromium (run alone with -m browser)")
    config.addinivalue_line("markers", "fuzz: schemathesis over the served OpenAPI document (tests/fuzz)")


def pytest_collection_modifyitems(config, items):
    if POSTGRES_URL:
        return
    # The Makefile's SQLite leg says so (TEST_SQLITE_LEG): its PostgreSQL tests run in the next leg.
    # Anywhere else under CI, a missing database is an error, never a silent skip.
    sqlite_leg = bool(os.environ.get("TEST_SQLITE_LEG"))
    for item in items:
        if "postgres" in item.keywords and not (os.environ.get("CI") and not sqlite_leg):
            item.add_marker(pytest.mark.skip(reason="needs TEST_DATABASE_URL (PostgreSQL)"))


def pytest_runtest_setup(item):
    if "postgres" in item.keywords and not POSTGRES_URL:
        pytest.fail("this test needs PostgreSQL: set TEST_DATABASE_URL (CI must)")


def _fresh_postgres(url: str) -> str:
    """Create an empty database for this run next to the one named in `url`."""
    base = make_url(url)
    name = f"{base.database or 'voting_test'}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if POSTGRES_URL:
        url = _fresh_postgres(POSTGRES_URL)
        yield url
        _drop_postgres(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _fresh_identity(sender, **extra):
    for name in ("staff", "_login_user", "csrf_token"):  # csrf_token: Flask-WTF caches the signed token in g
        g.pop(name, None)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "PUBLIC_BASE_URL": "http://vote.test",
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with application.app_context():
        upgrade()
    # Tests keep an app context open across requests (for db.session), so Flask reuses
    # it and its `g`: clear per-request identity as production's fresh context would.
    request_started.connect(_fresh_identity, application)
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture
def clean_state(app):
    """Empty every table and the rate-limit counters before each test."""
    with app.app_context():
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.connect() as conn:
            # The audit log, its checkpoints and the ledger refuse deletion by trigger; only the test harness steps around it.
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                # rounds ↔ proposal_versions refer to each other. pysqlite runs PRAGMAs outside any
                # transaction, so this holds for the DELETEs below until switched back on.
                conn.execute(text("PRAGMA foreign_keys = OFF"))
                triggers = conn.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
                for name, _ in triggers:
                    conn.execute(text(f'DROP TRIGGER "{name}"'))
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
                for _, sql in triggers:
                    conn.execute(text(sql))
                conn.commit()
                conn.execute(text("PRAGMA foreign_keys = ON"))
            conn.execute(text(f"INSERT INTO audit_chains (chain, length, head_hash) VALUES ('global', 0, '{'0' * 64}')"))
            conn.commit()
        limiter.reset()
    yield


@pytest.fixture
def db(app, clean_state):
    with app.app_context():
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app, clean_state):
    return app.test_client()


@pytest.fixture
def clock(app):
    """The service's clock, set by the test (CLOCK_OVERRIDE); files that define their own keep theirs."""
    clock = Clock()
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)
