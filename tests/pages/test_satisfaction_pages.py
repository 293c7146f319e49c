"""Issue 17 item 6 on the pages: the survey on the resident's old link and on its own, paper entry, the round
page, the board, and after-care problems from the link to the community's list and back."""
from tests.ballots_helpers import page_csrf
from tests.factories import board_path, csrf_token, make_user, page_login
from tests.pages.test_ballot_page import assert_secure, text
from tests.satisfaction_helpers import open_survey, survey_after_a_closed_round
from voting.models.rounds import Round


def test_the_old_link_shows_the_survey_and_takes_an_answer_with_items_and_a_comment(client, db, clock):
    after = survey_after_a_closed_round(client, clock)
    old = after.old_links["1-1-101"]
    page = client.get(old["path"])
    body = text(page)
    assert page.status_code == 200 and "改造满意度调查" in body and "是否满意" in body
    assert "基本满意" in body and "屋面" in body  # the plan's items to tick
    assert_secure(page)
    csrf = page_csrf(page.get_data(as_text=True))
    refused = client.post(old["path"] + "/survey", data={"csrf_token": csrf, "choice": "agree"})
    assert refused.status_code == 422 and "请选择“满意”“基本满意”或“不满意”" in text(refused)
    sent = client.post(old["path"] + "/survey", data={"csrf_token": csrf, "choice": "dissatisfied",
                                                      "items": ["R-B-01"], "comment": "屋顶还漏"})
    assert sent.status_code == 303 and "survey=sent" in sent.headers["Location"]
    again = text(client.get(old["path"] + "?survey=sent"))
    assert "您的满意度评价已提交" in again and "回答：不满意" in again
    # Policy "first": answered once, the form is gone.
    assert "提交满意度评价" not in again
    tally = client.get(f"/api/v1/rounds/{after.survey.round_id}/tally", headers=after.survey.headers).get_json()
    assert tally["dissatisfied"]["heads"] == 1 and tally["unhappy_items"] == {"R-B-01": 1}
    # The survey's own link shows the same survey, already answered by the owner (one owner, two units).
    own = text(client.get(after.survey.links["1-1-102"]["path"]))
    assert "您已于" in own and "回答：不满意" in own


def test_paper_page_round_page_and_board_for_a_survey(app, client, db, clock):
    s = open_survey(client, clock)
    make_user("community", "和睦街道", "和睦社区", username="sq2")
    me, colleague = page_login(app.test_client(), "sq"), page_login(app.test_client(), "sq2")
    paper = me.get(f"/rounds/{s.round_id}/paper")
    assert paper.status_code == 200 and "满意度评价" in text(paper) and "基本满意" in text(paper)
    assert 'value="agree"' not in paper.get_data(as_text=True)
    detail = me.get(f"/rounds/{s.round_id}")
    assert detail.status_code == 200, text(detail)[:2000]
    assert "满意度调查" in text(detail)
    clock.advance(days=8)
    token = csrf_token(me, f"/rounds/{s.round_id}")
    closed = me.post(f"/rounds/{s.round_id}/close", data={"csrf_token": token, "confirmed": "yes"})
    assert closed.status_code == 302, text(closed)[:2000]
    shown = me.get(f"/rounds/{s.round_id}")
    assert shown.status_code == 200 and "未作答" in text(shown)
    board = text(client.get(board_path(s.estate_id)))
    assert "改造满意度调查结果公告" in board
    notice_id = db.session.get(Round, s.round_id).result_notice_id
    notice = text(client.get(f"/board/notices/{notice_id}"))
    assert "未作答：3 人" in notice and "不设通过条件" in notice and "表决结果：" not in notice
    assert colleague.get(f"/estates/{s.estate_id}/aftercare").status_code == 200


def test_an_aftercare_problem_from_the_link_reaches_the_community_and_its_status_comes_back(app, client, db, clock):
    after = survey_after_a_closed_round(client, clock)
    old = after.old_links["1-2-201"]
    csrf = page_csrf(client.get(old["path"]).get_data(as_text=True))
    empty = client.post(old["path"] + "/aftercare", data={"csrf_token": csrf, "text": " "})
    assert empty.status_code == 422 and "问题描述不能为空" in text(empty)
    sent = client.post(old["path"] + "/aftercare", data={"csrf_token": csrf, "text": "3楼楼道灯不亮", "item": "R-P-01"})
    assert sent.status_code == 303
    assert "处理状态：待处理" in text(client.get(old["path"]))
    staff = page_login(app.test_client(), "sq")
    listing = staff.get(f"/estates/{after.survey.estate_id}/aftercare")
    assert listing.status_code == 200 and "3楼楼道灯不亮" in text(listing) and "1-2-201" in text(listing)
    problem_id = client.get(f"/api/v1/links/{old['token']}").get_json()["aftercare"]["problems"][0]["id"]
    token = csrf_token(staff, f"/estates/{after.survey.estate_id}/aftercare")
    unresolved = staff.post(f"/aftercare/{problem_id}/status", data={"csrf_token": token, "status": "resolved"})
    assert unresolved.status_code == 422 and "请写明如何处理的" in text(unresolved)
    moved = staff.post(f"/aftercare/{problem_id}/status", data={"csrf_token": token, "status": "resolved",
                                                               "note": "已更换灯具"})
    assert moved.status_code == 303
    back = text(client.get(old["path"]))
    assert "处理状态：已解决" in back and "已更换灯具" in back
    # Five a day per household, then 429.
    for n in range(4):
        assert client.post(old["path"] + "/aftercare", data={"csrf_token": csrf, "text": f"问题{n}"}).status_code == 303
    assert client.post(old["path"] + "/aftercare", data={"csrf_token": csrf, "text": "第六个"}).status_code == 429
