"""Item questions on the pages (issue 17): the resident ticks items, paper entry records them, the progress page."""
import io
import re

from sqlalchemy import select

from tests.api.test_round_items import CHARGE, DOOR, LIFT, ROSTER, open_items_round
from tests.ballots_helpers import fetch_links, page_csrf, second_worker
from tests.factories import csrf_token, make_user, page_login
from tests.rounds_helpers import ITEMS, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps
from voting.models.ballots import BallotItem, PaperEntry


def text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def test_resident_ticks_items_confirms_and_they_are_counted(client, db, clock):
    opened = open_items_round(client, clock, mode="multi")
    link = opened.links["1-1-102"]
    page = client.get(link["path"])
    body = text(page)
    assert "改造项目意向" in body and "多层住宅加装电梯" in body and "单元防盗门及门禁" in body and "充电设施" in body
    assert "本项目按单元（楼道）由该单元业主表决决定" in body
    assert 'type="checkbox" name="item-U-B-06" value="agree"' in page.get_data(as_text=True)
    form = {"csrf_token": page_csrf(page.get_data(as_text=True)), "choice": "agree", "opinion": "",
            f"item-{LIFT}": "agree", f"item-{CHARGE}": "agree"}
    confirm = client.post(link["path"] + "/confirm", data=form)
    assert confirm.status_code == 200
    assert "多层住宅加装电梯：同意" in text(confirm) and "单元防盗门及门禁：未作答" in text(confirm)
    hidden = dict(re.findall(r'<input type="hidden" name="([\w-]+)" value="([^"]*)"', confirm.get_data(as_text=True)))
    assert hidden[f"item-{LIFT}"] == "agree"
    assert client.post(link["path"] + "/vote", data=hidden).status_code == 303
    assert sorted(db.session.execute(select(BallotItem.code, BallotItem.answer)).all()) == [
        (LIFT, "agree"), (CHARGE, "agree")]


def test_a_refused_item_answer_shows_the_form_again_in_chinese(client, db, clock):
    opened = open_items_round(client, clock, mode="multi")
    link = opened.links["1-1-102"]
    page = client.get(link["path"])
    form = {"csrf_token": page_csrf(page.get_data(as_text=True)), "choice": "agree", f"item-{LIFT}": "disagree"}
    refused = client.post(link["path"] + "/confirm", data=form)
    assert refused.status_code == 422 and "多选" in text(refused) and "改造项目意向" in text(refused)


def test_paper_entry_records_items_and_confirmation_counts_them(app, client, db, clock):
    opened = open_items_round(client, clock)
    make_user("community", "和睦街道", "和睦社区", username="sq2")
    me, colleague = page_login(client, "sq"), page_login(app.test_client(), "sq2")
    paper = f"/rounds/{opened.round_id}/paper"
    html = me.get(paper).get_data(as_text=True)
    assert 'name="item-U-B-06" value="disagree"' in html and "多层住宅加装电梯" in html
    data = {"csrf_token": csrf_token(me, paper), "household_id": str(opened.links["1-2-204"]["household_id"]),
            "choice": "agree", "kind": "paper", f"item-{LIFT}": "disagree", f"item-{DOOR}": "abstain",
            "scan": (io.BytesIO(jpeg_with_gps()), "ballot.jpg")}
    assert me.post(paper, data=data, content_type="multipart/form-data").status_code == 302
    entry_id = db.session.scalar(select(PaperEntry.id))
    listed = colleague.get(paper).get_data(as_text=True)
    assert "多层住宅加装电梯：不同意" in listed
    token = csrf_token(colleague, paper)
    assert colleague.post(f"/paper-ballots/{entry_id}/confirm", data={"csrf_token": token}).status_code == 302
    assert sorted(db.session.execute(select(BallotItem.code, BallotItem.answer)).all()) == [
        (DOOR, "abstain"), (LIFT, "disagree")]


def test_paper_api_takes_items_as_json_and_refuses_bad_ones(client, db, clock):
    opened = open_items_round(client, clock, mode="multi")
    household = str(opened.links["1-2-204"]["household_id"])

    def enter(items):
        return client.post(f"/api/v1/rounds/{opened.round_id}/paper-ballots", headers=opened.headers,
                           data={"household_id": household, "choice": "agree", "items": items,
                                 "scan": (io.BytesIO(jpeg_with_gps()), "b.jpg")}, content_type="multipart/form-data")

    assert enter("{not json").status_code == 422
    assert enter('{"U-B-06": "abstain"}').status_code == 422
    assert db.session.scalar(select(PaperEntry.id)) is None
    assert enter('{"U-B-06": "agree"}').status_code == 201
    confirmed = client.post(f"/api/v1/paper-ballots/{db.session.scalar(select(PaperEntry.id))}/confirm",
                            headers=second_worker(client))
    assert confirmed.status_code == 200
    listed = client.get(f"/api/v1/rounds/{opened.round_id}/paper-ballots", headers=opened.headers).get_json()
    assert listed[0]["items"] == {LIFT: "agree"}
    items = client.get(f"/api/v1/rounds/{opened.round_id}/items", headers=opened.headers).get_json()
    assert items["items"][0]["estate"]["agree"] == {"heads": 1, "area": "90.00"}


def test_progress_page_shows_items_and_each_stairwell(client, db, clock):
    opened = open_items_round(client, clock)
    for label in ("1-1-101", "1-1-102", "1-1-103"):
        client.post("/api/v1/ballots", json={"token": opened.links[label]["token"], "choice": "agree",
                                             "items": {LIFT: "agree"}})
    me = page_login(client, "sq")
    page = me.get(f"/rounds/{opened.round_id}/progress")
    body = text(page)
    assert page.status_code == 200
    assert "各单元（楼道）表决情况" in body and "1幢1单元" in body and "1幢2单元" in body
    assert "已通过" in body and "未通过，还需" in body
    assert "改造项目意向" in body and "多层住宅加装电梯" in body and "3 / 210.00" in body


def test_the_ballot_page_shows_an_items_estimated_cost_apportioned_to_the_household(client, db, clock):
    estate_id, headers = estate_with_roster(client, ROSTER)  # 450.00 ㎡ in all
    created = client.post(f"/api/v1/estates/{estate_id}/proposals", headers=headers, json={
        "title": "和睦新村综合改造方案", "summary": "加装电梯、门禁、充电设施",
        "items": sorted(set(ITEMS) | {LIFT, DOOR, CHARGE}), "item_costs": [{"code": LIFT, "cost": "60000.00"}]})
    assert created.status_code == 201, created.get_json()
    round_id = create_round(client, created.get_json()["id"], headers, clock, rule="civil-code-278-major",
                            item_questions=[LIFT, DOOR, CHARGE], item_mode="each")
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    links = fetch_links(client, round_id, headers)
    body = text(client.get(links["1-1-102"]["path"]))  # 70.00 ㎡: 60000 × 70 / 450 = 9333.33…
    assert "本项估算费用 60000.00 元，按您名下面积分摊约 9333.33 元（财政补助前）" in body
    assert body.count("按您名下面积分摊约") == 1  # the unpriced items show no figure
