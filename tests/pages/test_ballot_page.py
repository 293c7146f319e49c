"""The resident's page /v/<token> through the real HTTP stack: choose → confirm → receipt, and every refusal."""
import re
from datetime import date
from pathlib import Path

from sqlalchemy import event, select

from tests.ballots_helpers import open_round_with_links, page_csrf, reissue_link
from tests.factories import board_path
from voting.ballots import link_lookup
from voting.extensions import db as _db
from voting.models.ballots import Ballot
from voting.models.notices import Notice

CSS = Path(__file__).resolve().parents[2] / "static" / "ballot.css"
HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def assert_secure(response):
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name


def choose_and_confirm(client, link, choice, opinion="", verification=None):
    """Page → confirmation page → submit; returns (confirmation response, submit response)."""
    page = client.get(link["path"])
    token = page_csrf(page.get_data(as_text=True))
    form = {"csrf_token": token, "choice": choice, "opinion": opinion}
    if verification is not None:
        form["verification"] = verification
    confirm = client.post(link["path"] + "/confirm", data=form)
    if confirm.status_code != 200:
        return confirm, None
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm.get_data(as_text=True)))
    return confirm, client.post(link["path"] + "/vote", data=hidden)


def test_resident_opens_the_link_chooses_confirms_and_gets_a_counted_receipt(client, db, clock):
    opened = open_round_with_links(client, clock)
    link = opened.links["1-1-101"]
    page = client.get(link["path"])
    assert page.status_code == 200
    assert_secure(page)
    body = text(page)
    assert "和睦新村" in body and "第一次征询：改造意愿" in body and "2026-09-08 09:00（北京时间）" in body
    assert "和睦新村综合改造方案" in body and "屋面修缮" in body and "改造项目（3 项）" in body
    assert "1-1-101（业主 张*明）" in body and "张三明" not in body  # the name is masked
    assert "您名下全部 2 套房屋：1-1-101、1-1-102" in body
    assert "同意" in body and "不同意" in body and "弃权" in body and "查看本小区的公示公告" not in body

    token = page_csrf(page.get_data(as_text=True))
    confirm = client.post(link["path"] + "/confirm", data={"csrf_token": token, "choice": "agree",
                                                           "opinion": "楼道灯要换"})
    assert confirm.status_code == 200 and "您选择了：同意" in text(confirm) and "确认提交" in text(confirm)
    assert "楼道灯要换" in text(confirm) and 'href="' + link["path"] + '"' in confirm.get_data(as_text=True)
    assert db.session.scalar(select(Ballot.id)) is None  # nothing is cast before the confirmation
    submitted = client.post(link["path"] + "/vote", data={"csrf_token": token, "choice": "agree",
                                                          "opinion": "楼道灯要换"})
    assert submitted.status_code == 303
    receipt_page = client.get(submitted.headers["Location"])
    assert_secure(receipt_page)
    ballot = db.session.scalar(select(Ballot))
    receipt_text = text(receipt_page)
    assert "表决成功" in receipt_text and ballot.receipt in receipt_text and "2026-09-01 09:00" in receipt_text
    assert "是否计入计入" in receipt_text.replace("\n", "")
    status = client.get(f"/api/v1/ballots/{ballot.receipt}").get_json()
    assert status["status"] == "counted" and status["choice"] == "agree"  # the code is the owner's secret (issue 16)
    assert client.get(f"/api/v1/rounds/{opened.round_id}/tally", headers=opened.headers).get_json()[
        "agree"]["heads"] == 1


def test_policy_last_the_page_shows_the_current_choice_and_a_change_counts(client, db, clock):
    opened = open_round_with_links(client, clock, policy="last")
    link = opened.links["1-2-201"]
    choose_and_confirm(client, link, "agree")
    clock.advance(hours=1)
    page = text(client.get(link["path"]))
    assert "您当前的有效选择：同意（2026-09-01 09:00）" in page and "截止前可以修改" in page
    assert "修改表决：请重新选择" in page
    _, submitted = choose_and_confirm(client, link, "disagree")
    receipt = text(client.get(submitted.headers["Location"]))
    assert "表决成功" in receipt and "以最后一次表决为准" in receipt
    assert "您当前的有效选择：不同意（2026-09-01 10:00）" in text(client.get(link["path"]))
    result = client.get(f"/api/v1/rounds/{opened.round_id}/tally", headers=opened.headers).get_json()
    assert result["disagree"]["heads"] == 1 and result["agree"]["heads"] == 0


def test_policy_first_the_page_says_final_and_a_stale_form_is_kept_as_a_duplicate(client, db, clock):
    opened = open_round_with_links(client, clock, policy="first")
    unit_a, unit_b = opened.links["1-1-101"], opened.links["1-1-102"]
    stale_form = page_csrf(client.get(unit_b["path"]).get_data(as_text=True))  # unit B's page opened before
    choose_and_confirm(client, unit_a, "agree")
    for link in (unit_a, unit_b):  # one owner: both units' pages say the ballot is final
        page = text(client.get(link["path"]))
        assert "您已于 2026-09-01 09:00 表决：同意" in page and "表决结果不能更改" in page
        assert "下一步" not in page
    submitted = client.post(unit_b["path"] + "/vote", data={"csrf_token": stale_form, "choice": "disagree"})
    assert submitted.status_code == 303
    receipt = text(client.get(submitted.headers["Location"]))
    assert "已记录" in receipt and "不计入（以首次表决为准）" in receipt and "表决结果不能更改" in receipt
    ballots = db.session.scalars(select(Ballot).order_by(Ballot.seq)).all()
    assert [(b.choice, b.counted_at_cast) for b in ballots] == [("agree", True), ("disagree", False)]


def test_unknown_superseded_and_closed_links_get_plain_pages(client, db, clock):
    opened = open_round_with_links(client, clock)
    unknown = client.get("/v/" + "A" * 24)
    assert unknown.status_code == 404 and "请联系社区工作人员重新领取二维码" in text(unknown)
    assert_secure(unknown)
    link = opened.links["1-2-201"]
    reissue_link(client, opened.round_id, link["household_id"], opened.headers, "遗失")
    superseded = client.get(link["path"])
    assert superseded.status_code == 410 and "已停用" in text(superseded)
    clock.advance(days=7, minutes=1)
    # Past the deadline the link stays: it shows the count under way, then the result.
    closed = client.get(opened.links["1-1-101"]["path"])
    assert closed.status_code == 200 and "社区正在计票" in text(closed) and 'name="choice"' not in text(closed)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    result = client.get(opened.links["1-1-101"]["path"])
    assert result.status_code == 200 and "表决结果：" in text(result)
    assert_secure(result)
    assert client.get(link["path"]).status_code == 410  # a superseded link still shows nothing


def test_missing_choice_and_missing_csrf_are_refused_with_a_way_back(client, db, clock):
    opened = open_round_with_links(client, clock)
    link = opened.links["1-2-201"]
    token = page_csrf(client.get(link["path"]).get_data(as_text=True))
    no_choice = client.post(link["path"] + "/confirm", data={"csrf_token": token, "opinion": "留着"})
    assert no_choice.status_code == 422 and "请选择“同意”“不同意”或“弃权”" in text(no_choice)
    assert ">留着</textarea>" in no_choice.get_data(as_text=True)  # what was typed is kept
    forged = client.post(link["path"] + "/vote", data={"choice": "agree"})
    assert forged.status_code == 400 and "页面已过期" in text(forged) and link["path"] in forged.get_data(as_text=True)
    assert_secure(forged)
    assert db.session.scalar(select(Ballot.id)) is None


def test_phone4_asks_for_the_digits_limits_wrong_answers_then_votes(client, db, clock):
    opened = open_round_with_links(client, clock, verification="phone4", policy="last")
    link = opened.links["1-1-101"]
    assert "请输入名册登记手机号的后四位" in text(client.get(link["path"]))
    wrong, _ = choose_and_confirm(client, link, "agree", verification="9999")
    assert wrong.status_code == 422 and "手机号后四位不正确" in text(wrong)
    confirm, submitted = choose_and_confirm(client, link, "agree", verification="１２３４")
    assert confirm.status_code == 200 and submitted.status_code == 303
    for _ in range(4):
        choose_and_confirm(client, link, "agree", verification="0000")
    locked = client.get(link["path"])  # looking is not limited; answering is
    assert locked.status_code == 200
    token = page_csrf(locked.get_data(as_text=True))
    refused = client.post(link["path"] + "/confirm", data={"csrf_token": token, "choice": "agree",
                                                           "verification": "1234"})
    assert refused.status_code == 429 and "核验错误次数过多" in text(refused)
    assert_secure(refused)
    assert db.session.scalar(select(Ballot.id)) is not None


def test_the_notice_board_is_linked_once_the_estate_has_notices(client, db, clock):
    opened = open_round_with_links(client, clock)
    db.session.add(Notice(estate_id=opened.estate_id, round_id=opened.round_id, title="方案公示", body="内容",
                          starts_on=date(2026, 9, 1), working_days=5, ends_on=date(2026, 9, 7)))
    db.session.commit()
    html = client.get(opened.links["1-2-201"]["path"]).get_data(as_text=True)
    assert f'href="{board_path(opened.estate_id)}"' in html


def test_page_is_small_large_type_and_loads_nothing_from_elsewhere(client, db, clock):
    opened = open_round_with_links(client, clock)
    page = client.get(opened.links["1-1-101"]["path"])
    html = page.get_data(as_text=True)
    css = client.get("/static/ballot.css").data
    assert len(page.data) + len(css) < 60 * 1024
    assert not re.search(r'(src|href|action)="(https?:)?//', html) and "<script" not in html and "style=" not in html
    assert re.search(r"body \{[^}]*font: 20px", CSS.read_text())


def test_unknown_and_valid_tokens_cost_one_identical_lookup(app, client, db, clock):
    opened = open_round_with_links(client, clock)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        valid = link_lookup.resolve_token(opened.links["1-1-101"]["token"])
        unknown = link_lookup.resolve_token("B" * 24)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert valid is not None and valid.live and unknown is None
    assert len(statements) == 2 and statements[0] == statements[1]  # same SQL, one statement each


def test_a_double_tap_on_confirm_makes_one_ballot_and_both_taps_show_its_receipt(client, db, clock):
    """Old phones and unsteady fingers: the confirmation form carries one key, so a second tap (or a
    reload that resends the form) is the same submission, not a second ballot marked 'not counted'."""
    opened = open_round_with_links(client, clock, policy="first")
    link = opened.links["1-1-101"]
    token = page_csrf(client.get(link["path"]).get_data(as_text=True))
    confirm = client.post(link["path"] + "/confirm", data={"csrf_token": token, "choice": "agree"})
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm.get_data(as_text=True)))
    assert len(hidden["submission"]) >= 22  # 128 random bits
    taps = [client.post(link["path"] + "/vote", data=hidden) for _ in range(2)]
    assert [t.status_code for t in taps] == [303, 303]
    assert taps[0].headers["Location"] == taps[1].headers["Location"]
    receipt = text(client.get(taps[1].headers["Location"]))
    assert "不计入" not in receipt and "计入" in receipt
    assert [(b.choice, b.counted_at_cast) for b in db.session.scalars(select(Ballot))] == [("agree", True)]
