"""Issue 18 item 2 in a browser: after the close, in the paper grace period, a worker enters a paper
ballot with the time the owner signed it; a colleague sees that time beside the photo and is told, before
confirming, that under policy "last" it will not override the owner's later online vote.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import staff_login
from tests.factories import make_user
from tests.rounds_helpers import T0, create_proposal, create_round, estate_with_roster
from tests.unit.test_images import jpeg_with_gps
from voting.ballots.casting import cast_ballot
from voting.models.rounds import RollEntry, Round

pytestmark = pytest.mark.browser

CLOSES = T0 + timedelta(days=7)  # Tuesday 2026-09-08 09:00 in Hangzhou; 1 working day of grace: to 09-09 24:00
GRACE_ZH = "暂定（纸质票补录期至 2026-09-09 24:00）"


def test_a_worker_enters_a_paper_ballot_with_its_signed_time_in_the_grace_period(
        live_server, browser, artifacts_dir, client, db, clock):
    from playwright.sync_api import expect

    estate_id, headers = estate_with_roster(client)
    make_user("community", "和睦街道", "和睦社区", username="sq2")
    round_id = create_round(client, create_proposal(client, estate_id, headers), headers, clock, policy="last")
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=headers).status_code == 200
    units = {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}
    household = units["1-2-201"]
    clock.advance(days=3)  # 李四 votes 同意 online on day 3…
    cast_ballot(db.session.get(Round, round_id), household, "agree", "online", clock.now)
    db.session.commit()
    clock.now = CLOSES + timedelta(hours=3)  # …the vote has closed; his paper 不同意, signed on day 2, comes in now

    contexts = []
    try:
        context, entering = staff_login(browser, live_server, "sq")
        contexts.append(context)
        entering.goto(f"{live_server}/rounds/{round_id}/paper")
        assert "纸质票补录期至 2026-09-09 24:00" in entering.locator("p.notice").inner_text()
        entering.get_by_label("房屋（楼幢-单元-室号）").select_option(str(household))
        entering.locator("input[name=choice][value=disagree]").check()
        signed = entering.get_by_label("业主签署时间", exact=False)
        assert signed.get_attribute("required") is not None  # required in the grace period
        signed.fill("2026-09-03T09:00")
        entering.set_input_files("input[name=scan]", files=[{"name": "李四签字表决票.jpg", "mimeType": "image/jpeg",
                                                             "buffer": jpeg_with_gps()}])
        entering.get_by_role("button", name="录入，待他人确认").click()
        expect(entering.locator("p.flash")).to_contain_text("请另一位工作人员核对原件后确认")

        context, checking = staff_login(browser, live_server, "sq2")
        contexts.append(context)
        checking.goto(f"{live_server}/rounds/{round_id}/paper")
        row = checking.locator("h2:has-text('待确认') + div table tbody tr")
        assert "2026-09-03 09:00" in row.locator("td.signed-at").inner_text()
        assert "按签署时间和计票口径，确认后保留但不计入" in row.inner_text()
        checking.screenshot(path=str(artifacts_dir / "paper-grace-to-confirm.png"), full_page=True)
        checking.get_by_role("button", name="已核对原件和签署时间，确认").click()
        expect(checking.locator("p.flash")).to_contain_text("已确认，不计入（按签署时间和计票口径，以该业主另一次表决为准）")

        checking.goto(f"{live_server}/rounds/{round_id}")
        page_text = checking.locator("main").inner_text()
        assert GRACE_ZH in page_text
        tally = checking.locator("h2:has-text('计票') + table").inner_text()
        assert "同意\t1" in tally.replace(" ", "")  # the online 同意 stands under "last"
    finally:
        for context in contexts:
            context.close()
