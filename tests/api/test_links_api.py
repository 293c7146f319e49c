"""Voting links for staff: issued once, reprintable, reissued with who and why, QR and slips, jurisdiction."""
import io
import subprocess

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from tests.ballots_helpers import (fetch_links, open_round_with_links, reissue_link, second_worker,
                                   set_community_contact)
from tests.factories import api_token, csrf_token, make_estate, make_user, page_login
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_qr_slips import needs_tool
from voting.ballots import links as links_module
from voting.ballots.ballot_tokens import token_hash
from voting.ballots.links import LinkRefused, issue_missing, reissue
from voting.models.ballots import VotingToken
from voting.models.link_reissues import LinkReissueRequest
from voting.models.rounds import Round


def tokens(db, round_id):
    return db.session.scalars(select(VotingToken).where(VotingToken.round_id == round_id).order_by(VotingToken.id)).all()


def test_links_are_issued_once_and_the_database_keeps_only_hashes(client, db, clock):
    opened = open_round_with_links(client, clock)
    assert sorted(opened.links) == ["1-1-101", "1-1-102", "1-2-201", "2-101", "2-102"]
    for link in opened.links.values():
        assert link["url"].startswith("http://vote.test/v/") and len(link["token"]) == 24
    # Asking again issues nothing new and derives the very same URLs (reprinting a slip).
    assert fetch_links(client, opened.round_id, opened.headers) == opened.links
    rows = tokens(db, opened.round_id)
    assert len(rows) == 5 and {r.reason for r in rows} == {"首次发放"}
    stored = {value for r in rows for value in (r.token_hash, r.reason)}
    assert not any(link["token"] in value for link in opened.links.values() for value in stored)
    assert {r.token_hash for r in rows} == {token_hash(link["token"]) for link in opened.links.values()}


def test_links_of_one_building_in_roll_order(client, db, clock):
    opened = open_round_with_links(client, clock)
    response = client.get(f"/api/v1/rounds/{opened.round_id}/links?building=2", headers=opened.headers)
    assert [(link["building"], link["room"]) for link in response.get_json()] == [("2", "101"), ("2", "102")]


def test_links_slips_and_qr_refuse_a_round_that_is_not_open(client, db, clock):
    estate_id, headers = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock)
    for path in (f"/api/v1/rounds/{round_id}/links", f"/api/v1/rounds/{round_id}/slips.pdf",
                 f"/api/v1/rounds/{round_id}/households/1/qr.png"):
        response = client.get(path, headers=headers)
        assert response.status_code == 409, path
        assert response.get_json()["message"] == "只有表决中的轮次可以发放表决链接和二维码"
    refused = client.post(f"/api/v1/rounds/{round_id}/links/1/reissue", headers=headers, json={"reason": "遗失"})
    assert refused.status_code == 409
    assert db.session.scalar(select(VotingToken.id)) is None


def test_another_communitys_worker_sees_none_of_it(client, db, clock):
    opened = open_round_with_links(client, clock)
    make_estate(name="西湖小区", street="西湖街道", community="西湖社区")
    make_user("community", "西湖街道", "西湖社区", username="xh")
    outsider = api_token(client, "xh")
    household = opened.links["1-1-101"]["household_id"]
    for path in (f"/api/v1/rounds/{opened.round_id}/links", f"/api/v1/rounds/{opened.round_id}/slips.pdf",
                 f"/api/v1/rounds/{opened.round_id}/households/{household}/qr.png"):
        assert client.get(path, headers=outsider).status_code == 404, path
        assert client.get(path).status_code == 401, path
    reissued = client.post(f"/api/v1/rounds/{opened.round_id}/links/{household}/reissue", headers=outsider,
                           json={"reason": "遗失"})
    assert reissued.status_code == 404
    assert len(tokens(db, opened.round_id)) == 5


def test_reissue_needs_a_reason_and_the_old_link_stops_working(client, db, clock):
    opened = open_round_with_links(client, clock)
    old = opened.links["1-2-201"]
    path = f"/api/v1/rounds/{opened.round_id}/links/{old['household_id']}/reissue"
    missing = client.post(path, headers=opened.headers, json={})
    assert missing.status_code == 422
    assert missing.get_json()["errors"]["json"]["reason"] == ["请填写重新发放的原因（例如：二维码遗失）"]
    blank = client.post(path, headers=opened.headers, json={"reason": "   "})
    assert blank.status_code == 422 and "请填写重新发放的原因" in blank.get_json()["message"]

    clock.advance(hours=2)
    requested = client.post(path, headers=opened.headers, json={"reason": "业主遗失二维码"})
    assert requested.status_code == 202 and requested.get_json()["status"] == "pending"
    # Requested only: the old link still works until a second account confirms.
    assert fetch_links(client, opened.round_id, opened.headers)["1-2-201"]["url"] == old["url"]
    confirm = f"/api/v1/rounds/{opened.round_id}/reissues/{requested.get_json()['id']}/confirm"
    own = client.post(confirm, headers=opened.headers)
    assert own.status_code == 409 and "申请人不能确认自己提出的重新发放" in own.get_json()["message"]
    response = client.post(confirm, headers=second_worker(client))
    assert response.status_code == 201
    new = response.get_json()
    again = client.post(confirm, headers=second_worker(client))
    assert again.status_code == 409 and "已经确认过" in again.get_json()["message"]
    assert new["household_id"] == old["household_id"] and new["url"] != old["url"]
    # Who and why are on the ledger; the list now derives the new link.
    row = tokens(db, opened.round_id)[-1]
    staff = db.session.scalar(select(VotingToken.issued_by_id).where(VotingToken.id == row.id))
    assert (row.reason, row.issued_at, staff is not None) == ("业主遗失二维码", clock.now, True)
    assert fetch_links(client, opened.round_id, opened.headers)["1-2-201"]["url"] == new["url"]

    gone = client.post("/api/v1/ballots", json={"token": old["token"], "choice": "agree"})
    assert gone.status_code == 410 and "已停用" in gone.get_json()["message"]
    assert client.get(f"/v/{old['token']}").status_code == 410
    ok = client.post("/api/v1/ballots", json={"token": new["url"].rsplit("/", 1)[1], "choice": "agree"})
    assert ok.status_code == 201


def test_reissue_of_a_household_not_on_the_roll_is_404(client, db, clock):
    opened = open_round_with_links(client, clock)
    response = client.post(f"/api/v1/rounds/{opened.round_id}/links/9999/reissue", headers=opened.headers,
                           json={"reason": "遗失"})
    assert response.status_code == 404 and response.get_json()["message"] == "该房屋不在本轮表决的名册中"


def test_a_concurrent_first_issue_is_skipped_not_doubled(client, db, clock, monkeypatch):
    opened = open_round_with_links(client, clock)
    round_ = db.session.get(Round, opened.round_id)
    # As if another request issued these between our read and our insert.
    monkeypatch.setattr(links_module, "_issued", lambda round_id, household_ids=None: {})
    assert issue_missing(round_, None, clock.now) == 0
    db.session.commit()
    assert len(tokens(db, opened.round_id)) == 5


def test_two_workers_reissuing_at_once_get_one_new_link_and_a_clear_refusal(client, db, clock, monkeypatch):
    opened = open_round_with_links(client, clock)
    round_ = db.session.get(Round, opened.round_id)
    household = opened.links["1-2-201"]["household_id"]
    reissue(round_, household, None, "遗失", clock.now)
    db.session.commit()
    stale = {household: (1, "stale")}  # the second worker read the ledger before the first reissue
    monkeypatch.setattr(links_module, "_issued", lambda round_id, household_ids=None: stale)
    with pytest.raises(LinkRefused) as refused:
        reissue(round_, household, None, "遗失", clock.now)
    assert refused.value.status == 409 and "刚刚被重新发放" in refused.value.message
    db.session.rollback()
    assert len(tokens(db, opened.round_id)) == 6


def test_a_rotated_link_key_keeps_delivered_links_working_but_they_must_be_reissued_to_print(app, client, db, clock):
    opened = open_round_with_links(client, clock)
    app.config["LINK_TOKEN_SECRET"] = "a-new-key-after-a-leak"
    try:
        listed = client.get(f"/api/v1/rounds/{opened.round_id}/links", headers=opened.headers).get_json()
        assert {link["url"] for link in listed} == {None}
        household = opened.links["1-1-101"]["household_id"]
        png = client.get(f"/api/v1/rounds/{opened.round_id}/households/{household}/qr.png", headers=opened.headers)
        assert png.status_code == 409 and "请重新发放" in png.get_json()["message"]
        assert client.post("/api/v1/ballots", json={"token": opened.links["1-2-201"]["token"],
                                                    "choice": "agree"}).status_code == 201
        new = reissue_link(client, opened.round_id, household, opened.headers, "更换密钥")
        assert new["url"] and new["url"] != opened.links["1-1-101"]["url"]
    finally:
        app.config.pop("LINK_TOKEN_SECRET")


def test_qr_png_decodes_to_the_households_link(client, db, clock):
    opened = open_round_with_links(client, clock)
    link = opened.links["1-1-102"]
    response = client.get(f"/api/v1/rounds/{opened.round_id}/households/{link['household_id']}/qr.png",
                          headers=opened.headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))] == [link["url"]]
    missing = client.get(f"/api/v1/rounds/{opened.round_id}/households/9999/qr.png", headers=opened.headers)
    assert missing.status_code == 404


def pdftotext(data: bytes, tmp_path) -> str:
    tool = needs_tool("pdftotext")
    path = tmp_path / "slips.pdf"
    path.write_bytes(data)
    return subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_slips_pdf_for_the_round_and_for_one_building(client, db, clock, tmp_path):
    opened = open_round_with_links(client, clock)
    response = client.get(f"/api/v1/rounds/{opened.round_id}/slips.pdf", headers=opened.headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data, tmp_path)
    assert text.count("和睦新村\n") == 5 and "1-1-101" in text and "2-102" in text
    assert "第一次征询：改造意愿" in text and "表决截止：2026-09-08 09:00" in text
    assert text.replace("\n", "").count("您是否同意和睦新村实施老旧小区综合改造？") == 5
    # No community contact set: no number at all, and no placeholder for one.
    assert "0571" not in text and "热线" not in text and "社区电话" not in text
    one = pdftotext(client.get(f"/api/v1/rounds/{opened.round_id}/slips.pdf?building=1",
                               headers=opened.headers).data, tmp_path)
    assert "1-2-201" in one and "2-101" not in one


def test_the_slips_carry_the_communitys_own_hotline_and_office_and_no_placeholder(client, db, clock, tmp_path):
    opened = open_round_with_links(client, clock)
    set_community_contact(opened.estate_id, hotline="0571-88886666", office="和睦路88号社区服务中心")
    text = pdftotext(client.get(f"/api/v1/rounds/{opened.round_id}/slips.pdf", headers=opened.headers).data,
                     tmp_path).replace("\n", "")
    assert text.count("社区电话：0571-88886666") == 5 and text.count("社区办公地点：和睦路88号社区服务中心") == 5
    assert "0571-12345" not in text
    set_community_contact(opened.estate_id, hotline="0571-88886666")  # the office cleared: only the hotline
    text = pdftotext(client.get(f"/api/v1/rounds/{opened.round_id}/slips.pdf", headers=opened.headers).data,
                     tmp_path)
    assert "社区电话：0571-88886666" in text and "办公地点" not in text


def test_staff_pages_issue_reissue_and_print(client, db, clock, tmp_path):
    estate_id, headers = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock)
    client.post(f"/api/v1/rounds/{round_id}/open", headers=headers)
    page_login(client, "sq")
    page = f"/rounds/{round_id}"
    token = csrf_token(client, page)
    html = client.get(page).get_data(as_text=True)
    assert "已生成 0 / 5 户的表决链接" in html and "生成全部表决链接" in html
    assert client.post(f"{page}/links/issue", data={}).status_code == 400  # CSRF
    issued = client.post(f"{page}/links/issue", data={"csrf_token": token})
    assert issued.status_code == 303
    html = client.get(page).get_data(as_text=True)
    # The round page shows which households have a link, never the link: that is a QR or slips, audited.
    assert "已生成 5 户的表决链接" in html and "已生成 5 / 5 户" in html and "http://vote.test/v/" not in html
    no_reason = client.post(f"{page}/links/reissue", data={"csrf_token": token, "household_id": "3", "reason": ""})
    assert no_reason.status_code == 422 and "请填写重新发放的原因" in no_reason.get_data(as_text=True)
    before = fetch_links(client, round_id, headers)["1-2-201"]["url"]
    done = client.post(f"{page}/links/reissue", data={"csrf_token": token, "household_id": "3", "reason": "遗失"})
    assert done.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "已提交重新发放申请" in html and "须由另一位工作人员确认" in html and "确认重新发放" not in html
    request_id = db.session.scalar(select(LinkReissueRequest.id))
    confirm = f"{page}/reissues/{request_id}/confirm"
    own = client.post(confirm, data={"csrf_token": token})
    assert own.status_code == 409 and "申请人不能确认" in own.get_data(as_text=True)
    assert fetch_links(client, round_id, headers)["1-2-201"]["url"] == before
    second_worker(client)
    page_login(client, "sq-checker")
    token = csrf_token(client, page)
    assert "核实无误，确认重新发放" in client.get(page).get_data(as_text=True)
    assert client.post(confirm, data={"csrf_token": token}).status_code == 303
    assert "已重新发放 1-2-201 的表决链接" in client.get(page).get_data(as_text=True)
    assert fetch_links(client, round_id, headers)["1-2-201"]["url"] != before
    slips = client.get(f"{page}/slips.pdf?building=2")
    assert slips.status_code == 200 and "2-101" in pdftotext(slips.data, tmp_path)
    png = client.get(f"{page}/households/3/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"


def test_staff_pages_answer_404_outside_the_jurisdiction(client, db, clock):
    opened = open_round_with_links(client, clock)
    make_estate(name="西湖小区", street="西湖街道", community="西湖社区")
    make_user("community", "西湖街道", "西湖社区", username="xh")
    page_login(client, "xh")
    token = csrf_token(client, "/login")
    base = f"/rounds/{opened.round_id}"
    assert client.get(f"{base}/slips.pdf").status_code == 404
    assert client.get(f"{base}/households/1/qr.png").status_code == 404
    assert client.post(f"{base}/links/issue", data={"csrf_token": token}).status_code == 404
    assert client.post(f"{base}/links/reissue", data={"csrf_token": token, "household_id": "1",
                                                      "reason": "x"}).status_code == 404
