"""Texts to numbers where links are not allowed (+86 by default): no URL, the slip, the hotline, the board.

Through the real outbox path: staff queue through the API, the worker sends to the fake
Twilio, and both the queued rows and what Twilio received are read back.
"""
import re

from tests.ballots_helpers import set_community_contact
from tests.factories import board_path
from tests.sms.helpers import messages, open_round, queue_reminders
from voting.models.rounds import Round
from voting.rounds.objections import objection_period
from voting.sms.worker import run_batch

URL_SHAPES = re.compile(r"https?://|/v/|vote\.test|www\.|\.(cn|com|net)\b", re.IGNORECASE)


def assert_no_url(texts: list[str]) -> None:
    assert texts and not [t for t in texts if URL_SHAPES.search(t)]


def test_reminders_to_mainland_numbers_carry_no_url_but_the_flat_the_slip_and_the_hotline(
        client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    set_community_contact(opened.estate_id, hotline="0571-88001234")
    assert queue_reminders(client, opened)["queued"] == 5
    queued = messages(db)
    assert {m.to_phone[:3] for m in queued} == {"+86"}
    assert_no_url([m.body for m in queued] + [m.display_body for m in queued])
    assert run_batch(clock) == {"sent": 5}
    assert_no_url([post["Body"] for post in fake_twilio.posts])
    body = next(p["Body"] for p in fake_twilio.posts if p["To"] == "+8613800000003")
    assert body.startswith("【和睦新村】1-2-202") and "9月8日09:00截止" in body and "二维码" in body
    assert "致电社区0571-88001234" in body and body.endswith("回T退订")
    # K002's two phones both name their flat; K001's two flats share one text naming the first.
    assert {p["To"]: p["Body"][6:13] for p in fake_twilio.posts if p["To"] in (
        "+8613800000001", "+8613800000002", "+8613900000002")} == {
        "+8613800000001": "1-1-101", "+8613800000002": "1-2-201", "+8613900000002": "1-2-201"}


def test_a_resent_reminder_to_a_mainland_number_carries_no_url_either(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    run_batch(clock)
    failed = messages(db)[0]
    failed.state = "failed"
    db.session.commit()
    assert client.post(f"/api/v1/sms/messages/{failed.id}/resend", headers=opened.headers).status_code == 201
    resent = messages(db)[-1]
    assert resent.resend_of_id == failed.id and "请联系社区" in resent.body  # no hotline set: no number
    assert_no_url([resent.body, resent.display_body])


def test_the_prefix_list_is_configurable_and_elsewhere_the_reminder_keeps_its_link(app, client, db, clock,
                                                                                  fake_twilio):
    opened = open_round(client, clock)
    app.config["SMS_NO_LINK_PREFIXES"] = "+852"  # e.g. a provider that allows links to mainland numbers
    try:
        queue_reminders(client, opened)
    finally:
        app.config.pop("SMS_NO_LINK_PREFIXES")
    queued = {m.to_phone: m for m in messages(db)}
    assert opened.links["1-2-202"]["url"] in queued["+8613800000003"].body


def close_and_publish(client, clock, opened) -> None:
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    assert client.post(f"/api/v1/rounds/{opened.round_id}/result", headers=opened.headers,
                       json={"answers": []}).status_code == 200


def test_result_texts_to_mainland_numbers_name_the_result_its_state_and_the_board_without_a_url(
        client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    close_and_publish(client, clock, opened)
    ends_on = objection_period(db.session.get(Round, opened.round_id))[1]
    assert client.post(f"/api/v1/rounds/{opened.round_id}/sms/results", headers=opened.headers).status_code == 202
    results = [m for m in messages(db) if m.kind == "result"]
    assert len(results) == 5
    assert_no_url([m.body for m in results])
    body = results[0].body
    assert f"未通过（异议期至{ends_on.month}月{ends_on.day}日" in body and "请查看小区公示栏或社区公告" in body


def test_a_final_result_says_so_and_where_links_are_allowed_names_the_boards_address(
        client, db, clock, fake_twilio, links_everywhere):
    opened = open_round(client, clock)
    close_and_publish(client, clock, opened)
    clock.advance(days=30)  # past the objection period, no objection: the result can be final
    finalised = client.post(f"/api/v1/rounds/{opened.round_id}/finalise", headers=opened.headers)
    assert finalised.status_code == 200, finalised.get_json()
    assert client.post(f"/api/v1/rounds/{opened.round_id}/sms/results", headers=opened.headers).status_code == 202
    body = next(m for m in messages(db) if m.kind == "result").body
    assert "未通过（最终结果）" in body and f"http://vote.test{board_path(opened.estate_id)} 回T退订" in body
