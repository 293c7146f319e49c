"""Issue 17 in a browser: a resident ticks the upgrade items they want and votes on a phone; the community
worker sees, on the progress page, each item's results and each stairwell's decision with its canvassing gap.

The resident's pages are checked by axe (no serious violation) and carry no script.
"""
import pytest

from tests.api.test_round_items import CHARGE, DOOR, LIFT, open_items_round
from tests.browser.conftest import off_host
from tests.browser.test_resident_vote_browser import axe_source, serious_violations
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_resident_ticks_items_and_votes_and_the_worker_sees_items_and_stairwells(
        browser, live_server, mobile_page, requested_urls, artifacts_dir, client, db, clock):
    source = axe_source()
    opened = open_items_round(client, clock, mode="multi")
    # Two neighbours in stairwell 1-1 have voted already, both wanting the lift.
    for label in ("1-1-102", "1-1-103"):
        assert client.post("/api/v1/ballots", json={"token": opened.links[label]["token"], "choice": "agree",
                                                    "items": {LIFT: "agree"}}).status_code == 201
    page = mobile_page
    response = page.goto(live_server + opened.links["1-1-101"]["path"])
    assert response.status == 200 and "<script" not in response.text().lower()
    main = page.locator("main").inner_text()
    assert "改造项目意向" in main and "多选：勾选您希望实施的项目" in main
    assert "本项目按单元（楼道）由该单元业主表决决定" in main
    page.screenshot(path=str(artifacts_dir / "items-ballot-360x640.png"), full_page=True)
    assert serious_violations(page, source) == []

    page.get_by_label("同意", exact=True).check()
    page.get_by_label("多层住宅加装电梯").check()
    page.get_by_label("充电设施").check()
    page.get_by_role("button", name="下一步").click()
    confirm = page.locator("main").inner_text()
    assert "多层住宅加装电梯：同意" in confirm and "充电设施：同意" in confirm and "单元防盗门及门禁：未作答" in confirm
    assert serious_violations(page, source) == []
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/receipts/*")
    assert off_host(requested_urls) == []

    # The worker's progress page: per item, per stairwell.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        staff = context.new_page()
        staff.set_default_timeout(10_000)
        staff.goto(f"{live_server}/login")
        staff.get_by_label("用户名").fill("sq")
        staff.get_by_label("密码").fill(PASSWORD)
        staff.get_by_role("button", name="登录").click()
        staff.wait_for_url(f"{live_server}/estates")
        staff.goto(f"{live_server}/rounds/{opened.round_id}/progress")
        staff.screenshot(path=str(artifacts_dir / "items-progress-1280.png"), full_page=True)
        stairwells = staff.locator("table.stairwells").inner_text()
        rows = {line.split("\t")[0]: line for line in stairwells.splitlines()}
        # 1-1: all three owners took part and all want the lift: decided there; 1-2 has not voted yet.
        assert "已通过" in rows["1幢1单元"].split("\t")[2]
        assert "未通过，还需" in rows["1幢2单元"]
        items = staff.locator("table.item-results").inner_text()
        assert "多层住宅加装电梯" in items and "充电设施" in items and "单元防盗门及门禁" in items
        assert "3 / 210.00" in items  # the lift: 3 owners, 210 m² in favour, all in stairwell 1-1
    finally:
        context.close()
    assert DOOR and CHARGE
