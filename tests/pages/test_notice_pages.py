"""Staff forms on the round page: publish a notice, attach a site photo, correct it."""
import io
from datetime import datetime, timezone

import pytest
from PIL import Image

from tests.factories import csrf_token, page_login
from tests.rounds_helpers import Clock, create_proposal, create_round, estate_with_roster


@pytest.fixture
def clock(app):
    clock = Clock(datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc))  # 2026-09-29 10:00 in Hangzhou
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    return buffer.getvalue()


def test_worker_publishes_attaches_and_corrects_a_notice(client, db, clock):
    estate_id, h = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock, stage=1)
    page_login(client, "sq")
    url = f"/rounds/{round_id}"
    token = csrf_token(client, url)
    backdated = client.post(f"{url}/notices", data={"csrf_token": token, "kind": "plan", "title": "方案公示",
                                                    "body": "初步方案", "starts_on": "2026-09-28", "working_days": "5"})
    assert backdated.status_code == 422 and "不能倒签" in backdated.get_data(as_text=True)
    too_short = client.post(f"{url}/notices", data={"csrf_token": token, "kind": "plan", "title": "方案公示",
                                                    "body": "初步方案", "starts_on": "2026-09-30", "working_days": "4"})
    assert too_short.status_code == 422 and "不得少于 5 个工作日" in too_short.get_data(as_text=True)
    published = client.post(f"{url}/notices", data={"csrf_token": token, "kind": "plan", "title": "初步方案公示",
                                                     "body": "初步方案", "starts_on": "2026-09-30", "working_days": "5"})
    assert published.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "公示期：2026-09-30 起 5 个工作日，至 2026-10-13 止" in html and "即将公示" in html
    notice_id = int(html.split("/board/notices/")[1].split("\"")[0])
    photo = client.post(f"/notices/{notice_id}/attach", data={
        "csrf_token": token, "purpose": "site_photo", "file": (io.BytesIO(_jpeg()), "photo.jpg")},
        content_type="multipart/form-data")
    assert photo.status_code == 302
    fake = client.post(f"/notices/{notice_id}/attach", data={
        "csrf_token": token, "purpose": "site_photo", "file": (io.BytesIO(b"<?php system($_GET[1]); ?>"), "x.jpg")},
        content_type="multipart/form-data")
    assert 400 <= fake.status_code < 500
    corrected = client.post(f"/notices/{notice_id}/correct", data={
        "csrf_token": token, "kind": "plan", "title": "初步方案公示（更正）", "body": "更正后的方案",
        "starts_on": "2026-10-08", "working_days": "5"})
    assert corrected.status_code == 302
    html = client.get(url).get_data(as_text=True)
    # 10-09 (Fri), 10-10 (make-up Saturday), 10-12, 10-13, 10-14.
    assert "第 2 版，更正" in html and "至 2026-10-14 止" in html
    again = client.post(f"/notices/{notice_id}/correct", data={
        "csrf_token": token, "kind": "plan", "title": "再更正", "body": "x", "starts_on": "2026-10-08",
        "working_days": "5"})
    assert again.status_code == 409


def test_the_notice_form_is_checked_by_the_apis_own_schema(client, db, clock):
    """The page's form and POST /api/v1/rounds/{id}/notices refuse the same input with the same words."""
    estate_id, h = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock, stage=1)
    bad = {"kind": "plan", "title": "公" * 201, "body": "初步方案", "starts_on": "2026-09-30", "working_days": "五"}
    api = client.post(f"/api/v1/rounds/{round_id}/notices", json=dict(bad, working_days=5, starts_on="9/30"), headers=h)
    page_login(client, "sq")
    token = csrf_token(client, f"/rounds/{round_id}")
    page = client.post(f"/rounds/{round_id}/notices", data=dict(bad, csrf_token=token))
    text = page.get_data(as_text=True)
    assert api.status_code == 422 and page.status_code == 422
    assert api.get_json()["errors"]["json"]["title"] == ["标题应为 1—200 字"]
    assert "标题应为 1—200 字" in text and "工作日天数必须是整数" in text
    assert "日期格式应为 YYYY-MM-DD" in str(api.get_json()["errors"])
