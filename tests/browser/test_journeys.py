"""Every role's journey through the real pages, in one headless chromium run.

A community worker sets up an estate from nothing (estate, roster upload, proposal, round,
notice, links, QR slips); a resident votes on a small phone; a second worker enters a paper
ballot with its photo and a third confirms it; the street office watches its dashboard;
after the closing time a worker closes the round, and the street office downloads the
signed evidence bundle, which the project's verifier accepts.

Only the clock (CLOCK_OVERRIDE on the live server's app) and the staff accounts (no page
creates them) are set up outside the browser. Every page is screenshotted under
test-artifacts/journeys/, and no request may leave 127.0.0.1.
"""
import io
import json
import re
import subprocess
from datetime import datetime, timezone

import pytest
import zxingcpp
from PIL import Image

from tests.browser.conftest import off_host
from tests.evidence_helpers import needs_tool, zip_members
from tests.factories import PASSWORD, make_user
from tests.rounds_helpers import ITEMS, Clock
from tests.unit.test_images import jpeg_with_gps

pytestmark = pytest.mark.browser

T0 = datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)  # Tuesday 2026-09-01 09:00 in Hangzhou
AFTER_CLOSE = datetime(2026, 9, 9, 2, 0, tzinfo=timezone.utc)  # past 09-08 18:00 and the notice (ends 09-08)
ESTATE = "和睦新村"
PAPER_DAY = datetime(2026, 9, 2, 3, 0, tzinfo=timezone.utc)  # Wednesday 11:00 in Hangzhou: the paper ballot comes in
SIGNED_LOCAL, SIGNED_SHOWN = "2026-09-02T10:15", "2026-09-02 10:15"  # when 李四 signed it at the door, Beijing time
WAIT_MS = 10_000  # for any one page or element: generous on a loaded CI machine
# Chromium's built-in PDF viewer (an extension) and the WebUI resources it uses: served from
# inside the browser binary, never from the network. Anything else off 127.0.0.1 fails the run.
BUILT_IN = ("chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/", "chrome://resources/")

# Chinese headers and values, with a BOM, as Excel in China saves a CSV. Three owners: 张三明
# holds two flats, so one online vote covers 1-1-101 and 1-1-102. 张三明 online + 李四 on paper
# is 2 of 3 owners and 215.75 of 305.75 m²: both at or above 2/3, so the round passes.
ROSTER = ("\ufeff楼幢,单元,室号,专有部分面积,面积依据,业主标识,业主姓名,联系电话,产权状态\n"
          "1,1,101,80.50,不动产登记,K001,张三明,13812341234,已售\n"
          "1,1,102,60.25,不动产登记,K001,张三明,13812341234,已售\n"
          "1,2,201,75.00,实测,K002,李四,13900001111,已售\n"
          "2,1,101,90.00,合同,K003,王五,,已售\n").encode("utf-8")


class Journey:
    """Browser contexts per person, all recording their requests and CSP complaints; numbered screenshots."""

    def __init__(self, browser, base: str, artifacts, clock: Clock):
        self.browser, self.base, self.clock = browser, base, clock
        self.dir = artifacts / "journeys"
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.requests: list[str] = []
        self.csp_errors: list[str] = []
        self.contexts = []
        self.shots = 0

    def page(self, width=1280, height=900):
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai", accept_downloads=True)
        self.contexts.append(context)
        # On the context, so a page it opens later (a popup, a new tab) is recorded too.
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("console", lambda m: "Content Security Policy" in m.text and self.csp_errors.append(m.text))
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        return page

    def shot(self, page, name: str):
        self.shots += 1
        page.screenshot(path=str(self.dir / f"{self.shots:02d}-{name}.png"), full_page=True)

    def shot_pdf(self, path, name: str):
        """Page 1 of a PDF rendered to PNG at 150 dpi, saved as the next screenshot; returned as greyscale."""
        self.shots += 1
        target = self.dir / f"{self.shots:02d}-{name}"
        subprocess.run([needs_tool("pdftoppm"), "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile",
                        str(path), str(target)], check=True)
        return Image.open(target.with_suffix(".png")).convert("L")

    def login(self, page, username: str):
        page.goto(f"{self.base}/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{self.base}/estates")
        assert username in page.locator("header .who").inner_text()

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(app, browser, live_server, artifacts_dir, db):
    saved_base = app.config["PUBLIC_BASE_URL"]
    clock = Clock(T0)
    app.config["CLOCK_OVERRIDE"] = clock
    app.config["PUBLIC_BASE_URL"] = live_server  # the links on the slips lead to this server
    trip = Journey(browser, live_server, artifacts_dir, clock)
    try:
        for username in ("wang", "li", "zhao"):
            make_user("community", "和睦街道", "和睦社区", username=username)
        make_user("street", "和睦街道", username="jiedao")
        yield trip
    finally:
        trip.close()
        app.config.pop("CLOCK_OVERRIDE", None)
        app.config["PUBLIC_BASE_URL"] = saved_base


def expect(locator):
    """Playwright's retrying assertions, imported here: without playwright the `browser` fixture skips (fails in CI)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def flash(page):
    return page.locator("p.flash")


def expect_flash(page, text: str, exact: bool = True):
    """Wait for the page a form led to, by its message, and for all of it to be parsed.

    A click does not wait for the next page, and the message near its top can be found
    while the rest is still arriving: the reads that follow must see the whole page.
    """
    if exact:
        expect(flash(page)).to_have_text(text, timeout=WAIT_MS)
    else:
        expect(flash(page)).to_contain_text(text, timeout=WAIT_MS)
    page.wait_for_load_state("load")


def worker_sets_up_the_round(trip: Journey, page) -> tuple[int, dict]:
    """Estate → roster → proposal → round → notice → open → links → slips. Returns the round id and links."""
    base = trip.base
    trip.login(page, "wang")
    trip.shot(page, "worker-estates-empty")
    page.get_by_label("小区名称").fill(ESTATE)
    page.get_by_label("地址").fill("拱墅区和睦路 1 号")
    page.get_by_label("建成年份").fill("1986")
    page.get_by_role("button", name="创建").click()
    page.wait_for_url(re.compile(r".*/estates/\d+$"))
    expect_flash(page, f"已创建小区：{ESTATE}")

    page.set_input_files("input[name=file]", files=[{"name": "和睦新村名册.csv", "mimeType": "text/csv",
                                                     "buffer": ROSTER}])
    page.get_by_role("button", name="上传并导入").click()
    expect_flash(page, "名册已导入：4 户，新增 4，删除 0，变更 0")
    assert "4 户（专有部分），业主人数 3，专有部分总面积 305.75 ㎡" in page.locator("dl.facts").inner_text()
    trip.shot(page, "worker-estate-roster-imported")

    page.get_by_role("link", name="改造方案与征询").click()
    page.get_by_label("方案名称").fill("和睦新村综合改造方案")
    page.get_by_label("方案说明").fill("屋面防水、雨污分流、楼道照明；征询加装电梯意愿。")
    page.get_by_label("估算造价（元）").fill("1200000.00")
    for code in ITEMS:
        page.check(f"input[name=items][value='{code}']")
    page.get_by_role("button", name="保存").click()
    expect_flash(page, "已保存方案第 1 版")
    assert "1200000.00" in page.locator("main").inner_text()

    page.get_by_label("轮次").select_option("1")
    page.get_by_label("开始时间（北京时间）").fill("2026-09-01T09:00")
    page.get_by_label("截止时间（北京时间，5至60日）").fill("2026-09-08T18:00")
    trip.shot(page, "worker-proposal-saved")
    page.get_by_role("button", name="创建轮次").click()
    page.wait_for_url(re.compile(r".*/rounds/\d+$"))
    round_id = int(page.url.rsplit("/", 1)[1])
    expect_flash(page, "已创建：第一次征询：改造意愿")
    assert "2026-09-01 09:00 至 2026-09-08 18:00" in page.locator("dl.facts").inner_text()

    notice = page.locator(f"form[action='/rounds/{round_id}/notices']")
    notice.get_by_label("标题").fill("和睦新村改造意愿征询公告")
    notice.get_by_label("正文").fill("和睦新村综合改造第一次征询（改造意愿）现予公示，请各位业主于截止前表决。")
    notice.get_by_label("起始日期（不能早于今天）").fill("2026-09-01")
    notice.get_by_role("button", name="发布公示").click()
    expect_flash(page, "已发布公示：公示期：2026-09-01 起 5 个工作日，至 2026-09-08 止")

    page.get_by_role("button", name="开始表决（冻结名册）").click()
    page.get_by_role("button", name="确认开始表决").click()  # the page asks once more
    expect_flash(page, "已开始表决，名册已冻结")
    page.get_by_role("button", name="生成全部表决链接").click()
    expect_flash(page, "已生成 4 户的表决链接")
    page.get_by_text("各户表决链接（4）").click()
    rows = page.locator("#links ~ details table tbody tr")
    # The page never shows a link itself: the worker opens each household's QR code, a
    # disclosure the audit log records, and the code is the link.
    links = {}
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").nth(1).inner_text() == "已生成"
        qr = page.request.get(base + rows.nth(i).get_by_role("link", name="二维码").get_attribute("href"))
        assert qr.status == 200 and qr.headers["content-type"] == "image/png"
        (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.body())))
        links[rows.nth(i).locator("td").first.inner_text()] = code.text
    assert sorted(links) == ["1-1-101", "1-1-102", "1-2-201", "2-1-101"]
    assert all(url.startswith(f"{base}/v/") for url in links.values())
    trip.shot(page, "worker-round-open-with-links")

    # Served inline: the browser opens the slips in its PDF viewer, ready to print. The viewer
    # hands Playwright its own page instead of the file, so the bytes are fetched again with
    # this browser context's session (the links are issued already: same slips).
    slips_link = page.get_by_role("link", name="打印全部二维码（PDF）")
    href = slips_link.get_attribute("href")
    with page.expect_response(lambda r: r.url == base + href) as slips_info:
        slips_link.click()
    slips = slips_info.value
    assert slips.status == 200 and slips.headers["content-type"] == "application/pdf"
    assert slips.headers["content-disposition"] == f"inline; filename*=UTF-8''slips-round-{round_id}.pdf"
    fetched = page.request.get(base + href)
    assert fetched.status == 200 and fetched.body().startswith(b"%PDF-")
    path = trip.dir / "slips.pdf"
    path.write_bytes(fetched.body())
    info = subprocess.run([needs_tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) == 1  # 4 slips: one A4 sheet
    text = subprocess.run([needs_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert ESTATE in text and "1-2-201" in text and "表决截止：2026-09-08 18:00" in text
    # The printed QR codes are the links the page lists, and they lead to this server.
    sheet = trip.shot_pdf(path, "worker-slips-pdf-page-1")  # the viewer draws outside what a screenshot captures
    assert sorted(r.text for r in zxingcpp.read_barcodes(sheet)) == sorted(links.values())
    return round_id, links


def resident_votes_on_a_phone(trip: Journey, url: str):
    page = trip.page(360, 640)
    response = page.goto(url)
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == f"您是否同意{ESTATE}实施老旧小区综合改造？"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    trip.shot(page, "resident-vote-360x640")
    page.get_by_label("同意", exact=True).check()
    page.get_by_label("意见建议（可不填）").fill("希望加装电梯，楼道照明改为感应灯")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/confirm")
    assert "您选择了：同意" in page.locator("main").inner_text()
    trip.shot(page, "resident-confirm-360x640")
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url("**/receipts/*")
    assert page.get_by_role("heading", level=1).inner_text() == "表决成功"
    receipt = page.locator("dd.receipt").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z-]{10,}", receipt), receipt
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    trip.shot(page, "resident-receipt-360x640")
    return receipt


def paper_ballot_entered_and_confirmed(trip: Journey, round_id: int):
    base = trip.base
    trip.clock.now = PAPER_DAY
    entering = trip.page()
    trip.login(entering, "li")
    entering.goto(f"{base}/rounds/{round_id}")
    entering.get_by_role("link", name="录入与确认纸质表决票").click()
    entering.wait_for_url(f"{base}/rounds/{round_id}/paper")
    household = entering.locator("select[name=household_id] option", has_text="1-2-201")
    entering.get_by_label("房屋（楼幢-单元-室号）").select_option(household.get_attribute("value"))
    entering.locator("input[name=choice][value=agree]").check()
    assert entering.locator("input[name=kind][value=paper]").is_checked()
    # The time 李四 wrote on the ballot, in Beijing time (the page's datetime-local).
    entering.get_by_label("业主签署时间", exact=False).fill(SIGNED_LOCAL)
    entering.set_input_files("input[name=scan]", files=[{"name": "李四签字表决票.jpg", "mimeType": "image/jpeg",
                                                         "buffer": jpeg_with_gps((1200, 900))}])
    entering.get_by_role("button", name="录入，待他人确认").click()
    expect_flash(entering, "请另一位工作人员核对原件后确认", exact=False)
    pending = entering.locator("h2:has-text('待确认') + div table tbody tr")
    assert pending.count() == 1
    assert "您录入的，须由其他工作人员核对确认" in pending.inner_text()
    assert entering.get_by_role("button", name="已核对原件和签署时间，确认").count() == 0
    trip.shot(entering, "worker2-paper-entered")
    # Even a hand-made POST from the entering worker's own session is refused.
    entry_id = int(pending.locator("td").first.inner_text())
    token = entering.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = entering.request.post(f"{base}/paper-ballots/{entry_id}/confirm", form={"csrf_token": token},
                                    max_redirects=0)
    assert refused.status == 409
    assert "录入人不能确认或退回自己录入的表决票" in refused.text()

    checking = trip.page()
    trip.login(checking, "zhao")
    checking.goto(f"{base}/rounds/{round_id}")
    assert "待确认 1 张，其中 1 张可由您确认" in checking.locator("#paper + p").inner_text()
    checking.get_by_role("link", name="录入与确认纸质表决票").click()
    checking.wait_for_url(f"{base}/rounds/{round_id}/paper")
    checking.wait_for_function("() => { const i = document.querySelector('td.thumbs img');"
                               " return i && i.complete && i.naturalWidth > 0; }")
    assert SIGNED_SHOWN in checking.locator("td.signed-at").inner_text()  # beside the photo, to compare
    trip.shot(checking, "worker3-paper-to-confirm")
    checking.get_by_role("button", name="已核对原件和签署时间，确认").click()
    expect_flash(checking, f"第 {entry_id} 号：已确认，计入")
    done = checking.locator("h2:has-text('已处理') + div table tbody tr td").all_inner_texts()
    assert done[:7] == [str(entry_id), "1-2-201", "同意", "纸质", SIGNED_SHOWN, "已确认，计入", "li"]
    assert done[7].startswith("zhao") and done[8]  # confirmed by the third worker, with a receipt code
    trip.shot(checking, "worker3-paper-confirmed")


def street_dashboard_row(page) -> str:
    return page.locator("table.progress tbody tr").filter(has_text=ESTATE).inner_text()


def test_every_role_through_the_real_pages(journey, app, tmp_path):
    trip, base = journey, journey.base
    worker = trip.page()
    round_id, links = worker_sets_up_the_round(trip, worker)
    resident_votes_on_a_phone(trip, links["1-1-101"])
    paper_ballot_entered_and_confirmed(trip, round_id)

    street = trip.page()
    trip.login(street, "jiedao")
    street.get_by_role("link", name="街道进度").click()
    street.wait_for_url(re.compile(r".*/streets/\d+$"))
    assert street.get_by_role("heading", level=1).inner_text() == "和睦街道 · 改造进度"
    row = street_dashboard_row(street)
    assert "表决中" in row and "2/3 人" in row and "215.75/305.75 ㎡" in row
    trip.shot(street, "street-dashboard-open")

    worker.goto(f"{base}/rounds/{round_id}")
    worker.get_by_role("button", name="截止并计票（同时发布结果公告）").click()
    worker.get_by_role("button", name="确认截止").click()
    expect(worker.get_by_role("alert")).to_contain_text("未到设定的截止时间，不能提前截止表决", timeout=WAIT_MS)
    worker.wait_for_load_state("load")
    trip.clock.now = AFTER_CLOSE
    worker.goto(f"{base}/rounds/{round_id}")
    worker.get_by_role("button", name="截止并计票（同时发布结果公告）").click()
    worker.get_by_role("button", name="确认截止").click()
    expect_flash(worker, "已截止，计票结果已固定")
    assert "已截止（通过）" in worker.locator("dl.facts").inner_text()
    checks = worker.locator("table", has_text="分子/分母").inner_text()
    assert "参与表决的专有部分面积占总专有部分面积" in checks and "同意的人数占参与表决人数" in checks  # the default: Art. 278 items 6–8
    assert "agree_" not in checks  # the rule's internal names are not for community workers
    trip.shot(worker, "worker-round-closed")

    street.reload()
    row = street_dashboard_row(street)
    assert "已截止" in row and "通过" in row
    trip.shot(street, "street-dashboard-closed")
    row_links = street.locator("table.progress tbody tr").filter(has_text=ESTATE)
    with street.expect_download() as download_info:
        row_links.get_by_role("link", name="证据包（含签名）").click()
    bundle = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(bundle)
    key = street.request.get(f"{base}/api/v1/evidence/public-key")
    assert key.ok
    (tmp_path / "evidence-public.pem").write_bytes(key.body())
    result = app.test_cli_runner().invoke(
        args=["evidence", "verify", str(bundle), "--public-key", str(tmp_path / "evidence-public.pem")])
    assert result.exit_code == 0, result.output
    assert f"校验通过：{ESTATE} · 第一次征询：改造意愿（轮次 {round_id}）" in result.output
    members = zip_members(bundle.read_bytes())  # what was decided, on which plan, and the paper original
    assert [i["code"] for i in json.loads(members["plan.json"])["items"]] == ITEMS
    (paper,) = json.loads(members["paper_ballots.json"])["paper_ballots"]
    assert paper["unit"] == "1-2-201" and paper["status"] == "counted" and paper["files"][0]["purpose"] == "scan"
    assert paper["files"][0]["file"] in members and paper["entered_by"] != paper["decided_by"]

    assert trip.shots >= 12
    assert any(u.endswith("/static/app.css") for u in trip.requests)
    assert [u for u in off_host(trip.requests) if not u.startswith(BUILT_IN)] == []
    assert trip.csp_errors == []
