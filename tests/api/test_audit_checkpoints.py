"""Signed checkpoints of an estate's audit chain: written at each transition and daily, published, append-only."""
import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.api.test_evidence import download
from tests.evidence_helpers import evidence_key, run_round, zip_members  # noqa: F401
from tests.factories import board_path, make_estate
from voting.audit.checkpoint_format import signature_problem
from voting.audit.keys import public_key_from_pem
from voting.audit.log import chain_events, chain_name
from voting.models.audit import AuditCheckpoint


def published(client, estate_id):
    response = client.get(f"/api/v1/estates/{estate_id}/audit/checkpoint")  # public: no token
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def service_key(client):
    return public_key_from_pem(client.get("/api/v1/evidence/public-key").data)


def checkpoint_command(app):
    return app.test_cli_runner().invoke(args=["audit", "checkpoint"])


def test_each_transition_signs_the_head_it_left_and_the_latest_is_public(client, db, clock, evidence_key):
    scenario = run_round(client, db, clock, close=False)
    chain = chain_name(scenario.estate_id)
    opened = published(client, scenario.estate_id)
    events = chain_events(chain)
    at_open = [e["action"] for e in events].index("round_opened") + 1
    assert (opened["reason"], opened["round_id"], opened["length"]) == ("round_opened", scenario.round_id, at_open)
    assert opened["head"] == events[at_open - 1]["hash"] and opened["chain"] == chain
    assert signature_problem(opened, service_key(client)) is None
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{scenario.round_id}/close", headers=scenario.headers).status_code == 200
    closed = published(client, scenario.estate_id)
    events = chain_events(chain)
    at_close = [e["action"] for e in events].index("round_closed") + 1
    assert closed["reason"] == "round_closed" and closed["length"] == at_close
    assert events[at_close]["action"] == "round_notice_published"  # the result notice, posted by closing
    assert client.post(f"/api/v1/rounds/{scenario.round_id}/result", headers=scenario.headers,
                       json={"answers": []}).status_code == 200
    result = published(client, scenario.estate_id)
    events = chain_events(chain)
    at_result = [e["action"] for e in events].index("round_result_published") + 1
    assert result["reason"] == "round_result_published" and result["head"] == events[at_result - 1]["hash"]
    # Not appended to the chain: the checkpoint of the result is the chain's head itself.
    assert "checkpoint" not in " ".join(e["action"] for e in chain_events(chain))
    # The round's bundle holds each of them as published, listed and hashed in the manifest.
    members = zip_members(download(client, scenario))
    names = sorted(n for n in members if n.startswith("checkpoints/"))
    held = [json.loads(members[n]) for n in names]
    assert [c["reason"] for c in held] == ["round_opened", "round_closed", "round_result_published"]
    assert held[0] == opened and held[-1] == result
    assert set(names) <= {f["name"] for f in json.loads(members["manifest.json"])["files"]}


def test_checkpoint_of_an_unknown_estate_or_one_without_checkpoints_is_404(client, db):
    estate = make_estate()
    unknown = client.get("/api/v1/estates/999999/audit/checkpoint")
    assert unknown.status_code == 404 and unknown.get_json()["message"] == "找不到该小区"
    none_yet = client.get(f"/api/v1/estates/{estate.id}/audit/checkpoint")
    assert none_yet.status_code == 404 and "尚无检查点" in none_yet.get_json()["message"]


def test_daily_command_signs_once_per_estate_and_day_while_a_round_is_open(app, client, db, clock, evidence_key):
    scenario = run_round(client, db, clock, close=False)
    make_estate(name="西园小区")  # no open round: no daily checkpoint
    length_before = len(chain_events(chain_name(scenario.estate_id)))
    first = checkpoint_command(app)
    assert first.exit_code == 0 and "已签署 1 个检查点" in first.output, first.output
    again = checkpoint_command(app)
    assert again.exit_code == 0 and "已签署 0 个检查点" in again.output
    daily = published(client, scenario.estate_id)
    assert daily["reason"] == "daily" and daily["length"] == length_before
    assert len(chain_events(chain_name(scenario.estate_id))) == length_before  # the chain did not grow
    clock.advance(days=1)
    assert "已签署 1 个检查点" in checkpoint_command(app).output
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{scenario.round_id}/close", headers=scenario.headers).status_code == 200
    assert "已签署 0 个检查点" in checkpoint_command(app).output  # closed: nothing open to watch
    reasons = db.session.scalars(select(AuditCheckpoint.reason).order_by(AuditCheckpoint.id)).all()
    assert reasons == ["round_opened", "daily", "daily", "round_closed"]


def test_the_database_refuses_update_and_delete_of_checkpoints(client, db, clock, evidence_key):
    run_round(client, db, clock, close=False)
    for statement in ("UPDATE audit_checkpoints SET length = 1", "DELETE FROM audit_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1


@pytest.mark.postgres
def test_postgres_refuses_truncate_of_checkpoints(db):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_checkpoints CASCADE"))
    db.session.rollback()


def test_the_public_board_lists_the_estates_checkpoints(client, db, clock, evidence_key):
    scenario = run_round(client, db, clock, close=False)
    html = client.get(board_path(scenario.estate_id)).get_data(as_text=True)  # no login
    head = published(client, scenario.estate_id)["head"]
    assert "审计链检查点" in html and "开始表决时" in html and head in html
    assert f'href="/api/v1/estates/{scenario.estate_id}/audit/checkpoint"' in html
