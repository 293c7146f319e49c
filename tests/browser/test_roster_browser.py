"""Issue 18 in the browser: a community worker downloads the roster template, reads the roll grouped
by voter (the developer named), and corrects one household on the page: a mistyped area is refused
in Chinese with everything typed still in the form, and the corrected flat shows on the roll."""
import io

import openpyxl
import pytest

from tests.browser.conftest import off_host
from tests.factories import PASSWORD, roster_csv
from tests.rounds_helpers import estate_with_roster

pytestmark = pytest.mark.browser

ROSTER = roster_csv([
    "1,1,101,80.50,register,K001,张三明,13812341234,owned",
    "1,2,201,75.00,survey,K002,李四,,owned",
    "3,1,301,70.00,register,K001,张三明,13812341234,owned",
    "2,,101,90.00,contract,,杭州和睦置业有限公司,,developer_unsold",
])


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_a_worker_corrects_a_household_on_the_page(live_server, browser, requested_urls, artifacts_dir, client, db):
    estate_id, _ = estate_with_roster(client, ROSTER, username="sq")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True)
    context.on("request", lambda request: requested_urls.append(request.url))
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("用户名").fill("sq")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server}/estates")

        page.goto(f"{live_server}/estates/{estate_id}")
        with page.expect_download() as download:
            page.get_by_role("link", name="下载名册模板（Excel）").click()
        sheet = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).worksheets[0]
        assert [c.value for c in next(sheet.iter_rows())][:4] == ["楼幢", "单元", "室号", "专有部分面积"]

        page.get_by_role("link", name="查看名册").click()
        heads = page.locator("tr.group-head").all_inner_texts()
        assert [h.split("（")[0].strip() for h in heads] == ["业主：张三明", "业主：李四", "开发商：杭州和睦置业有限公司"]
        assert "名下 2 套" in heads[0]
        page.screenshot(path=str(artifacts_dir / "roster-grouped.png"), full_page=True)

        page.locator("tbody.voter-group").nth(1).get_by_role("link", name="更正").click()
        page.get_by_label("专有部分面积（㎡）").fill("75.505")
        page.get_by_label("面积依据").select_option("不动产登记")
        page.get_by_label("联系电话").fill("0571-86001234")
        page.get_by_label("更正原因", exact=False).fill("房产证面积")
        page.get_by_role("button", name="保存更正").click()
        expect(page.get_by_role("alert")).to_contain_text("超过两位小数")
        assert page.get_by_label("专有部分面积（㎡）").input_value() == "75.505"
        assert page.get_by_label("联系电话").input_value() == "0571-86001234"
        assert page.get_by_label("面积依据").input_value() == "不动产登记"
        assert page.get_by_label("更正原因", exact=False).input_value() == "房产证面积"
        page.screenshot(path=str(artifacts_dir / "household-correction-refused.png"), full_page=True)

        page.get_by_label("专有部分面积（㎡）").fill("75.50")
        page.get_by_role("button", name="保存更正").click()
        expect(page.locator("p.flash")).to_contain_text("已更正 1-2-201")
        row = page.locator("tbody.voter-group").nth(1).locator("tr").nth(1).inner_text()
        assert "75.50" in row and "0571-86001234（座机）" in row
        assert off_host(requested_urls) == []
    finally:
        context.close()
