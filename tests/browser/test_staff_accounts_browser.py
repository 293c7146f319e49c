"""Issue 18 item 7 in a browser: the district creates a street and a community explicitly, then a
community worker's account with a name, a post and an office phone, picking both places from lists;
the worker logs in and is named "张三（社区书记）". The page passes axe (no serious violation)."""
import pytest

from tests.browser.conftest import off_host
from tests.browser.test_resident_vote_browser import axe_source, serious_violations
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

WORKER_PASSWORD = "worker-initial-pass-1"


def _expect(locator):
    from playwright.sync_api import expect

    return expect(locator)


def _login(page, base, username, password):
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/estates")


def test_the_district_creates_a_street_a_community_and_a_named_worker_account(
        browser, live_server, artifacts_dir, db):
    make_user("district", username="qu")
    source = axe_source()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        _login(page, live_server, "qu", PASSWORD)
        page.goto(f"{live_server}/account")
        page.get_by_role("link", name="管理街道和社区账号").click()
        _expect(page.get_by_role("heading", name="街道和社区")).to_be_visible()

        page.get_by_label("新街道名称").fill("拱宸桥街道")
        page.get_by_role("button", name="新建街道").click()
        _expect(page.locator("p.flash")).to_have_text("已新建街道：拱宸桥街道")
        # a second one of the same name is refused, and what was typed stays in the form
        page.get_by_label("新街道名称").fill("拱宸桥街道")
        page.get_by_role("button", name="新建街道").click()
        _expect(page.get_by_role("alert")).to_contain_text("已有名为“拱宸桥街道”的街道")
        _expect(page.get_by_label("新街道名称")).to_have_value("拱宸桥街道")

        page.get_by_label("所属街道").select_option(label="拱宸桥街道")
        page.get_by_label("新社区名称").fill("桥西社区")
        page.get_by_role("button", name="新建社区").click()
        _expect(page.locator("p.flash")).to_have_text("已新建社区：拱宸桥街道 · 桥西社区")
        _expect(page.locator("table.places")).to_contain_text("桥西社区")

        form = page.locator("#new-account")
        form.get_by_label("用户名").fill("zhangsan")
        form.get_by_label("角色").select_option(label="社区工作者")
        form.get_by_label("社区（社区账号）").select_option(label="拱宸桥街道 · 桥西社区")
        form.get_by_label("姓名").fill("张三")
        form.get_by_label("职务").fill("社区书记")
        form.get_by_label("办公电话").fill("0571-87654321")
        form.get_by_label("初始密码").fill(WORKER_PASSWORD)
        form.get_by_role("button", name="创建").click()
        _expect(page.locator("p.flash")).to_contain_text("已创建账号：zhangsan，张三（社区书记）")
        row = page.locator("table.accounts tr", has_text="zhangsan")
        _expect(row).to_contain_text("张三（社区书记）")
        _expect(row).to_contain_text("0571-87654321")
        _expect(row).to_contain_text("拱宸桥街道 · 桥西社区")
        page.screenshot(path=str(artifacts_dir / "staff-accounts.png"), full_page=True)
        assert serious_violations(page, source) == []

        worker = context.browser.new_context(viewport={"width": 360, "height": 640}, locale="zh-CN")
        try:
            worker_page = worker.new_page()
            worker_page.set_default_timeout(10_000)
            _login(worker_page, live_server, "zhangsan", WORKER_PASSWORD)
            assert worker_page.locator("header .who").inner_text() == "张三（社区书记）（社区工作者：拱宸桥街道 · 桥西社区）"
        finally:
            worker.close()
    finally:
        context.close()
    assert off_host(requested) == []
