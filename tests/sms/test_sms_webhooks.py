"""Twilio's callbacks: signed status updates, and STOP / 退订 opting a number out for good."""
import pytest
from sqlalchemy import select

from tests.sms.helpers import messages, open_round, queue_reminders, signed_post
from voting.models.audit import AuditEvent
from voting.models.sms import OptOut
from voting.sms.worker import run_batch


def status_path(message) -> str:
    return f"/api/v1/sms/status?m={message.id}&a={message.attempt_id}"


def test_a_signed_status_callback_updates_the_status_and_a_forged_one_is_403(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    run_batch(clock)
    message = messages(db)[0]
    form = {"MessageSid": message.provider_sid, "MessageStatus": "delivered", "AccountSid": "AC", "To": message.to_phone}

    forged = client.post(status_path(message), data=form, headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 403 and forged.get_json()["message"] == "短信平台签名无效"
    assert client.post(status_path(message), data=form).status_code == 403  # unsigned
    wrong_key = signed_post(client, status_path(message), form, token="someone-else's-token")
    assert wrong_key.status_code == 403
    tampered = signed_post(client, status_path(message), {**form, "MessageStatus": "sent"})
    assert tampered.status_code == 204
    assert messages(db)[0].provider_status == "sent"

    assert signed_post(client, status_path(message), form).status_code == 204
    assert messages(db)[0].provider_status == "delivered"
    # Callbacks arrive out of order: a late "sent" does not undo "delivered".
    assert signed_post(client, status_path(message), {**form, "MessageStatus": "sent"}).status_code == 204
    assert messages(db)[0].provider_status == "delivered"


def test_an_undelivered_callback_makes_the_message_resendable_as_a_new_linked_row(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    run_batch(clock)
    message = messages(db)[0]
    signed_post(client, status_path(message), {"MessageSid": message.provider_sid, "MessageStatus": "undelivered",
                                               "ErrorCode": "30003"})
    listed = client.get(f"/api/v1/rounds/{opened.round_id}/sms", headers=opened.headers).get_json()
    row = next(m for m in listed["messages"] if m["id"] == message.id)
    assert row["resendable"] and "30003" in row["error"] and row["to"] == "138****0001"

    resent = client.post(f"/api/v1/sms/messages/{message.id}/resend", headers=opened.headers)
    assert resent.status_code == 201 and resent.get_json()["resend_of_id"] == message.id
    again = client.post(f"/api/v1/sms/messages/{message.id}/resend", headers=opened.headers)
    assert again.status_code == 409
    assert run_batch(clock) == {"sent": 1}
    old, new = messages(db)[0], messages(db)[-1]
    assert (old.provider_status, old.provider_sid) == ("undelivered", message.provider_sid)  # history kept
    assert new.state == "sent" and new.to_phone == old.to_phone and new.provider_sid != old.provider_sid


def test_the_callback_records_an_attempt_whose_worker_never_did(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    fake_twilio.script.append("created-then-500")
    first = messages(db)[0]
    run_batch(clock, ids=[first.id])  # Twilio created it, the worker saw a 500
    first = messages(db)[0]
    sid = fake_twilio.messages[0]["sid"]
    assert signed_post(client, status_path(first), {"MessageSid": sid, "MessageStatus": "sent"}).status_code == 204
    first = messages(db)[0]
    assert (first.state, first.provider_sid, first.provider_status) == ("sent", sid, "sent")
    clock.advance(minutes=5)
    assert run_batch(clock, ids=[first.id]) == {} and len(fake_twilio.posts) == 1


@pytest.mark.parametrize("word", ["STOP", "退订", " td ", "ｓｔｏｐ"])
def test_an_opt_out_reply_stops_every_future_message_to_that_number(client, db, clock, fake_twilio, word):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    reply = signed_post(client, "/api/v1/sms/inbound", {"From": "+8613800000003", "To": "+15005550006",
                                                        "Body": word, "MessageSid": "SMinbound1"})
    assert reply.status_code == 200 and reply.mimetype == "text/xml" and "<Response>" in reply.get_data(as_text=True)
    assert db.session.scalar(select(OptOut.phone)) == "+8613800000003"
    run_batch(clock)
    assert "+8613800000003" not in {p["To"] for p in fake_twilio.posts} and len(fake_twilio.posts) == 4
    skipped = [m for m in messages(db) if m.to_phone == "+8613800000003"]
    assert [m.state for m in skipped] == ["skipped"]

    # Later reminders and result notices skip it too, and it cannot be resent.
    clock.advance(days=1)
    assert queue_reminders(client, opened)["opted_out"] == 1
    assert client.post(f"/api/v1/sms/messages/{skipped[0].id}/resend", headers=opened.headers).status_code == 409
    run_batch(clock)
    assert "+8613800000003" not in {p["To"] for p in fake_twilio.posts}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sms_opt_out"))
    assert "138********" in event.data and "0003" not in event.data


def test_other_replies_and_forged_opt_outs_change_nothing(client, db, clock, fake_twilio):
    form = {"From": "+8613800000003", "Body": "好的，谢谢", "MessageSid": "SMinbound2"}
    assert signed_post(client, "/api/v1/sms/inbound", form).status_code == 200
    forged = client.post("/api/v1/sms/inbound", data={**form, "Body": "STOP"}, headers={"X-Twilio-Signature": "x"})
    assert forged.status_code == 403
    assert db.session.scalar(select(OptOut.id)) is None


def test_webhooks_are_refused_when_no_auth_token_is_configured(client, db, console_sms):
    response = client.post("/api/v1/sms/inbound", data={"From": "+8613800000003", "Body": "STOP"},
                           headers={"X-Twilio-Signature": "anything"})
    assert response.status_code == 403


def test_a_reply_with_format_characters_is_still_received(client, db, clock, fake_twilio):
    """Pages and the API refuse bidi and zero-width characters; a resident's SMS reply is relayed as typed."""
    form = {"From": "+8613800000003", "Body": "STOP\u200b\u202c", "MessageSid": "SMinbound3"}
    assert signed_post(client, "/api/v1/sms/inbound", form).status_code == 200
