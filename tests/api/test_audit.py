"""The audit log: every state change appended to its estate's hash chain, tamper-evident."""
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.audit_helpers import triggers_off
from tests.factories import make_estate, make_user
from tests.rounds_helpers import Clock, create_proposal, create_round, estate_with_roster
from voting.audit.cli import verify_chain
from voting.audit.log import chain_events, chain_name, record
from voting.db_types import utcnow


@pytest.fixture
def clock(app):
    clock = Clock()
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)


def verify(app, estate_id):
    return app.test_cli_runner().invoke(args=["audit", "verify", "--estate", str(estate_id)])


def test_state_changes_are_chained_and_verify(app, client, db, clock):
    estate_id, h = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock)
    client.post(f"/api/v1/rounds/{round_id}/open", headers=h)
    actions = [e["action"] for e in chain_events(chain_name(estate_id))]
    assert actions == ["estate_created", "roster_imported", "round_created", "round_opened"]
    logins = [e for e in chain_events("global") if e["action"] == "staff_login"]
    assert logins and logins[-1]["actor"] == "sq"
    result = verify(app, estate_id)
    assert result.exit_code == 0 and "完整（4 条记录" in result.output
    # No personal data in the log.
    text_of_log = str(chain_events(chain_name(estate_id)))
    for secret in ("张三明", "13812341234", "K001"):
        assert secret not in text_of_log


def _tampered(app, db, estate_id, statement, **params):
    with triggers_off(db) as conn:
        conn.execute(text(statement), params)
    return verify(app, estate_id)


@pytest.mark.parametrize("statement,expected", [
    ("UPDATE audit_events SET data = '{\"households\": 999}' WHERE chain = :c AND seq = 2", "第 2 条记录的内容与其哈希不符"),
    ("UPDATE audit_events SET actor = 'someone' WHERE chain = :c AND seq = 1", "第 1 条记录的内容与其哈希不符"),
    ("DELETE FROM audit_events WHERE chain = :c AND seq = 2", "第 2 条记录缺失"),
    ("DELETE FROM audit_events WHERE chain = :c AND seq = 3", "记录被删除"),
    ("CASE seq: swap events 1 and 2", "第 1 条记录的前一哈希"),
])
def test_altered_removed_or_reordered_events_break_the_chain(app, client, db, clock, statement, expected):
    estate_id, h = estate_with_roster(client)
    create_round(client, create_proposal(client, estate_id, h), h, clock)
    assert verify(app, estate_id).exit_code == 0
    if "CASE seq" in statement:
        # The unique key is checked row by row: swap through a free number.
        for step in ("UPDATE audit_events SET seq = -1 WHERE chain = :c AND seq = 1",
                     "UPDATE audit_events SET seq = 1 WHERE chain = :c AND seq = 2",
                     "UPDATE audit_events SET seq = 2 WHERE chain = :c AND seq = -1"):
            with triggers_off(db) as conn:
                conn.execute(text(step), {"c": chain_name(estate_id)})
        result = verify(app, estate_id)
    else:
        result = _tampered(app, db, estate_id, statement, c=chain_name(estate_id))
    assert result.exit_code == 1
    assert expected in result.output, result.output


def test_database_refuses_update_and_delete_of_events(client, db):
    estate = make_estate()
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert len(chain_events(chain_name(estate.id))) == 1


@pytest.mark.postgres
def test_postgres_trigger_refuses_truncate(db):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_events CASCADE"))
    db.session.rollback()


def test_concurrent_appends_to_one_estate_stay_one_chain(app, db):
    estate_id = make_estate().id
    errors = []

    def append(n):
        try:
            with app.app_context():
                for i in range(5):
                    record(estate_id, "test_event", f"thread:{n}", actor="system", at=utcnow(), data={"i": i})
                    db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.expire_all()
    events = chain_events(chain_name(estate_id))
    assert [e["seq"] for e in events] == list(range(1, 22))
    assert verify_chain(chain_name(estate_id)) is None


def test_global_chain_holds_logins_and_failures(client, db):
    make_user("district", username="qu")
    client.post("/api/v1/auth/token", json={"username": "qu", "password": "wrong-password"})
    client.post("/api/v1/auth/token", json={"username": "qu", "password": "correct-horse-battery"})
    actions = [(e["action"], e["data"]["via"]) for e in chain_events("global")]
    assert actions == [("staff_login_failed", "api"), ("staff_login", "api")]
    assert verify_chain("global") is None
