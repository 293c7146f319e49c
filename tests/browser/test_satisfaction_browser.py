"""Issue 17 item 6 in a browser: after joint acceptance the resident answers the satisfaction survey on the
same link (the QR code of the earlier round) and sees the project's steps there, a worker enters a paper answer, the survey closes and the board
shows its result; a problem reported from the link reaches the community's list, whose status change the
resident then reads on the link. Resident pages are checked by axe and carry no script."""
from datetime import timedelta, timezone

import pytest

from tests.ballots_helpers import second_worker
from tests.browser.conftest import staff_login
from tests.browser.test_resident_vote_browser import axe_source, serious_violations
from tests.factories import board_path
from tests.satisfaction_helpers import survey_after_a_closed_round
from tests.unit.test_images import jpeg_with_gps
from voting.models.rounds import Round

pytestmark = pytest.mark.browser


def test_after_joint_acceptance_the_resident_answers_the_survey_on_the_same_link(
        live_server, browser, mobile_page, artifacts_dir, client, db, clock):
    source = axe_source()
    after = survey_after_a_closed_round(client, clock)
    survey = after.survey
    old_link = after.old_links["1-1-101"]  # the household's QR code from the earlier round
    page = mobile_page
    # The worker has recorded the joint acceptance (done) and the after-care that follows (planned).
    today = clock.now.astimezone(timezone(timedelta(hours=8))).date()
    milestones = f"/api/v1/estates/{survey.estate_id}/milestones"
    for step in ({"step": "acceptance", "actual_on": (today - timedelta(days=1)).isoformat()},
                 {"step": "aftercare", "planned_on": (today + timedelta(days=30)).isoformat()}):
        assert client.post(milestones, headers=survey.headers, json=step).status_code == 201

    # The resident scans the same QR code: the survey is there, with the plan's items.
    response = page.goto(live_server + old_link["path"])
    assert response.status == 200 and "<script" not in response.text().lower()
    assert page.get_by_role("heading", name="改造满意度调查").is_visible()
    assert serious_violations(page, source) == []
    page.get_by_label("基本满意", exact=True).check()
    page.get_by_label("屋面修缮", exact=False).first.check()
    page.get_by_label("意见（可不填）").fill("屋顶接缝处下雨仍渗水")
    page.screenshot(path=str(artifacts_dir / "survey-link-360x640.png"), full_page=True)
    page.get_by_role("button", name="提交满意度评价").click()
    page.wait_for_url("**survey=sent*")
    text = page.locator("main").inner_text()
    assert "您的满意度评价已提交" in text and "回答：基本满意" in text
    # …and on the same link, the project's steps: the acceptance done, the after-care planned.
    assert "改造工程进度" in text and f"联合验收：已完成（{(today - timedelta(days=1)).isoformat()}）" in text
    assert f"长效管理：未完成，计划 {(today + timedelta(days=30)).isoformat()}" in text

    # A worker enters a paper answer on the paper page; a colleague confirms it.
    context, worker = staff_login(browser, live_server, "sq")
    worker.goto(f"{live_server}/rounds/{survey.round_id}/paper")
    household = worker.locator("select[name=household_id] option", has_text="1-2-201")
    worker.get_by_label("房屋（楼幢-单元-室号）").select_option(household.get_attribute("value"))
    assert worker.locator("input[name=choice][value=agree]").count() == 0
    worker.locator("input[name=choice][value=dissatisfied]").check()
    worker.set_input_files("input[name=scan]", files=[{"name": "调查表.jpg", "mimeType": "image/jpeg",
                                                       "buffer": jpeg_with_gps((800, 600))}])
    worker.get_by_role("button", name="录入，待他人确认").click()
    worker.wait_for_url(f"**/rounds/{survey.round_id}/paper*")
    entries = client.get(f"/api/v1/rounds/{survey.round_id}/paper-ballots", headers=survey.headers).get_json()
    assert [e["choice"] for e in entries] == ["dissatisfied"]
    confirmed = client.post(f"/api/v1/paper-ballots/{entries[0]['id']}/confirm", headers=second_worker(client))
    assert confirmed.status_code == 200, confirmed.get_json()

    # The survey closes; the round page and the public board show the figures, no verdict.
    clock.now = db.session.get(Round, survey.round_id).closes_at + timedelta(minutes=1)
    assert client.post(f"/api/v1/rounds/{survey.round_id}/close", headers=survey.headers).status_code == 200
    worker.goto(f"{live_server}/rounds/{survey.round_id}")
    detail = worker.locator("main").inner_text()
    assert "调查结果（截止时固定）" in detail and "屋面修缮" in detail
    worker.screenshot(path=str(artifacts_dir / "survey-round-page.png"), full_page=True)
    page.goto(live_server + board_path(survey.estate_id))
    page.get_by_role("link", name="改造满意度调查结果公告", exact=False).first.click()
    notice = page.locator("main").inner_text()
    assert "基本满意：1 人" in notice and "不满意：1 人" in notice and "不设通过条件" in notice
    assert serious_violations(page, source) == []

    # An after-care problem from the same link; the community moves it on; the resident sees it.
    page.goto(live_server + old_link["path"])
    page.get_by_label("问题描述（位置、现象）").fill("1幢1单元楼道灯不亮")
    page.get_by_role("button", name="报告问题").click()
    page.wait_for_url("**aftercare=sent*")
    assert "处理状态：待处理" in page.locator("main").inner_text()
    worker.goto(f"{live_server}/estates/{survey.estate_id}")
    worker.get_by_role("link", name="改造后问题").click()
    row = worker.locator("tr", has_text="1幢1单元楼道灯不亮")
    assert "待处理" in row.inner_text() and "1-1-101" in row.inner_text()
    row.get_by_label("新状态").select_option("in_progress")
    row.get_by_label("说明（标记已解决时必填）").fill("已派电工，明天上门")
    row.get_by_role("button", name="更新状态").click()
    worker.wait_for_url("**/aftercare*")
    assert "处理中" in worker.locator("tr", has_text="1幢1单元楼道灯不亮").inner_text()
    worker.screenshot(path=str(artifacts_dir / "aftercare-list.png"), full_page=True)
    page.goto(live_server + old_link["path"])
    text = page.locator("main").inner_text()
    assert "处理状态：处理中" in text and "已派电工，明天上门" in text
    assert serious_violations(page, source) == []
    context.close()
