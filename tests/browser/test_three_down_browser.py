"""Issue 16 on a phone: before the vote the question, the household's cost, the rule's meaning and the
community's hotline; after closing the result and the household's own counted choice, the answer to its
opinion, an objection filed from the link and its answer; and /receipts looking a code up.

Every page is checked by axe (no serious violation), carries no script and weighs under 60 KB.
"""
from datetime import timedelta

import pytest

from tests.ballots_helpers import fetch_links
from tests.browser.conftest import off_host
from tests.browser.test_resident_vote_browser import axe_source, serious_violations
from tests.rounds_helpers import T0, create_round, estate_with_roster

pytestmark = pytest.mark.browser

QUESTION = "您是否同意和睦新村实施综合改造？"
PAGE_LIMIT = 60 * 1024


def _checked(page, response, source, artifacts_dir, name):
    html = response.text()
    assert response.status == 200, html[:300]
    assert len(response.body()) < PAGE_LIMIT and "<script" not in html.lower()
    page.screenshot(path=str(artifacts_dir / f"{name}-360x640.png"), full_page=True)
    assert serious_violations(page, source) == []
    return page.locator("main").inner_text()


def test_a_resident_follows_the_round_from_question_to_final_answer(
        live_server, mobile_page, requested_urls, artifacts_dir, client, db, clock):
    source = axe_source()
    estate_id, headers = estate_with_roster(client)
    client.put(f"/api/v1/estates/{estate_id}/community-contact", headers=headers,
               json={"hotline": "0571-88001234", "office": "和睦路 1 号社区服务中心"})
    proposal = client.post(f"/api/v1/estates/{estate_id}/proposals", headers=headers, json={
        "title": "和睦新村综合改造方案", "summary": "屋面修缮、管网改造", "items": ["R-B-01", "R-P-01"],
        "estimated_cost": "1000000.00", "resident_mode": "per_m2", "resident_amount": "20.00"}).get_json()
    round_id = create_round(client, proposal["id"], headers, clock, policy="last", rule="civil-code-278-major",
                            question=QUESTION, days=27)
    client.post(f"/api/v1/rounds/{round_id}/open", headers=headers)
    link = fetch_links(client, round_id, headers)["1-1-101"]
    page = mobile_page

    # Before the vote.
    text = _checked(page, page.goto(live_server + link["path"]), source, artifacts_dir, "link-before")
    assert page.get_by_role("heading", level=1).inner_text() == QUESTION
    assert "按您名下房屋面积 140.75 ㎡ 估算，您需分摊约 2815.00 元" in text
    assert "市级财政补助：按您名下房屋面积估算约 28150.00 元" in text
    assert "弃权：计入参与表决的人数和面积，但不计入同意，对是否通过的作用与不同意相同。" in text
    assert "社区电话：0571-88001234" in text and "0571-12345" not in text
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("意见建议（可不填）").fill("希望先修屋顶")
    page.get_by_role("button", name="下一步").click()
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/receipts/*")
    receipt = page.locator("dd.receipt").inner_text()

    # The round closes; the community answers the opinion.
    clock.now = T0 + timedelta(days=27, minutes=1)
    assert client.post(f"/api/v1/rounds/{round_id}/close", headers=headers).status_code == 200
    opinion_id = client.get(f"/api/v1/rounds/{round_id}/opinions", headers=headers).get_json()[0]["id"]
    client.post(f"/api/v1/rounds/{round_id}/result", headers=headers,
                json={"answers": [{"opinion_id": opinion_id, "answer": "屋面修缮列为第一批施工"}]})

    text = _checked(page, page.goto(live_server + link["path"]), source, artifacts_dir, "link-result")
    assert "表决结果：" in text and "您的表决已计入：同意" in text
    assert "结果公告中（异议期，尚未最终确认）" in text and "屋面修缮列为第一批施工" in text

    # An objection from the link, answered by the community.
    page.get_by_label("对表决结果有异议", exact=False).fill("我家的面积登记有误")
    page.get_by_role("button", name="提交异议").click()
    page.wait_for_url("**objection=sent")
    assert "您的异议已提交" in page.locator("main").inner_text()
    objection = client.get(f"/api/v1/rounds/{round_id}/objections", headers=headers).get_json()[0]
    client.post(f"/api/v1/rounds/{round_id}/objections/{objection['id']}/answer", headers=headers,
                json={"answer": "已核对不动产登记，面积无误"})
    text = _checked(page, page.goto(live_server + link["path"]), source, artifacts_dir, "link-objection")
    assert "我家的面积登记有误" in text and "已核对不动产登记，面积无误" in text

    # Anyone with the code looks the ballot up.
    _checked(page, page.goto(live_server + "/receipts"), source, artifacts_dir, "receipts-form")
    page.get_by_label("回执编号", exact=False).fill(receipt.lower())
    with page.expect_response(lambda r: r.url.endswith("/receipts")) as answer:
        page.get_by_role("button", name="查询").click()
    text = _checked(page, answer.value, source, artifacts_dir, "receipts-found")
    assert receipt in text and "同意" in text and "计入" in text
    assert off_host(requested_urls) == []
