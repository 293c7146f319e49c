"""Developer-held flats and their buyers (issue 18 item 5; SPC interpretation Art. 9).

The developer's unsold and sold-but-undelivered flats are one voter, the developer. Its link (an
unsold flat's) covers all its flats and votes once; the link of an undelivered flat is the buyer's
slip: it explains, in Chinese, that the developer votes for the flat until delivery, cannot vote,
and never shows the developer's ballot. Reminders go to the developer's phone, never the buyer's.
"""
import io
import re
import subprocess

import pytest
from sqlalchemy import func, select

from tests.ballots_helpers import open_round_with_links, page_csrf, second_worker
from tests.factories import roster_csv
from tests.full_dataset import jpeg_bytes
from tests.unit.test_qr_slips import needs_tool
from voting.models.ballots import Ballot
from voting.models.sms import OutboxMessage
from voting.sms.ballot_confirmations import queue_confirmations

DEVELOPER_PHONE, BUYER_PHONE = "13900009999", "13700007777"
# The developer's own rows (开发商未售) carry its name and contact; the undelivered row carries the buyer.
DEVELOPER_ROSTER = roster_csv([
    "1,1,101,80.00,register,K001,张三明,13812341234,owned",
    "2,,101,90.00,survey,DEV,某某置业有限公司,13900009999,developer_unsold",
    "2,,102,85.00,survey,,,,developer_unsold",
    "2,,201,95.00,contract,K009,王买房,13700007777,developer_undelivered",
])
LAW = "《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第九条"


@pytest.fixture
def opened(client, clock):
    return open_round_with_links(client, clock, roster=DEVELOPER_ROSTER)


def view(client, link):
    response = client.get(f"/api/v1/links/{link['token']}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def vote(client, link, choice="agree"):
    return client.post("/api/v1/ballots", json={"token": link["token"], "choice": choice})


def tally(client, opened):
    return client.get(f"/api/v1/rounds/{opened.round_id}/tally", headers=opened.headers).get_json()


def text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def test_the_developers_link_covers_all_its_flats_and_counts_once(client, db, opened):
    developer = view(client, opened.links["2-101"])
    assert developer["developer"] == {
        "units": 3, "unsold": 2, "undelivered": 1, "units_zh": "开发商名下 3 套（未售 2 套，已售未交付 1 套）",
        "basis_zh": developer["developer"]["basis_zh"]}
    assert "第九条" in developer["developer"]["basis_zh"] and developer["undelivered"] is None
    assert developer["household"]["owner"] == "开发建设单位" and developer["voting_open"] is True
    assert developer["household"]["units"] == ["2-101", "2-102", "2-201"]
    assert view(client, opened.links["2-102"])["developer"]["units"] == 3  # any unsold flat's link is the developer's
    assert view(client, opened.links["1-1-101"])["developer"] is None

    assert vote(client, opened.links["2-101"], "agree").status_code == 201
    counted = tally(client, opened)
    # One person for three flats (SPC interpretation Art. 9), all 270 m² of them.
    assert counted["agree"]["heads"] == 1 and counted["agree"]["area"] == "270.00"
    assert counted["total"]["heads"] == 2
    assert view(client, opened.links["2-102"])["ballot"]["choice"] == "agree"  # the developer sees its own vote


def test_the_buyer_of_an_undelivered_flat_is_told_why_and_cannot_vote(client, db, opened):
    buyer = view(client, opened.links["2-201"])
    explanation = buyer["undelivered"]["explanation_zh"]
    assert LAW in explanation and "交付前由开发建设单位参加表决" in explanation and "您暂不能通过此链接表决" in explanation
    assert buyer["voting_open"] is False and buyer["developer"] is None
    assert buyer["household"]["units"] == ["2-201"] and buyer["household"]["owner"] == "开发建设单位"
    assert buyer["cost"] is None or buyer["cost"]["area"] == "95.00"  # her flat, not the developer's 270 m²

    refused = vote(client, opened.links["2-201"], "disagree")
    assert refused.status_code == 403 and refused.get_json()["message"] == explanation
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_the_buyer_never_sees_the_developers_ballot_as_her_own(client, db, opened):
    receipt = vote(client, opened.links["2-101"], "disagree").get_json()["receipt"]
    buyer = view(client, opened.links["2-201"])
    assert buyer["ballot"] is None and buyer["ballots_cast"] == 0
    page = client.get(opened.links["2-201"]["path"])
    body = text(page)
    assert page.status_code == 200 and "该房屋尚未交付" in body and LAW in body
    assert "您已于" not in body and "当前的有效选择" not in body and receipt not in body
    assert 'name="choice"' not in page.get_data(as_text=True) and "下一步" not in body
    assert "您名下全部" not in body
    # The developer's receipt is not the buyer's to read through her link.
    assert client.get(opened.links["2-201"]["path"] + f"/receipts/{receipt}").status_code == 404


def test_the_buyers_page_refuses_a_posted_vote_in_chinese(client, db, opened):
    link = opened.links["2-201"]
    csrf = page_csrf(client.get(opened.links["1-1-101"]["path"]).get_data(as_text=True))
    for step in ("/confirm", "/vote"):
        refused = client.post(link["path"] + step, data={"csrf_token": csrf, "choice": "agree"})
        assert refused.status_code == 403 and "该房屋尚未交付" in text(refused), step
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_the_developers_page_names_the_developer_and_its_flats(client, db, opened):
    body = text(client.get(opened.links["2-101"]["path"]))
    assert "表决人：开发建设单位" in body and "开发商名下 3 套（未售 2 套，已售未交付 1 套）" in body
    assert "2-201" in body and "第九条" in body and "下一步" in body
    assert "某某置业" not in body  # no name in clear on a link page


def test_reminders_go_to_the_developers_phone_never_the_buyers(client, db, opened):
    report = client.post(f"/api/v1/rounds/{opened.round_id}/sms/reminders", headers=opened.headers, json={})
    assert report.status_code == 202, report.get_json()
    assert report.get_json()["undelivered"] == 1
    phones = [m.to_phone for m in db.session.scalars(select(OutboxMessage))]
    assert phones.count("+86" + DEVELOPER_PHONE) == 1 and "+86" + BUYER_PHONE not in phones
    assert "+8613812341234" in phones


def test_slips_name_the_developer_and_tell_the_buyer_why(client, db, opened, tmp_path):
    slips = client.get(f"/api/v1/rounds/{opened.round_id}/slips.pdf", headers=opened.headers)
    assert slips.status_code == 200
    path = tmp_path / "slips.pdf"
    path.write_bytes(slips.data)
    pdf = subprocess.run([needs_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                         check=True).stdout.replace("\n", "")
    assert pdf.count("表决人：开发建设单位") == 3
    assert "开发商名下全部3套房屋" in pdf and "本房屋尚未交付" in pdf and "购房人不能扫码表决" in pdf
    assert pdf.count("请用手机扫码参加表决") == 1  # the one owned flat keeps the usual line


def test_a_paper_ballot_for_an_undelivered_flat_is_confirmed_to_the_developer_not_the_buyer(app, client, db, opened,
                                                                                          clock):
    # The developer signed a paper ballot and the worker entered it against the undelivered flat.
    household = opened.links["2-201"]["household_id"]
    entry = client.post(f"/api/v1/rounds/{opened.round_id}/paper-ballots", headers=opened.headers,
                        content_type="multipart/form-data",
                        data={"household_id": str(household), "choice": "agree", "kind": "paper",
                              "scan": (io.BytesIO(jpeg_bytes()), "scan.jpg")}).get_json()
    confirmed = client.post(f"/api/v1/paper-ballots/{entry['id']}/confirm", headers=second_worker(client))
    assert confirmed.status_code == 200, confirmed.get_json()
    clock.advance(minutes=10)
    assert queue_confirmations(clock.now) == 1
    db.session.commit()
    texts = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirmation")))
    assert [t.to_phone for t in texts] == ["+86" + DEVELOPER_PHONE]
    assert tally(client, opened)["agree"]["heads"] == 1  # the developer, once
    assert view(client, opened.links["2-201"])["ballot"] is None  # still nothing of it on the buyer's link
