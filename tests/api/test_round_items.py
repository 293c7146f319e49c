"""Item preferences (issue 17): ballots with item answers, GET /rounds/{id}/items, the per-stairwell tally."""
import json

from sqlalchemy import select

from tests.ballots_helpers import OpenRound, fetch_links
from tests.factories import roster_csv
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.extensions import db
from voting.models.audit import AuditEvent
from voting.models.ballots import BallotItem
from voting.rounds.round_tally import module_tally
from voting.models.rounds import Round

LIFT, DOOR, CHARGE = "U-B-06", "U-B-03", "U-P-01"
# W owns a flat in stairwell 1-1 and one in 1-2; the developer keeps two flats of 1-2.
ROSTER = roster_csv([
    "1,1,101,80.00,register,W01,王五,13800000001,owned",
    "1,1,102,70.00,register,K02,赵六,,owned",
    "1,1,103,60.00,register,K03,钱七,,owned",
    "1,2,201,60.00,register,W01,王五,13800000001,owned",
    "1,2,202,50.00,contract,,,,developer_unsold",
    "1,2,203,40.00,contract,,,,developer_undelivered",
    "1,2,204,90.00,register,K04,孙八,,owned",
])


def open_items_round(client, clock, mode="each", policy="first", per_stairwell=(LIFT,)) -> OpenRound:
    estate_id, headers = estate_with_roster(client, ROSTER)
    proposal_id = create_proposal(client, estate_id, headers)
    round_id = create_round(client, proposal_id, headers, clock, policy=policy, rule="civil-code-278-major",
                            item_questions=[LIFT, DOOR, CHARGE], item_mode=mode,
                            per_stairwell_items=list(per_stairwell))
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    return OpenRound(estate_id, round_id, headers, fetch_links(client, round_id, headers))


def vote(client, opened, label, choice="agree", items=None):
    body = {"token": opened.links[label]["token"], "choice": choice}
    if items is not None:
        body["items"] = items
    return client.post("/api/v1/ballots", json=body)


def test_round_keeps_its_item_questions_and_a_draft_may_change_them(client, db, clock):
    estate_id, headers = estate_with_roster(client, ROSTER)
    proposal_id = create_proposal(client, estate_id, headers)
    round_id = create_round(client, proposal_id, headers, clock)
    body = client.get(f"/api/v1/rounds/{round_id}", headers=headers).get_json()
    assert (body["item_questions"], body["item_mode"], body["per_stairwell_items"]) == ([], "each", [])
    changed = client.patch(f"/api/v1/rounds/{round_id}", headers=headers,
                           json={"item_questions": [LIFT, CHARGE], "item_mode": "multi", "per_stairwell_items": [LIFT]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["item_questions"] == [LIFT, CHARGE] and changed.get_json()["item_mode"] == "multi"
    for bad, word in (({"item_questions": ["X-9"]}, "未知的改造项目编号"),
                      ({"per_stairwell_items": [DOOR]}, "不在征询项目中"),
                      ({"item_mode": "some"}, "multi")):
        refused = client.patch(f"/api/v1/rounds/{round_id}", headers=headers, json=bad)
        assert refused.status_code == 422 and word in str(refused.get_json()), refused.get_json()


def test_a_ballot_carries_its_item_answers_into_the_ledger_and_the_chain(client, db, clock):
    opened = open_items_round(client, clock)
    response = vote(client, opened, "1-1-102", items={LIFT: "agree", CHARGE: "abstain"})
    assert response.status_code == 201, response.get_json()
    rows = db.session.execute(select(BallotItem.code, BallotItem.answer)).all()
    assert sorted(rows) == [(LIFT, "agree"), (CHARGE, "abstain")]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ballot_cast")).one()
    assert json.loads(event.data)["items"] == {CHARGE: "abstain", LIFT: "agree"}


def test_bad_item_answers_are_refused_in_chinese_and_nothing_is_written(client, db, clock):
    opened = open_items_round(client, clock, mode="multi")
    for items, word in (({"R-B-01": "agree"}, "不在本轮征询的项目中"), ({LIFT: "maybe"}, "项目意见应为"),
                        ({LIFT: "disagree"}, "多选"), ({"": "agree"}, "")):
        response = vote(client, opened, "1-1-102", items=items)
        assert response.status_code == 422, response.get_json()
        assert word in str(response.get_json())
    assert db.session.scalar(select(BallotItem.id)) is None
    assert module_tally(db.session.get(Round, opened.round_id))["participating"]["heads"] == 0


def test_items_tally_per_estate_building_and_stairwell_with_a_two_stairwell_owner(client, db, clock):
    opened = open_items_round(client, clock, policy="last")
    assert vote(client, opened, "1-2-201", items={LIFT: "agree", DOOR: "agree"}).status_code == 201
    clock.advance(minutes=5)
    # W changes their mind through the other flat: under "last" this ballot speaks for both flats.
    assert vote(client, opened, "1-1-101", items={LIFT: "disagree"}).status_code == 201
    assert vote(client, opened, "1-1-102", items={LIFT: "agree"}).status_code == 201
    assert vote(client, opened, "1-1-103", "disagree", items={LIFT: "agree"}).status_code == 201
    assert vote(client, opened, "1-2-204", items={LIFT: "agree", CHARGE: "disagree"}).status_code == 201
    response = client.get(f"/api/v1/rounds/{opened.round_id}/items", headers=opened.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["item_questions"] == [LIFT, DOOR, CHARGE] and body["policy"] == "last"
    lift, door, charge = body["items"]
    assert lift["estate"]["agree"] == {"heads": 3, "area": "220.00"}
    assert lift["estate"]["disagree"] == {"heads": 1, "area": "140.00"}
    assert lift["estate"]["not_answered"] == {"heads": 1, "area": "90.00"}  # the developer
    assert door["estate"]["agree"] == {"heads": 0, "area": "0.00"}  # W's earlier ballot was superseded
    assert charge["estate"]["disagree"] == {"heads": 1, "area": "90.00"}
    one, two = lift["stairwells"]
    assert (one["building"], one["unit"], two["unit"]) == ("1", "1", "2")
    assert one["total"] == {"heads": 3, "area": "210.00"} and two["total"] == {"heads": 3, "area": "240.00"}
    assert one["disagree"] == {"heads": 1, "area": "80.00"} and two["disagree"] == {"heads": 1, "area": "60.00"}
    assert lift["buildings"] == [{"building": "1", **{k: lift["estate"][k] for k in lift["estate"]}}]
    # Stairwell 1-1: everyone took part; 2 of 3 owners agree (not > 3/4): not passed. 1-2: developer silent.
    assert one["decision"]["passed"] is False and one["decision"]["participating"]["heads"] == 3
    assert two["decision"]["participating"] == {"heads": 2, "area": "150.00"}
    assert "decision" not in door["stairwells"][0]


def test_stairwell_tally_applies_the_rule_to_the_stairwell_only(client, db, clock):
    opened = open_items_round(client, clock)
    for label in ("1-2-201", "1-2-204"):
        assert vote(client, opened, label).status_code == 201
    base = f"/api/v1/rounds/{opened.round_id}/tally"
    body = client.get(f"{base}?building=1&unit=2", headers=opened.headers).get_json()
    assert body["total"] == {"heads": 3, "area": "240.00"}  # W (60), the developer (90), 孙八 (90)
    assert body["agree"] == {"heads": 2, "area": "150.00"} and body["rule"] == "civil-code-278-major"
    assert body["passed"] is False  # 2 of 3 heads take part, but only 150 of 240 m² (< two thirds)
    other = client.get(f"{base}?building=1&unit=1&rule=double-two-thirds", headers=opened.headers).get_json()
    assert other["rule"] == "double-two-thirds" and other["agree"] == {"heads": 1, "area": "80.00"}
    assert client.get(f"{base}?building=9&unit=1", headers=opened.headers).status_code == 404
    assert client.get(f"{base}?unit=1", headers=opened.headers).status_code == 422
    assert client.get(f"{base}?rule=nope", headers=opened.headers).status_code == 422
    estate = client.get(base, headers=opened.headers).get_json()
    assert estate["total"]["heads"] == 5


def test_items_and_stairwell_tally_need_an_open_roll(client, db, clock):
    estate_id, headers = estate_with_roster(client, ROSTER)
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock)
    assert client.get(f"/api/v1/rounds/{round_id}/items", headers=headers).status_code == 409
    assert client.get(f"/api/v1/rounds/{round_id}/items").status_code == 401


def test_item_answers_are_append_only_in_the_database(client, db, clock):
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    opened = open_items_round(client, clock)
    assert vote(client, opened, "1-1-102", items={LIFT: "agree"}).status_code == 201
    for statement in ("UPDATE ballot_items SET answer = 'disagree'", "DELETE FROM ballot_items"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(select(BallotItem.answer)).scalars().all() == ["agree"]
