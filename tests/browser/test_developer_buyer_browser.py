"""Issue 18 item 5 on a phone: the buyer of a sold-but-undelivered flat scans its slip after the developer
has voted. She reads, in plain Chinese, that until delivery the developer votes for the flat under SPC
interpretation Art. 9; she finds no ballot form and nothing of the developer's choice. The developer's own
link names it as the voter of all its flats.
"""
import pytest

from tests.api.test_developer_links import DEVELOPER_ROSTER, LAW
from tests.ballots_helpers import open_round_with_links
from tests.browser.conftest import off_host
from tests.browser.test_resident_vote_browser import axe_source, serious_violations

pytestmark = pytest.mark.browser


def test_the_buyer_of_an_undelivered_flat_is_told_the_developer_votes_and_finds_no_vote_button(
        live_server, mobile_page, requested_urls, artifacts_dir, client, db, clock):
    opened = open_round_with_links(client, clock, roster=DEVELOPER_ROSTER)
    page, source = mobile_page, axe_source()

    # The developer votes through its link (an unsold flat's slip), which covers its three flats.
    page.goto(live_server + opened.links["2-101"]["path"])
    main = page.locator("main").inner_text()
    assert "表决人：开发建设单位" in main and "开发商名下 3 套（未售 2 套，已售未交付 1 套）" in main
    page.get_by_label("不同意", exact=True).check()
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/receipts/*")
    receipt = page.locator("dd.receipt").inner_text()

    # The buyer scans the slip of her undelivered flat.
    response = page.goto(live_server + opened.links["2-201"]["path"])
    assert response.status == 200
    page.screenshot(path=str(artifacts_dir / "undelivered-buyer-360x640.png"), full_page=True)
    main = page.locator("main").inner_text()
    alert = page.get_by_role("alert").inner_text()
    assert "该房屋尚未交付" in alert and LAW in alert and "交付前由开发建设单位参加表决" in alert
    assert "您暂不能通过此链接表决" in alert
    assert page.get_by_role("button").count() == 0 and page.get_by_role("radio").count() == 0
    assert page.locator("form").count() == 0
    assert "您已于" not in main and "当前的有效选择" not in main and receipt not in main
    assert "您名下全部" not in main and "2-201（已售未交付）" in main
    assert serious_violations(page, source) == []
    assert off_host(requested_urls) == []
