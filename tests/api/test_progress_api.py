"""GET /api/v1/rounds/{id}/progress: the gap to pass and who to visit, for the workers of the estate."""
import pytest
from sqlalchemy import select

from tests.factories import api_token, make_estate, make_user, roster_csv
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.ballots.casting import cast_ballot
from voting.models.rounds import RollEntry, Round

# Five voters: 王一 owns a flat in building 1 and one in building 2; the developer holds 3-101.
# Total 475.50 ㎡; double two-thirds needs 4 agreeing heads and 317.00 ㎡ (exactly 2/3).
ROSTER = roster_csv([
    "1,1,101,80.00,register,A1,王一,13800000001,owned",
    "1,1,102,95.50,register,A2,王二,13800000002,owned",
    "1,2,201,60.00,register,A3,王三,13800000003;13900000003,owned",
    "2,1,101,120.00,register,A4,王四,13800000004,owned",
    "2,1,102,70.00,register,A1,王一,13800000001,owned",
    "3,,101,50.00,contract,,,,developer_unsold",
])


@pytest.fixture
def voting(client, db, clock):
    estate_id, headers = estate_with_roster(client, ROSTER)
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    units = {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}
    round_ = db.session.get(Round, round_id)
    cast_ballot(round_, units["1-1-102"], "agree", "online", clock.now)
    cast_ballot(round_, units["2-1-101"], "disagree", "paper", clock.now)
    db.session.commit()
    return round_id, headers


def progress(client, round_id, headers, query=""):
    response = client.get(f"/api/v1/rounds/{round_id}/progress{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def test_progress_gives_the_gap_per_check_and_agrees_with_the_tally(client, voting):
    round_id, headers = voting
    response = progress(client, round_id, headers)
    body = response.get_json()
    assert "no-store" in response.headers["Cache-Control"]  # names and phones
    tally = client.get(f"/api/v1/rounds/{round_id}/tally", headers=headers).get_json()
    for figure in ("total", "participating", "agree", "disagree", "abstain", "not_voted"):
        assert body[figure] == tally[figure]
    assert body["participating"] == {"heads": 2, "area": "215.50"} and body["agree"] == {"heads": 1, "area": "95.50"}
    assert [c["name"] for c in body["checks"]] == [c["name"] for c in tally["checks"]]
    by_name = {c["name"]: c for c in body["checks"]}
    assert by_name["agree_heads_of_total"]["heads_needed"] == 3  # 1 of 5 agree; 4 needed
    assert by_name["agree_area_of_total"]["area_needed"] == "221.50"  # 317.00 − 95.50
    assert by_name["agree_area_of_total"]["percent"] == tally["checks"][0]["percent"]
    assert by_name["agree_area_of_total"]["label_zh"] == "同意的专有部分面积占总专有部分面积"  # as on the round page and report
    assert body["passed"] is False and body["reachable"] is True
    assert body["heads_needed"] == 3 and body["area_needed"] == "221.50"


def test_the_call_list_is_largest_area_first_with_rooms_names_and_full_phones(client, voting):
    round_id, headers = voting
    body = progress(client, round_id, headers).get_json()
    assert [(v["owner_name"], v["area"]) for v in body["canvass"]] == [
        ("王一", "150.00"), ("王三", "60.00"), ("开发商（未售或未交付房屋）", "50.00")]
    first = body["canvass"][0]
    assert first["phones"] == ["13800000001"]
    assert [u["label"] for u in first["units"]] == ["1-1-101", "2-1-102"]
    assert body["canvass"][1]["phones"] == ["13800000003", "13900000003"]
    assert body["canvass_total"] == 3
    assert [v["owner_name"] for v in progress(client, round_id, headers, "?limit=1").get_json()["canvass"]] == ["王一"]


def test_a_building_narrows_the_call_list_and_the_door_to_door_list(client, voting):
    round_id, headers = voting
    everywhere = progress(client, round_id, headers).get_json()
    assert [(b["building"], b["households"], b["voted_households"], b["not_voted_households"], b["not_voted_area"])
            for b in everywhere["buildings"]] == [("1", 3, 1, 2, "140.00"), ("2", 2, 1, 1, "70.00"),
                                                  ("3", 1, 0, 1, "50.00")]
    doors = everywhere["buildings"][0]["not_voted_units"]
    assert [(u["label"], u["owner_name"], u["phones"]) for u in doors] == [
        ("1-1-101", "王一", ["13800000001"]), ("1-2-201", "王三", ["13800000003", "13900000003"])]

    two = progress(client, round_id, headers, "?building=2").get_json()
    assert [v["owner_name"] for v in two["canvass"]] == ["王一"]  # 王四 of 2-1-101 has voted
    assert [b["building"] for b in two["buildings"]] == ["2"]
    assert two["agree"] == everywhere["agree"]  # the checks stay estate-wide
    assert progress(client, round_id, headers, "?building=9").get_json()["canvass"] == []


def test_progress_is_for_open_rounds_inside_the_jurisdiction(client, db, voting, clock):
    round_id, headers = voting
    make_estate("其他小区", "米市巷街道", "其他社区")
    make_user("community", "米市巷街道", "其他社区", username="outsider")
    assert client.get(f"/api/v1/rounds/{round_id}/progress", headers=api_token(client, "outsider")).status_code == 404
    assert client.get(f"/api/v1/rounds/{round_id}/progress").status_code == 401
    make_user("street", "和睦街道", username="street-office")
    assert client.get(f"/api/v1/rounds/{round_id}/progress",
                      headers=api_token(client, "street-office")).status_code == 200
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{round_id}/close", headers=headers).status_code == 200
    closed = client.get(f"/api/v1/rounds/{round_id}/progress", headers=headers)
    assert closed.status_code == 409 and "计票结果" in closed.get_json()["message"]


def test_when_every_owner_has_agreed_nothing_is_left_to_canvass(client, db, voting, clock):
    round_id, headers = voting
    round_ = db.session.get(Round, round_id)
    units = {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}
    for label in ("1-1-101", "1-2-201", "3-101"):
        cast_ballot(round_, units[label], "agree", "online", clock.now)
    db.session.commit()
    body = progress(client, round_id, headers).get_json()
    assert body["passed"] is True and body["heads_needed"] == 0 and body["area_needed"] == "0.00"
    assert body["canvass"] == [] and all(b["not_voted_units"] == [] for b in body["buildings"])
