"""Staff pages for the proposal and its rounds: create, revise, open, close, publish."""

from tests.factories import csrf_token, page_login
from tests.ballots_helpers import page_csrf
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.ballots.casting import cast_ballot
from voting.models.rounds import Round


def test_worker_runs_a_round_from_the_pages(client, db, clock):
    estate_id, _ = estate_with_roster(client)
    page_login(client, "sq")
    page = f"/estates/{estate_id}/proposal"
    assert "填写改造方案" in client.get(page).get_data(as_text=True)
    token = csrf_token(client, page)
    bad = client.post(page, data={"csrf_token": token, "title": "方案", "summary": "说明", "estimated_cost": "1.234",
                                  "items": ["R-B-01"]})
    assert bad.status_code == 422 and "金额最多两位小数" in bad.get_data(as_text=True)
    created = client.post(page, data={"csrf_token": token, "title": "和睦新村改造方案", "summary": "屋面与管网",
                                      "estimated_cost": "160000.00", "items": ["R-B-01", "R-P-01"]})
    assert created.status_code == 302
    html = client.get(page).get_data(as_text=True)
    # 160000 元 over 395.75 ㎡ is 404.30 元/㎡: capped at 400, the city pays 50% × 400 × 395.75.
    assert "第 1 版" in html and "市级财政补助" in html and "79150.00 元" in html
    revised = client.post(page, data={"csrf_token": token, "title": "和睦新村改造方案（修订）", "summary": "加装电梯",
                                      "estimated_cost": "170000.00", "items": ["R-B-01", "U-B-01"]})
    assert revised.status_code == 302 and "第 2 版" in client.get(page).get_data(as_text=True)

    response = client.post(f"/estates/{estate_id}/proposal/rounds", data={
        "csrf_token": token, "stage": "1", "rule": "double-two-thirds", "ballot_policy": "first",
        "verification": "link", "opens_at": "2026-09-01T09:00", "closes_at": "2026-09-03T09:00"})
    assert response.status_code == 422 and "不少于5日" in response.get_data(as_text=True)
    response = client.post(f"/estates/{estate_id}/proposal/rounds", data={
        "csrf_token": token, "stage": "1", "rule": "double-two-thirds", "ballot_policy": "first",
        "verification": "link", "opens_at": "2026-09-01T09:00", "closes_at": "2026-09-08T18:00"})
    assert response.status_code == 302
    round_url = response.headers["Location"]
    round_id = int(round_url.rsplit("/", 1)[1])
    assert "草稿" in client.get(round_url).get_data(as_text=True)
    asked = client.post(f"{round_url}/open", data={"csrf_token": token})  # the first press asks
    assert asked.status_code == 200 and "确认开始表决" in asked.get_data(as_text=True)
    assert db.session.get(Round, round_id).status == "draft"
    assert client.post(f"{round_url}/open", data={"csrf_token": token, "confirmed": "yes"}).status_code == 302
    round_ = db.session.get(Round, round_id)
    assert round_.status == "open" and round_.total_heads == 3
    for household in (1, 3, 4):
        cast_ballot(round_, household, "agree", "online", clock.now)
    db.session.commit()
    client.post(f"{round_url}/opinions", data={"csrf_token": token, "text": "楼道灯要换"})
    html = client.get(round_url).get_data(as_text=True)
    assert "计票（实时）" in html and "楼道灯要换" in html and "达到" in html
    refused = client.post(f"{round_url}/close", data={"csrf_token": token, "confirmed": "yes"})
    assert refused.status_code == 409 and "未到设定的截止时间" in refused.get_data(as_text=True)
    clock.advance(days=9)
    assert client.post(f"{round_url}/close", data={"csrf_token": token, "confirmed": "yes"}).status_code == 302
    html = client.get(round_url).get_data(as_text=True)
    opinion_field = html.split('name="answer-')[1].split('"')[0]
    published = client.post(f"{round_url}/result", data={"csrf_token": token, f"answer-{opinion_field}": "已安排"})
    assert published.status_code == 302
    html = client.get(round_url).get_data(as_text=True)
    assert "结果已公布" in html and "答复：已安排" in html and "公布结果并答复意见（一下）" in html


def test_round_page_of_other_community_is_404(client, db, clock):
    from tests.factories import make_user

    estate_id, h = estate_with_roster(client)
    from tests.rounds_helpers import create_proposal, create_round

    round_id = create_round(client, create_proposal(client, estate_id, h), h, clock)
    make_user("community", "大关街道", "西一社区", username="far")
    page_login(client, "far")
    assert client.get(f"/rounds/{round_id}").status_code == 404
    assert client.get(f"/estates/{estate_id}/proposal").status_code == 404


def test_a_draft_is_edited_and_cancelled_on_its_page(client, db, clock):
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    round_id = create_round(client, proposal_id, h, clock)
    page_login(client, "sq")
    round_url = f"/rounds/{round_id}"
    html = client.get(round_url).get_data(as_text=True)
    assert "修改草稿" in html and "取消这个轮次" in html and "物权法已于2021年1月1日废止" in html
    token = page_csrf(html)
    edited = client.post(f"{round_url}/edit", data={"csrf_token": token, "question": "您是否同意加装电梯？",
                                                    "closes_at": "2026-09-10T18:00"})
    assert edited.status_code == 302
    html = client.get(round_url).get_data(as_text=True)
    assert "您是否同意加装电梯？" in html and "修改草稿" in html and "修改：表决问题、截止时间" in html
    short = client.post(f"{round_url}/edit", data={"csrf_token": token, "closes_at": "2026-09-02T18:00"})
    assert short.status_code == 422 and "不少于5日" in short.get_data(as_text=True)
    assert client.post(f"{round_url}/cancel", data={"csrf_token": token, "reason": ""}).status_code == 422
    cancelled = client.post(f"{round_url}/cancel", data={"csrf_token": token, "reason": "时间填错"})
    assert cancelled.status_code == 302
    proposal_page = client.get(f"/estates/{estate_id}/proposal").get_data(as_text=True)
    caused_by = proposal_page.split('name="caused_by_round_id"', 1)[1].split("</select>", 1)[0]
    assert "已取消" in proposal_page and f'value="{round_id}"' not in caused_by  # no longer offered
