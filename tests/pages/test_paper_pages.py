"""Staff pages: a worker enters a paper ballot with its photo, a colleague confirms it; the progress page."""
import io
import re

import pytest
from sqlalchemy import select

from tests.factories import csrf_token, make_estate, make_user, page_login
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps
from voting.models.ballots import Ballot, PaperEntry
from voting.models.rounds import RollEntry


@pytest.fixture
def two_workers(app, client, db, clock):
    """An open round; `client` logged in as sq (who enters), a second browser as sq2 (who confirms)."""
    estate_id, headers = estate_with_roster(client)
    make_user("community", "和睦街道", "和睦社区", username="sq2")
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    units = {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}
    colleague = page_login(app.test_client(), "sq2")
    return round_id, units, page_login(client, "sq"), colleague


def enter_form(client, round_id, household_id, token, scan=True, kind="paper"):
    data = {"csrf_token": token, "household_id": str(household_id), "choice": "agree", "kind": kind}
    if scan:
        data["scan"] = (io.BytesIO(jpeg_with_gps()), "ballot.jpg")
    return client.post(f"/rounds/{round_id}/paper", data=data, content_type="multipart/form-data")


def test_one_worker_enters_and_only_another_can_confirm(client, db, two_workers):
    round_id, units, me, colleague = two_workers
    page = me.get(f"/rounds/{round_id}/paper")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert 'enctype="multipart/form-data"' in html and '<optgroup label="1幢">' in html and "1-2-201　李四" in html
    token = csrf_token(me, f"/rounds/{round_id}/paper")

    assert me.post(f"/rounds/{round_id}/paper", data={"household_id": str(units["1-2-201"])}).status_code == 400
    missing = enter_form(me, round_id, units["1-2-201"], token, scan=False)
    assert missing.status_code == 422 and "请上传业主签字的表决票照片" in missing.get_data(as_text=True)
    proxy = enter_form(me, round_id, units["1-2-201"], token, kind="proxy")
    assert proxy.status_code == 422 and "授权委托书" in proxy.get_data(as_text=True)
    assert enter_form(me, round_id, units["1-2-201"], token).status_code == 302
    entry_id = db.session.scalar(select(PaperEntry.id))
    mine = me.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert "请另一位工作人员核对原件后确认" in mine and "您录入的，须由其他工作人员核对确认" in mine
    assert f"/paper-ballots/{entry_id}/confirm" not in mine  # no button for the one who entered it

    theirs = colleague.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert f"/paper-ballots/{entry_id}/confirm" in theirs
    thumbnail = re.search(r'<img src="([^"]+thumbnail=1)"', theirs).group(1)
    photo = colleague.get(thumbnail.replace("&amp;", "&"))
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and "no-store" in photo.headers["Cache-Control"]

    refused = me.post(f"/paper-ballots/{entry_id}/confirm", data={"csrf_token": token})
    assert refused.status_code == 409 and "录入人不能确认" in refused.get_data(as_text=True)
    their_token = csrf_token(colleague, f"/rounds/{round_id}/paper")
    assert colleague.post(f"/paper-ballots/{entry_id}/confirm", data={"csrf_token": their_token}).status_code == 302
    assert db.session.scalar(select(Ballot.channel).where(Ballot.paper_entry_id == entry_id)) == "paper"
    done = colleague.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert "已确认，计入" in done and "第 1 号：已确认，计入" in done


def test_a_colleague_sends_an_entry_back_with_a_reason(client, db, two_workers):
    round_id, units, me, colleague = two_workers
    token = csrf_token(me, f"/rounds/{round_id}/paper")
    enter_form(me, round_id, units["1-1-101"], token)
    entry_id = db.session.scalar(select(PaperEntry.id))
    their_token = csrf_token(colleague, f"/rounds/{round_id}/paper")
    empty = colleague.post(f"/paper-ballots/{entry_id}/reject", data={"csrf_token": their_token, "reason": " "})
    assert empty.status_code == 422 and "请填写退回原因" in empty.get_data(as_text=True)
    assert colleague.post(f"/paper-ballots/{entry_id}/reject",
                          data={"csrf_token": their_token, "reason": "照片看不清签字"}).status_code == 302
    html = me.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert "已退回" in html and "照片看不清签字" in html
    assert db.session.scalars(select(Ballot)).all() == []


def test_the_round_page_shows_the_gap_and_pending_paper_ballots(client, db, two_workers):
    round_id, units, me, colleague = two_workers
    enter_form(me, round_id, units["1-1-101"], csrf_token(me, f"/rounds/{round_id}/paper"))
    html = colleague.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "表决进度" in html and "至少还需这么多位业主表示同意" in html
    assert f"/rounds/{round_id}/progress" in html
    assert "待确认 1 张" in html and "其中 1 张可由您确认" in html
    assert "其中" not in me.get(f"/rounds/{round_id}").get_data(as_text=True).split("待确认 1 张")[1][:10]


def test_the_progress_page_lists_who_to_visit_by_building(client, db, two_workers):
    round_id, units, me, _ = two_workers
    page = me.get(f"/rounds/{round_id}/progress")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "还需 2 位" in html and "还差 263.84 ㎡" in html  # 2 of 3 heads; 2/3 × 395.75 = 263.833… → 263.84
    assert "同意的专有部分面积占总专有部分面积" in html and "同意的人数占总人数" in html
    assert "张三明" in html and 'href="tel:13812341234"' in html  # full phone for the estate's own worker
    assert "1幢：未表决 3 户 / 共 3 户" in html and "2幢：未表决 2 户 / 共 2 户" in html
    one = me.get(f"/rounds/{round_id}/progress?building=2").get_data(as_text=True)
    assert "2幢：未表决" in one and "1幢：未表决" not in one


def test_pages_outside_the_jurisdiction_are_404(app, client, db, two_workers):
    round_id, units, me, _ = two_workers
    enter_form(me, round_id, units["1-1-101"], csrf_token(me, f"/rounds/{round_id}/paper"))
    entry_id = db.session.scalar(select(PaperEntry.id))
    make_estate("其他小区", "米市巷街道", "其他社区")
    make_user("community", "米市巷街道", "其他社区", username="outsider")
    outsider = page_login(app.test_client(), "outsider")
    for url in (f"/rounds/{round_id}/paper", f"/rounds/{round_id}/progress", f"/paper-ballots/{entry_id}/files/1"):
        assert outsider.get(url).status_code == 404, url
    token = csrf_token(outsider, "/estates")
    assert outsider.post(f"/paper-ballots/{entry_id}/confirm", data={"csrf_token": token}).status_code == 404
    assert app.test_client().get(f"/rounds/{round_id}/paper").status_code == 302  # to the login page


def test_the_form_takes_the_signed_time_in_beijing_time_keeps_it_on_a_refusal_and_shows_it_to_the_confirmer(
        client, db, clock, two_workers):
    from datetime import timedelta

    from tests.rounds_helpers import T0

    round_id, units, me, colleague = two_workers
    clock.advance(days=1)
    html = me.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert 'type="datetime-local" name="signed_at"' in html and 'min="2026-09-01T09:00"' in html
    token = csrf_token(me, f"/rounds/{round_id}/paper")

    def post(signed_at, scan=True):
        data = {"csrf_token": token, "household_id": str(units["1-2-201"]), "choice": "disagree", "kind": "paper",
                "signed_at": signed_at}
        if scan:
            data["scan"] = (io.BytesIO(jpeg_with_gps()), "ballot.jpg")
        return me.post(f"/rounds/{round_id}/paper", data=data, content_type="multipart/form-data")

    early = post("2026-08-31T20:00")
    assert early.status_code == 422 and "不在本轮表决期间" in early.get_data(as_text=True)
    assert 'value="2026-08-31T20:00"' in early.get_data(as_text=True)  # the typed time is kept
    garbled = post("昨天")
    assert garbled.status_code == 422 and "签署时间格式不正确" in garbled.get_data(as_text=True)
    assert post("2026-09-01T17:45").status_code == 302
    entry = db.session.scalar(select(PaperEntry))
    assert entry.signed_at == T0 + timedelta(hours=8, minutes=45)  # 17:45 in Beijing, stored as UTC
    theirs = colleague.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert "2026-09-01 17:45" in theirs and "请与照片上的日期时间核对" in theirs and "已核对原件和签署时间，确认" in theirs

    clock.now = T0 + timedelta(days=7, hours=2)  # closed, in the paper grace period
    grace = me.get(f"/rounds/{round_id}/paper").get_data(as_text=True)
    assert "纸质票补录期至 2026-09-09 24:00" in grace and 'name="signed_at" value="" min=' in grace
    assert re.search(r'name="signed_at"[^>]*required', grace)
    round_page = me.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "暂定（纸质票补录期至 2026-09-09 24:00）" in round_page
