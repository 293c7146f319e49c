"""The public notice board in a real headless browser, at a small phone's size."""
import io
from datetime import datetime

import pytest

from tests.api.test_notices_api import NOON_0930, NOTICE
from tests.browser.conftest import off_host
from tests.rounds_helpers import Clock, create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps, pdf

pytestmark = pytest.mark.browser


@pytest.fixture
def clock(app):
    clock = Clock(NOON_0930)
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)


@pytest.fixture
def notice(client, db, clock):
    estate_id, h = estate_with_roster(client)
    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock, stage=1)
    body = dict(NOTICE, body="和睦新村综合改造方案（第二次征询）现予公示。\n" + "屋面防水、雨污分流、楼道照明、加装电梯意愿调查。" * 6)
    notice = client.post(f"/api/v1/rounds/{round_id}/notices", json=body, headers=h).get_json()
    for data, name in ((jpeg_with_gps((1600, 1200)), "楼道现状.jpg"), (pdf(), "方案全文.pdf")):
        response = client.post(f"/api/v1/notices/{notice['id']}/attachments", headers=h,
                               data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
        assert response.status_code == 201
    return notice


def test_notice_page_reads_well_on_a_phone_and_loads_nothing_external(
        live_server, mobile_page, requested_urls, notice, artifacts_dir):
    page = mobile_page
    page.goto(f"{live_server}/board/notices/{notice['id']}")
    assert page.locator(".period").inner_text() == "公示期：2026-09-30 起 5 个工作日，至 2026-10-13 止"
    assert page.locator(".status").inner_text() == "还剩 5 个工作日"
    # The thumbnail really loaded (served by the app, 320 px wide).
    page.wait_for_function("() => { const i = document.querySelector('.attachments img');"
                           " return i && i.complete && i.naturalWidth > 0; }")
    assert page.eval_on_selector(".attachments img", "img => img.naturalWidth") == 320
    # Large type, and nothing wider than the screen (no sideways scrolling for elderly readers).
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "board-notice-360x640.png"))

    page.click("header.board-top a")
    page.wait_for_url(f"{live_server}/board/estates/*")
    assert "正在公示" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "board-estate-360x640.png"))

    assert any("/attachments/" in u for u in requested_urls) and any("/static/board.css" in u for u in requested_urls)
    assert off_host(requested_urls) == []


def test_ended_notice_says_so(live_server, mobile_page, requested_urls, notice, clock):
    clock.now = datetime.fromisoformat("2026-10-14T01:00:00+00:00")
    mobile_page.goto(f"{live_server}/board/notices/{notice['id']}")
    assert mobile_page.locator(".status").inner_text() == "公示期已结束"
    assert off_host(requested_urls) == []
