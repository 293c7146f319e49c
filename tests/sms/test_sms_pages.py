"""Staff pages: the outbox per round and per estate, queueing, console messages, resending."""
import re

from tests.ballots_helpers import page_csrf
from tests.factories import make_estate, make_user, page_login
from tests.sms.helpers import messages, open_round
from voting.sms.worker import run_batch


def text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def test_staff_queue_reminders_and_see_console_messages_masked(client, db, clock, console_sms):
    opened = open_round(client, clock)
    page_login(client, "sq")
    detail = client.get(f"/rounds/{opened.round_id}").get_data(as_text=True)
    assert f'href="/rounds/{opened.round_id}/sms"' in detail and "尚未发送短信" in detail
    page = client.get(f"/rounds/{opened.round_id}/sms")
    assert page.status_code == 200 and "控制台模式" in text(page) and "向未表决的业主发送表决提醒" in text(page)

    queued = client.post(f"/rounds/{opened.round_id}/sms/reminders", data={"csrf_token": page_csrf(page.get_data(as_text=True))})
    assert queued.status_code == 303
    page = client.get(f"/rounds/{opened.round_id}/sms")
    assert "已加入发送队列 5 条" in text(page) and "待发送" in text(page)
    run_batch(clock)
    page = text(client.get(f"/rounds/{opened.round_id}/sms"))
    assert "已发送" in page and "（控制台，未真实发送）" in page and "138****0003" in page
    assert "13800000003" not in page and opened.links["1-2-202"]["token"] not in page
    assert "已发送 5 条" in text(client.get(f"/rounds/{opened.round_id}"))
    estate_page = client.get(f"/estates/{opened.estate_id}/sms")
    assert estate_page.status_code == 200 and "第一次征询" in text(estate_page)


def test_a_failed_message_is_resent_from_the_page_as_a_new_row(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    client.post(f"/api/v1/rounds/{opened.round_id}/sms/reminders", headers=opened.headers, json={})
    fake_twilio.script.append(400)
    first = messages(db)[0]
    run_batch(clock, ids=[first.id])
    page_login(client, "sq")
    page = client.get(f"/rounds/{opened.round_id}/sms?state=failed")
    html = page.get_data(as_text=True)
    assert "发送失败" in text(page) and f"/sms/messages/{first.id}/resend" in html and "21211" in html
    resent = client.post(f"/sms/messages/{first.id}/resend", data={"csrf_token": page_csrf(html)})
    assert resent.status_code == 303
    rows = messages(db)
    assert rows[-1].resend_of_id == first.id and rows[-1].state == "pending" and rows[0].state == "failed"
    assert f"重发自 {first.id}" in text(client.get(f"/rounds/{opened.round_id}/sms"))


def test_the_outbox_of_another_community_is_404(client, db, clock, console_sms):
    opened = open_round(client, clock)
    make_estate(name="朝晖一区", street="朝晖街道", community="朝晖社区")
    make_user("community", "朝晖街道", "朝晖社区", username="other")
    page_login(client, "other")
    assert client.get(f"/rounds/{opened.round_id}/sms").status_code == 404
    assert client.get(f"/estates/{opened.estate_id}/sms").status_code == 404


def test_reminders_skip_owners_who_voted_and_need_an_open_round(client, db, clock, console_sms):
    opened = open_round(client, clock)
    voted = client.post("/api/v1/ballots", json={"token": opened.links["1-1-102"]["token"], "choice": "agree"})
    assert voted.status_code == 201
    report = client.post(f"/api/v1/rounds/{opened.round_id}/sms/reminders", headers=opened.headers, json={}).get_json()
    assert report["voted"] == 2 and report["queued"] == 4  # K001 voted through one of their two units
    assert "+8613800000001" not in {m.to_phone for m in messages(db)}
    early = client.post(f"/api/v1/rounds/{opened.round_id}/sms/results", headers=opened.headers)
    assert early.status_code == 409 and "结果公布后" in early.get_json()["message"]
