"""A resident votes on a small phone in real headless chromium, changes the vote, and axe finds no serious issue."""
import os
from pathlib import Path

import pytest

from tests.ballots_helpers import open_round_with_links
from tests.browser.conftest import off_host

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    if not AXE.is_file():
        message = "axe-core missing: npm ci --prefix tests/browser"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE.read_text()


def serious_violations(page, source: str) -> list[str]:
    """axe-core's serious and critical findings on the page as it stands.

    Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does
    not govern, so the page is checked with its real policy on and nothing is fetched.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def vote(page, choice_label: str, opinion: str = ""):
    page.get_by_label(choice_label, exact=True).check()
    if opinion:
        page.get_by_label("意见建议（可不填）").fill(opinion)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/confirm")


def test_resident_votes_on_a_phone_sees_the_receipt_and_changes_the_vote(
        live_server, mobile_page, requested_urls, artifacts_dir, client, db, clock):
    source = axe_source()
    opened = open_round_with_links(client, clock, policy="last")
    link = opened.links["1-1-101"]
    page = mobile_page
    csp_errors = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_errors.append(message.text))

    response = page.goto(live_server + link["path"])
    assert response.status == 200 and response.headers["referrer-policy"] == "no-referrer"
    assert page.get_by_role("heading", level=1).inner_text() == "您是否同意和睦新村实施老旧小区综合改造？"
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    assert page.get_by_label("同意", exact=True).bounding_box()["height"] >= 24
    page.screenshot(path=str(artifacts_dir / "vote-page-360x640.png"), full_page=True)
    assert serious_violations(page, source) == []

    vote(page, "同意", opinion="希望加装电梯")
    assert "您选择了：同意" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts_dir / "vote-confirm-360x640.png"), full_page=True)
    assert serious_violations(page, source) == []
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/receipts/*")
    receipt_text = page.locator("main").inner_text()
    receipt = page.locator("dd.receipt").inner_text()
    assert "表决成功" in receipt_text and len(receipt) == 14 and "2026-09-01 09:00" in receipt_text
    page.screenshot(path=str(artifacts_dir / "vote-receipt-360x640.png"), full_page=True)
    assert serious_violations(page, source) == []

    clock.advance(hours=3)
    page.get_by_role("link", name="返回表决页").click()
    assert "您当前的有效选择：同意" in page.locator("main").inner_text()
    vote(page, "不同意")
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/receipts/*")
    assert page.locator("dd.receipt").inner_text() != receipt
    page.get_by_role("link", name="返回表决页").click()
    assert "您当前的有效选择：不同意（2026-09-01 12:00）" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts_dir / "vote-changed-360x640.png"), full_page=True)

    tally = client.get(f"/api/v1/rounds/{opened.round_id}/tally", headers=opened.headers).get_json()
    assert tally["disagree"]["heads"] == 1 and tally["agree"]["heads"] == 0
    assert any(u.endswith("/static/ballot.css") for u in requested_urls)
    assert off_host(requested_urls) == [] and csp_errors == []


def test_an_unknown_link_shows_what_to_do_on_a_phone(live_server, mobile_page, requested_urls, artifacts_dir):
    source = axe_source()
    response = mobile_page.goto(f"{live_server}/v/{'Z' * 24}")
    assert response.status == 404
    assert "请联系社区工作人员重新领取二维码" in mobile_page.locator("main").inner_text()
    mobile_page.screenshot(path=str(artifacts_dir / "vote-unknown-360x640.png"))
    assert serious_violations(mobile_page, source) == []
    assert off_host(requested_urls) == []
