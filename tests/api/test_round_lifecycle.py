"""Issue 18, rounds that fit real work: drafts edited or cancelled, the plan's order held when a round is
created, due rounds closed by the worker process (exactly once, even run twice at once)."""
import io
from datetime import timedelta

from sqlalchemy import select

from tests.api.test_ballot_concurrency import race
from tests.factories import SMALL_ROSTER, api_token, board_path, make_estate, make_user
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.models.rounds import Round, RoundTransition

NOTICE = {"title": "关于第一次征询的公示", "body": "公示内容", "starts_on": "2026-09-01", "working_days": 5}


def _draft(client, clock, **extra):
    estate_id, headers = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, headers)
    return estate_id, proposal_id, create_round(client, proposal_id, headers, clock, **extra), headers


def test_a_draft_is_edited_with_the_changes_recorded_and_an_open_round_is_not(client, db, clock):
    _, _, round_id, headers = _draft(client, clock)
    closes = (clock.now + timedelta(days=10)).isoformat()
    edited = client.patch(f"/api/v1/rounds/{round_id}", headers=headers,
                          json={"closes_at": closes, "question": "您是否同意加装电梯？", "objection_working_days": 7})
    assert edited.status_code == 200, edited.get_json()
    body = edited.get_json()
    assert body["question"] == "您是否同意加装电梯？" and body["objection_working_days"] == 7
    assert body["closes_at"].startswith((clock.now + timedelta(days=10)).date().isoformat())
    assert body["transitions"][-1]["action"] == "edited" and "截止时间" in body["transitions"][-1]["note"]
    bad = client.patch(f"/api/v1/rounds/{round_id}", headers=headers,
                       json={"closes_at": (clock.now + timedelta(days=2)).isoformat()})
    assert bad.status_code == 422 and "不少于5日" in bad.get_json()["message"]
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    late = client.patch(f"/api/v1/rounds/{round_id}", headers=headers, json={"title": "改名"})
    assert late.status_code == 409 and "只有草稿" in late.get_json()["message"]


def test_a_cancelled_draft_disappears_from_the_board_and_lists_and_stays_in_the_record(client, db, clock):
    estate_id, proposal_id, round_id, headers = _draft(client, clock)
    notice = client.post(f"/api/v1/rounds/{round_id}/notices", headers=headers, json=NOTICE).get_json()
    assert NOTICE["title"] in client.get(board_path(estate_id)).get_data(as_text=True)
    assert client.post(f"/api/v1/rounds/{round_id}/cancel", headers=headers, json={"reason": ""}).status_code == 422
    cancelled = client.post(f"/api/v1/rounds/{round_id}/cancel", headers=headers, json={"reason": "开始时间填错"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert NOTICE["title"] not in client.get(board_path(estate_id)).get_data(as_text=True)
    assert client.get(f"/board/notices/{notice['id']}").status_code == 404
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 409
    assert client.post(f"/api/v1/rounds/{round_id}/cancel", headers=headers, json={"reason": "再取消"}).status_code == 409
    steps = db.session.scalars(select(RoundTransition).where(RoundTransition.round_id == round_id)).all()
    assert [(s.action, s.note) for s in steps][-1] == ("cancelled", "开始时间填错")
    # The stage is free again: a new first consultation can be created.
    assert create_round(client, proposal_id, headers, clock)


def _open_round_in(client, clock, name: str, headers: dict, days: int, grace: int = 0) -> int:
    estate = make_estate(name)
    assert client.post(f"/api/v1/estates/{estate.id}/roster", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(SMALL_ROSTER), "r.csv")}).status_code == 200
    round_id = create_round(client, create_proposal(client, estate.id, headers), headers, clock, days=days,
                            paper_grace_working_days=grace)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    return round_id


def test_close_due_closes_exactly_the_due_rounds_and_twice_at_once_closes_each_once(app, client, db, clock):
    # Without a paper grace period (0 working days), as before it existed.
    make_user("community", "和睦街道", "和睦社区", username="sq")
    headers = api_token(client, "sq")
    due = [_open_round_in(client, clock, name, headers, 7) for name in ("甲小区", "乙小区")]
    later = _open_round_in(client, clock, "丙小区", headers, 20)
    clock.advance(days=7, minutes=1)
    runner = app.test_cli_runner()
    results = race(app, [lambda: runner.invoke(args=["rounds", "close-due"]),
                         lambda: runner.invoke(args=["rounds", "close-due"])])
    outputs = "".join(r.output for r in results)
    assert all(r.exit_code == 0 for r in results), outputs
    db.session.expire_all()
    statuses = {r.id: r.status for r in db.session.scalars(select(Round).where(Round.id.in_([*due, later])))}
    assert statuses == {due[0]: "closed", due[1]: "closed", later: "open"}
    closes = db.session.scalars(select(RoundTransition).where(RoundTransition.action == "closed")).all()
    assert sorted(c.round_id for c in closes) == sorted(due)  # each closed exactly once, by the system
    assert all(c.actor_id is None for c in closes)
    again = runner.invoke(args=["rounds", "close-due"])
    assert again.exit_code == 0 and "本次截止 0 个轮次" in again.output
