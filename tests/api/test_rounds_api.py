"""A proposal walked through all three rounds (三上三下), every refused transition, the records."""
import io
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.factories import api_token, make_estate, make_user
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.ballots.casting import cast_ballot
from voting.ballots.ledger_export import ballots_csv
from voting.models.rounds import Round
from voting.rounds.frozen_roll import frozen_roster_csv, roll_entries
from voting.tally.cli import tally_command


def households(client, estate_id, headers):
    return {f"{h['building']}-{h['unit']}-{h['room']}".replace("--", "-"): h["id"]
            for h in client.get(f"/api/v1/estates/{estate_id}/households", headers=headers).get_json()}


def vote(db, round_id, household_id, choice, clock, channel="online"):
    ballot = cast_ballot(db.session.get(Round, round_id), household_id, choice, channel, clock.now)
    db.session.commit()
    clock.advance(minutes=1)
    return ballot


def test_three_rounds_in_order_with_every_refusal_and_record(client, db, clock):
    estate_id, h = estate_with_roster(client)
    units = households(client, estate_id, h)
    proposal_id = create_proposal(client, estate_id, h)

    # Stage 2 cannot open before stage 1 passed.
    # The plan's order is held when a round is created: no stage 2 before stage 1 passed.
    early2 = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        "stage": 2, "opens_at": clock.now.isoformat(), "closes_at": (clock.now + timedelta(days=7)).isoformat()})
    assert early2.status_code == 409 and "第1次征询尚未截止并通过" in early2.get_json()["message"]

    r1 = create_round(client, proposal_id, h, clock, stage=1)
    assert client.post(f"/api/v1/rounds/{r1}/close", headers=h).status_code == 409  # still a draft
    opened = client.post(f"/api/v1/rounds/{r1}/open", headers=h).get_json()
    assert opened["status"] == "open" and opened["total"] == {"heads": 3, "area": "395.75"}
    assert client.post(f"/api/v1/rounds/{r1}/open", headers=h).status_code == 409  # already open
    # A second round of the same stage cannot be made while one is open (edit or cancel a draft instead).
    other = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        "stage": 1, "opens_at": clock.now.isoformat(), "closes_at": (clock.now + timedelta(days=7)).isoformat()})
    assert other.status_code == 409 and "请修改或取消它" in other.get_json()["message"]
    # The roll is frozen while the round is open.
    frozen = client.post(f"/api/v1/estates/{estate_id}/roster", headers=h,
                         data={"file": (io.BytesIO(b"building,unit,room\n"), "r.csv")},
                         content_type="multipart/form-data")
    assert frozen.status_code == 409 and "名册已冻结" in frozen.get_json()["message"]

    vote(db, r1, units["1-1-101"], "agree", clock)
    vote(db, r1, units["1-2-201"], "agree", clock)
    vote(db, r1, units["2-101"], "agree", clock)
    opinion = client.post(f"/api/v1/rounds/{r1}/opinions", headers=h, json={"text": "希望加装电梯"})
    assert opinion.status_code == 201
    live = client.get(f"/api/v1/rounds/{r1}/tally", headers=h).get_json()
    assert live["passed"] is True and live["agree"] == {"heads": 3, "area": "395.75"}

    early_close = client.post(f"/api/v1/rounds/{r1}/close", headers=h)
    assert early_close.status_code == 409 and "截止时间" in early_close.get_json()["message"]
    assert client.post(f"/api/v1/rounds/{r1}/result", headers=h, json={}).status_code == 409
    clock.advance(days=8)
    closed = client.post(f"/api/v1/rounds/{r1}/close", headers=h).get_json()
    assert closed["status"] == "closed" and closed["passed"] is True
    published = client.post(f"/api/v1/rounds/{r1}/result", headers=h, json={
        "answers": [{"opinion_id": opinion.get_json()["id"], "answer": "已纳入提升类项目"}]}).get_json()
    assert published["status"] == "published"
    assert [(t["action"], t["direction"]) for t in published["transitions"]] == [
        ("created", ""), ("opened", "up"), ("closed", "up"), ("notice_published", "down"),  # the result notice
        ("result_published", "down"), ("notice_published", "down")]  # and the answers notice
    assert all(t["actor"] == "sq" for t in published["transitions"])
    answers = client.get(f"/api/v1/rounds/{r1}/opinions", headers=h).get_json()
    assert answers[0]["answers"] == ["已纳入提升类项目"]

    # Stage 3 cannot be created before stage 2 passed; stage 2 now can.
    early3 = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        "stage": 3, "opens_at": clock.now.isoformat(), "closes_at": (clock.now + timedelta(days=7)).isoformat()})
    assert early3.status_code == 409 and "第2次征询尚未截止并通过" in early3.get_json()["message"]
    r2 = create_round(client, proposal_id, h, clock, stage=2)
    revision = client.post(f"/api/v1/proposals/{proposal_id}/versions", headers=h, json={
        "title": "和睦新村综合改造方案（修订）", "summary": "增加加装电梯", "items": ["R-B-01", "U-B-01"],
        "estimated_cost": "1200000.00", "caused_by_round_id": r1})
    assert revision.status_code == 201 and revision.get_json()["version"] == 2
    opened2 = client.post(f"/api/v1/rounds/{r2}/open", headers=h).get_json()
    assert opened2["proposal_version_id"] == revision.get_json()["version_id"]
    for label in ("1-1-102", "1-2-201", "2-102"):
        vote(db, r2, units[label], "agree", clock)
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{r2}/close", headers=h).get_json()["passed"] is True

    r3 = create_round(client, proposal_id, h, clock, stage=3, rule="civil-code-278-major")
    assert client.post(f"/api/v1/rounds/{r3}/open", headers=h).status_code == 200
    vote(db, r3, units["1-1-101"], "disagree", clock)
    clock.advance(days=8)
    closed3 = client.post(f"/api/v1/rounds/{r3}/close", headers=h).get_json()
    assert closed3["passed"] is False
    # The frozen result does not move after closing.
    assert client.get(f"/api/v1/rounds/{r3}/tally", headers=h).get_json()["participating"]["heads"] == 1


def test_round_creation_refusals(client, db, clock):
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    base = {"stage": 1, "opens_at": clock.now.isoformat()}
    short = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        **base, "closes_at": (clock.now + timedelta(days=4)).isoformat()})
    assert short.status_code == 422 and "不少于5日" in short.get_json()["message"]
    long = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        **base, "closes_at": (clock.now + timedelta(days=61)).isoformat()})
    assert long.status_code == 422
    bad_rule = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        **base, "rule": "majority", "closes_at": (clock.now + timedelta(days=7)).isoformat()})
    assert bad_rule.status_code == 422
    bad_stage = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        **base, "stage": 4, "closes_at": (clock.now + timedelta(days=7)).isoformat()})
    assert bad_stage.status_code == 422
    custom = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        **base, "rule": "custom", "closes_at": (clock.now + timedelta(days=7)).isoformat(),
        "custom_rule": {"id": "custom", "checks": [{"name": "agree_heads", "measure": "heads", "numerator": "agree",
                                                     "denominator": "all", "threshold": "1/2", "inclusive": False}]}})
    assert custom.status_code == 201
    stored = client.get(f"/api/v1/rounds/{custom.get_json()['id']}", headers=h).get_json()
    assert stored["rule"] == "custom" and stored["custom_rule"]["checks"][0]["threshold"] == "1/2"
    bad_custom = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        **base, "rule": "custom", "closes_at": (clock.now + timedelta(days=7)).isoformat(),
        "custom_rule": {"checks": [{"name": "x", "measure": "heads", "numerator": "agree", "denominator": "all",
                                    "threshold": 0.5, "inclusive": True}]}})
    assert bad_custom.status_code == 422 and "自定义表决规则有误" in bad_custom.get_json()["message"]


def test_round_not_open_before_opens_at(client, db, clock):
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    response = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=h, json={
        "stage": 1, "opens_at": (clock.now + timedelta(days=1)).isoformat(),
        "closes_at": (clock.now + timedelta(days=8)).isoformat()})
    refused = client.post(f"/api/v1/rounds/{response.get_json()['id']}/open", headers=h)
    assert refused.status_code == 409 and "开始时间" in refused.get_json()["message"]


def test_rounds_of_other_community_are_404(client, db, clock):
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    round_id = create_round(client, proposal_id, h, clock)
    make_user("community", "大关街道", "西一社区", username="far")
    far = api_token(client, "far")
    for method, path in (("get", f"/api/v1/rounds/{round_id}"), ("post", f"/api/v1/rounds/{round_id}/open"),
                         ("get", f"/api/v1/rounds/{round_id}/tally"), ("get", f"/api/v1/proposals/{proposal_id}"),
                         ("post", f"/api/v1/proposals/{proposal_id}/rounds")):
        body = {"stage": 1, "opens_at": clock.now.isoformat(), "closes_at": (clock.now + timedelta(days=7)).isoformat()}
        assert getattr(client, method)(path, headers=far, json=body).status_code == 404, path


@pytest.mark.parametrize("policy", ["first", "last"])
def test_cli_recounts_exported_files_to_the_identical_json(app, client, db, clock, tmp_path, policy):
    estate_id, h = estate_with_roster(client)
    units = households(client, estate_id, h)
    proposal_id = create_proposal(client, estate_id, h)
    round_id = create_round(client, proposal_id, h, clock, policy=policy)
    client.post(f"/api/v1/rounds/{round_id}/open", headers=h)
    vote(db, round_id, units["1-1-101"], "agree", clock)
    vote(db, round_id, units["1-1-102"], "disagree", clock)   # same owner, other unit: a conflict
    vote(db, round_id, units["1-2-201"], "abstain", clock)
    vote(db, round_id, units["1-2-201"], "agree", clock)      # changed (last) or duplicate (first)
    vote(db, round_id, units["2-101"], "agree", clock, channel="paper")
    online = client.get(f"/api/v1/rounds/{round_id}/tally", headers=h).get_json()
    round_ = db.session.get(Round, round_id)
    (tmp_path / "roster.csv").write_bytes(frozen_roster_csv(roll_entries(round_id)))
    (tmp_path / "ballots.csv").write_bytes(ballots_csv(round_))
    result = CliRunner().invoke(tally_command, [str(tmp_path / "roster.csv"), str(tmp_path / "ballots.csv"),
                                                "--rule", "double-two-thirds", "--policy", policy, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == online
    assert online["conflicts"] and online["conflicts"][0]["units"] == ["1-1-101", "1-1-102"]
    text = CliRunner().invoke(tally_command, [str(tmp_path / "roster.csv"), str(tmp_path / "ballots.csv"),
                                              "--rule", "double-two-thirds", "--policy", policy])
    assert text.exit_code == 0 and "结论：" in text.output and "双三分之二" in text.output
    assert "同意的人数占总人数：" in text.output and "agree_" not in text.output  # checks in words, not ids
