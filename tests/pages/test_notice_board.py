"""The public notice board, the district's calendar form, and the estate's progress page."""
import hashlib
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.api.test_notices_api import NOON_0930, NOTICE
from tests.factories import board_path, csrf_token, make_user, page_login
from tests.rounds_helpers import Clock, create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps, pdf
from voting.attachments.images import pdf_document
from voting.models.attachments import Attachment

PERIOD = "公示期：2026-09-30 起 5 个工作日，至 2026-10-13 止"


@pytest.fixture
def clock(app):
    clock = Clock(NOON_0930)
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)


@pytest.fixture
def published(client, db, clock):
    """A round notice with a photo and a PDF, published on 2026-09-30 by the worker "sq"."""
    estate_id, h = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock, stage=1)
    notice = client.post(f"/api/v1/rounds/{round_id}/notices", json=NOTICE, headers=h).get_json()
    for data, name in ((jpeg_with_gps(), "楼道现状.jpg"), (pdf(), "方案全文.pdf")):
        response = client.post(f"/api/v1/notices/{notice['id']}/attachments", headers=h,
                               data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 201
    return {"estate": estate_id, "notice": notice, "h": h}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def at(clock, day: str):
    clock.now = datetime.fromisoformat(f"{day}T01:00:00+00:00")


def test_notice_page_is_public_with_period_remaining_days_and_thumbnails(client, published, clock):
    response = client.get(f"/board/notices/{published['notice']['id']}")
    assert response.status_code == 200
    page = text_of(response)
    assert PERIOD in page and "还剩 5 个工作日" in page and NOTICE["title"] in page
    html = response.get_data(as_text=True)
    assert "方案全文见附件。\n意见请交社区。" in html  # the body keeps its lines
    assert re.search(r'<img src="/notices/\d+/attachments/\d+/thumbnail"', html)
    assert "下载：方案全文.pdf" in page
    assert 'href="/static/board.css' in html and "http" not in html.split("<body")[0].replace('lang="zh-CN"', "")
    assert "sq" not in page  # no staff names on the public board


@pytest.mark.parametrize("day,line", [
    ("2026-10-01", "还剩 5 个工作日"),  # a holiday: no working day of the period is over yet
    ("2026-10-10", "还剩 3 个工作日"),  # the make-up Saturday itself, then 10-12 and 10-13
    ("2026-10-13", "还剩 1 个工作日"),  # the last day runs until 24:00
    ("2026-10-14", "公示期已结束"),
])
def test_remaining_working_days_follow_the_calendar(client, published, clock, day, line):
    at(clock, day)
    assert line in text_of(client.get(f"/board/notices/{published['notice']['id']}"))


def test_estate_board_lists_current_upcoming_and_past_notices(client, published, clock):
    h = published["h"]
    round_id = published["notice"]["round_id"]
    later = client.post(f"/api/v1/rounds/{round_id}/notices", headers=h,
                        json=dict(NOTICE, title="第三次征询结果公告", starts_on="2026-10-20", kind="result")).get_json()
    board = board_path(published['estate'])
    page = text_of(client.get(board))
    assert "正在公示" in page and PERIOD in page and "还剩 5 个工作日" in page
    assert "即将公示" in page and "第三次征询结果公告" in page
    at(clock, "2026-10-15")
    page = text_of(client.get(board))
    assert page.index("往期公示") < page.index(NOTICE["title"]) and "公示期已结束" in page
    assert "目前没有正在公示的内容" in page and later["title"] in page
    assert client.get("/board/estates/999").status_code == 404


def test_corrections_show_every_version_linked_both_ways(client, published, clock):
    first = published["notice"]
    at(clock, "2026-10-09")
    second = client.post(f"/api/v1/notices/{first['id']}/corrections", headers=published["h"],
                         json=dict(NOTICE, title="方案公示（更正）", starts_on="2026-10-09")).get_json()
    old = text_of(client.get(f"/board/notices/{first['id']}"))
    assert "本公示已被更正" in old and "第2版" in old and "（已被更正）" in old and PERIOD in old
    new = text_of(client.get(f"/board/notices/{second['id']}"))
    assert "第2版（本页）" in new and "第1版" in new and "本公示已被更正" not in new
    assert "公示期：2026-10-09 起 5 个工作日，至 2026-10-15 止" in new
    board = text_of(client.get(board_path(published['estate'])))
    assert "方案公示（更正）" in board and board.count("第2版（更正）") == 1 and NOTICE["title"] not in board


def test_attachments_are_public_but_only_under_their_own_notice(client, published):
    html = client.get(f"/board/notices/{published['notice']['id']}").get_data(as_text=True)
    src = re.search(r'<img src="(/notices/(\d+)/attachments/(\d+))/thumbnail"', html)
    assert client.get(src.group(1)).headers["X-Content-Type-Options"] == "nosniff"
    wrong = f"/notices/{int(src.group(2)) + 1}/attachments/{src.group(3)}"
    assert client.get(wrong).status_code == 404
    assert client.get("/board/notices/999").status_code == 404


def test_estate_page_links_to_board_and_progress_with_milestones(client, db, clock):
    estate_id, _ = estate_with_roster(client)
    page_login(client, "sq")
    detail = client.get(f"/estates/{estate_id}").get_data(as_text=True)
    assert f'href="{board_path(estate_id)}"' in detail and f'href="/estates/{estate_id}/progress"' in detail
    assert 'href="/calendar"' not in detail  # the calendar is the district's
    token = csrf_token(client, f"/estates/{estate_id}/progress")
    created = client.post(f"/estates/{estate_id}/milestones", data={
        "csrf_token": token, "step": "application", "on_date": "2026-08-20", "note": "已报区住建局"})
    assert created.status_code == 302
    assert "申报：2026-08-20" in text_of(client.get(f"/estates/{estate_id}"))
    refused = client.post(f"/estates/{estate_id}/milestones", data={"csrf_token": token, "step": "x", "on_date": ""})
    assert refused.status_code == 422 and "工程节点只能是" in text_of(refused)


def test_milestone_documents_upload_on_the_progress_page(client, db, clock):
    estate_id, h = estate_with_roster(client)
    milestone = client.post(f"/api/v1/estates/{estate_id}/milestones", headers=h,
                            json={"step": "acceptance", "planned_on": "2027-03-01"}).get_json()
    page_login(client, "sq")
    token = csrf_token(client, f"/estates/{estate_id}/progress")
    url = f"/estates/{estate_id}/milestones/{milestone['id']}/attachments"
    bad = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(b"<?php ?>"), "x.jpg")},
                      content_type="multipart/form-data")
    assert bad.status_code == 415 and "不支持的文件类型" in text_of(bad)
    ok = client.post(url, data={"csrf_token": token, "purpose": "site_photo",
                                "file": (io.BytesIO(jpeg_with_gps()), "验收.jpg")}, content_type="multipart/form-data")
    assert ok.status_code == 302
    page = client.get(f"/estates/{estate_id}/progress").get_data(as_text=True)
    link = re.search(rf'href="({url}/\d+)"', page).group(1)
    served = client.get(link)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    make_user("community", "大关街道", "西一社区", username="far")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/estates")})
    page_login(client, "far")
    assert client.get(link).status_code == 404 and client.get(f"/estates/{estate_id}/progress").status_code == 404


def test_the_board_serves_the_pdf_as_qpdf_resaved_it(client, db, published):
    stored = db.session.scalar(select(Attachment).where(Attachment.content_type == "application/pdf"))
    served = client.get(f"/notices/{published['notice']['id']}/attachments/{stored.id}")
    assert served.status_code == 200 and served.data == pdf_document(pdf()) != pdf()
    assert stored.sha256 == hashlib.sha256(served.data).hexdigest()  # the audit chain's hash is of what is served
