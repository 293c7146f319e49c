"""The public-id migration gives every existing estate its own id, keeping their rows and references.

Runs on an empty database of its own: a SQLite file, or a fresh PostgreSQL database next to
TEST_DATABASE_URL's.
"""
import re
import secrets
from datetime import datetime, timezone

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import Boolean, DateTime, Integer, String, column, create_engine, insert, select, table

from tests.conftest import POSTGRES_URL, _drop_postgres, _fresh_postgres
from voting.app import create_app

BEFORE, AFTER = "d7a1c3e5f9b2", "c4e8a2f6d1b9"
ESTATES = table("estates", column("id", Integer), column("community_id", Integer), column("name", String),
                column("address", String), column("built_year", Integer), column("affordable_housing", Boolean),
                column("created_at", DateTime), column("public_id", String))
OLD_ESTATES = table("estates", *(column(c.name, c.type) for c in ESTATES.c if c.name != "public_id"))


@pytest.fixture
def empty_url(tmp_path):
    if POSTGRES_URL:
        url = _fresh_postgres(POSTGRES_URL)
        yield url
        _drop_postgres(url)
    else:
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"


def test_existing_estates_get_distinct_public_ids_and_keep_their_households(empty_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_url, "SECRET_KEY": secrets.token_hex(32),
                      "RATELIMIT_STORAGE_URI": "memory://"})
    engine = create_engine(empty_url)
    with app.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as conn:
            conn.execute(insert(table("streets", column("id"), column("name"))).values(id=1, name="和睦街道"))
            conn.execute(insert(table("communities", column("id"), column("street_id"), column("name")))
                         .values(id=1, street_id=1, name="和睦社区"))
            conn.execute(insert(OLD_ESTATES),
                         [{"id": n, "community_id": 1, "name": f"小区{n}", "address": "", "built_year": 1986,
                           "affordable_housing": False, "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}
                          for n in (1, 2, 3)])
            conn.execute(insert(table("buildings", column("id"), column("estate_id"), column("name")))
                         .values(id=1, estate_id=2, name="1"))
        upgrade(revision=AFTER)
        with engine.connect() as conn:
            ids = conn.execute(select(ESTATES.c.id, ESTATES.c.public_id).order_by(ESTATES.c.id)).all()
            buildings = conn.execute(select(column("estate_id")).select_from(table("buildings"))).scalars().all()
        assert [i for i, _ in ids] == [1, 2, 3] and buildings == [2]
        assert len({p for _, p in ids}) == 3 and all(re.fullmatch(r"[a-z][a-z2-9]{11}", p) for _, p in ids)
        downgrade(revision=BEFORE)
        with engine.connect() as conn:
            assert conn.execute(select(ESTATES.c.id).order_by(ESTATES.c.id)).scalars().all() == [1, 2, 3]
    engine.dispose()
