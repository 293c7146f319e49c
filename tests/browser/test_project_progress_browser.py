"""Issue 17 item 5 in a browser: a community worker records the project's steps (planned and actual
dates) on the progress page and publishes a site photo; the public board and a household's link show
the steps done, the next step and the photo, and load nothing from another host."""
import pytest

from tests.ballots_helpers import fetch_links
from tests.browser.conftest import off_host
from tests.factories import PASSWORD
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps

pytestmark = pytest.mark.browser

NOTICE = {"title": "改造方案公示", "body": "方案全文见附件", "starts_on": "2026-09-01", "working_days": 5}


def test_staff_record_steps_and_publish_a_photo_and_residents_see_the_progress(
        live_server, browser, mobile_page, requested_urls, artifacts_dir, client, db, clock, tmp_path):
    estate_id, headers = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, headers)
    assert client.post(f"/api/v1/proposals/{proposal_id}/notices", headers=headers, json=NOTICE).status_code == 201
    round_id = create_round(client, proposal_id, headers, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    link = fetch_links(client, round_id, headers)["1-1-101"]

    # The community worker, on the progress page.
    page = mobile_page
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("sq")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server}/estates")
    page.goto(f"{live_server}/estates/{estate_id}/progress")
    record = page.locator("form").filter(has=page.get_by_role("button", name="记录"))
    record.get_by_label("节点").select_option("application")
    record.get_by_label("计划日期").fill("2026-08-25")
    record.get_by_label("实际完成日期", exact=False).fill("2026-08-20")
    record.get_by_role("button", name="记录").click()
    assert "已记录工程节点：申报（计划 2026-08-25，实际完成 2026-08-20）" in page.locator("main").inner_text()
    record = page.locator("form").filter(has=page.get_by_role("button", name="记录"))
    record.get_by_label("节点").select_option("design")
    record.get_by_label("计划日期").fill("2026-10-01")
    record.get_by_role("button", name="记录").click()

    photo = tmp_path / "施工前.jpg"
    photo.write_bytes(jpeg_with_gps())
    card = page.locator("section.card").filter(has_text="申报：")
    card.locator("input[type=file]").set_input_files(str(photo))
    card.get_by_label("用途").select_option("site_photo")
    card.get_by_role("button", name="上传").click()
    card = page.locator("section.card").filter(has_text="申报：")
    card.get_by_label("说明").fill("申报前的楼道现状")
    card.get_by_role("button", name="公开到公示栏").click()
    assert "已公开照片" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts_dir / "project-progress-staff.png"), full_page=True)

    # A resident: the public board, then the household's own link (no staff session).
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.on("request", lambda request: requested_urls.append(request.url))
    resident = context.new_page()
    resident.set_default_timeout(10_000)
    try:
        resident.goto(f"{live_server}/estates/{estate_id}/progress")  # staff page: the resident is sent to log in
        assert "/login" in resident.url
        board_url = page.get_attribute("a.button[href^='/board/estates/']", "href")
        for url, name in ((live_server + board_url, "board"), (live_server + link["path"], "link")):
            response = resident.goto(url)
            assert response.status == 200
            progress = resident.locator("section.project-progress")
            text = progress.inner_text()
            assert "改造工程进度" in text and "下一步：设计委托，计划 2026-10-01" in text
            assert "申报：已完成（2026-08-20）" in text and "设计委托：未完成，计划 2026-10-01" in text
            image = progress.locator("img")
            assert image.get_attribute("alt") == "申报现场照片：申报前的楼道现状"
            image.scroll_into_view_if_needed()
            assert resident.evaluate("(img) => img.complete && img.naturalWidth > 0", image.element_handle())
            assert "申报前的楼道现状" in text
            resident.screenshot(path=str(artifacts_dir / f"project-progress-{name}-360x640.png"), full_page=True)
    finally:
        context.close()
    assert off_host(requested_urls) == []
