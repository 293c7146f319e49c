"""The worker against a local fake Twilio (the real client over HTTP): send, retry, fail, recover."""
import json
from datetime import timedelta

from sqlalchemy import select, text

from tests.sms.fake_twilio import FROM
from tests.sms.helpers import PUBLIC_BASE_URL, messages, open_round, queue_reminders
from voting.models.audit import AuditEvent
from voting.sms.worker import claim, run_batch


def test_reminders_go_once_per_owner_and_phone_and_are_recorded_with_their_sid(client, db, clock, fake_twilio,
                                                                              links_everywhere):
    opened = open_round(client, clock)
    report = queue_reminders(client, opened)
    # K001's two units share one reminder, K002 has two phones, K005 has none.
    assert report == {"queued": 5, "duplicate": 0, "opted_out": 0, "voted": 0, "no_phone": 1, "undelivered": 0}
    assert queue_reminders(client, opened) == {"queued": 0, "duplicate": 5, "opted_out": 0, "voted": 0,
                                               "no_phone": 1, "undelivered": 0}

    assert run_batch(clock) == {"sent": 5}
    assert len(fake_twilio.posts) == 5 and all(n == 1 for n in fake_twilio.sends.values())
    post = next(p for p in fake_twilio.posts if p["To"] == "+8613800000003")
    assert post["From"] == FROM and opened.links["1-2-202"]["url"] in post["Body"] and "和睦新村" in post["Body"]
    assert post["StatusCallback"].startswith(PUBLIC_BASE_URL + "/api/v1/sms/status?m=")
    rows = messages(db)
    assert {r.state for r in rows} == {"sent"} and all(r.provider_sid.startswith("SM") for r in rows)
    assert {r.provider_sid for r in rows} == {m["sid"] for m in fake_twilio.messages}
    # The link was a credential: the stored text is erased once sent, staff see it masked.
    assert all(r.body is None and opened.links["1-2-202"]["token"] not in r.display_body for r in rows)
    assert run_batch(clock) == {}  # nothing left


def test_queued_and_sent_events_are_audited_with_masked_numbers_only(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    run_batch(clock)
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(("sms_batch_queued", "sms_queued", "sms_sent")))).all()
    # One event for the batch (one append, one lock of the estate's chain), one per message sent.
    assert sorted(e.action for e in events) == ["sms_batch_queued"] + ["sms_sent"] * 5
    batch = json.loads(next(e.data for e in events if e.action == "sms_batch_queued"))
    sent = {e.subject for e in events if e.action == "sms_sent"}
    assert batch["kind"] == "reminder" and {f"sms:{m['id']}" for m in batch["messages"]} == sent
    dumped = " ".join(e.data for e in events)
    # Not even the last four digits: they verify voters in phone4 rounds, and the log goes into bundles.
    assert "138********" in dumped and "0003" not in dumped
    assert all(json.loads(e.data).get("sid", "SM").startswith("SM") for e in events)


def test_429_and_5xx_are_retried_with_exponential_backoff_visible_in_next_attempt_at(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    fake_twilio.script.extend([429, 503])
    assert run_batch(clock, batch=1) == {"retry": 1}
    first = messages(db)[0]
    assert (first.state, first.attempts, first.needs_check) == ("pending", 1, False)  # a 429 created nothing
    assert first.next_attempt_at == clock.now + timedelta(seconds=10) and "429" in first.error

    assert run_batch(clock, batch=5, ids=[first.id]) == {}  # not due yet
    clock.advance(seconds=10)
    assert run_batch(clock, ids=[first.id]) == {"retry": 1}
    first = messages(db)[0]
    # A 503 may hide a created message: the next attempt asks Twilio first. Backoff doubled.
    assert (first.attempts, first.needs_check) == (2, True)
    assert first.next_attempt_at == clock.now + timedelta(seconds=20) and "503" in first.error

    clock.advance(seconds=20)
    lists_before = fake_twilio.list_calls
    assert run_batch(clock, ids=[first.id]) == {"sent": 1}
    assert fake_twilio.list_calls == lists_before + 1
    first = messages(db)[0]
    assert (first.state, first.attempts, first.error) == ("sent", 3, "")
    assert len(fake_twilio.posts) == 3 and fake_twilio.sends[str(first.id)] == 1


def test_a_5xx_after_twilio_created_the_message_is_recovered_not_sent_again(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    fake_twilio.script.append("created-then-500")
    first = messages(db)[0]
    assert run_batch(clock, ids=[first.id]) == {"retry": 1}
    clock.advance(seconds=10)
    assert run_batch(clock, ids=[first.id]) == {"recovered": 1}
    first = messages(db)[0]
    assert first.state == "sent" and first.provider_sid == fake_twilio.messages[0]["sid"]
    assert len(fake_twilio.posts) == 1 and fake_twilio.sends[str(first.id)] == 1


def test_a_4xx_is_a_permanent_failure_with_its_reason_and_is_not_retried(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    fake_twilio.script.append(400)
    first = messages(db)[0]
    assert run_batch(clock, ids=[first.id]) == {"failed": 1}
    first = messages(db)[0]
    assert first.state == "failed" and "400" in first.error and "21211" in first.error and "not a valid" in first.error
    assert first.body is None and first.attempts == 1
    clock.advance(hours=1)
    assert run_batch(clock, ids=[first.id]) == {}
    assert len(fake_twilio.posts) == 1


def test_transient_failures_give_up_after_the_attempt_limit(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    first, second = messages(db)[:2]
    fake_twilio.script.extend([429] * 4)
    for _ in range(4):
        run_batch(clock, ids=[first.id])
        clock.advance(minutes=2)
    first = messages(db)[0]
    assert first.state == "failed" and first.attempts == 4 and first.error.startswith("重试4次仍失败")

    # After a last 5xx the message may exist at Twilio: one more pass only checks, then gives up.
    fake_twilio.script.extend([503] * 4)
    for _ in range(4):
        run_batch(clock, ids=[second.id])
        clock.advance(minutes=2)
    second = messages(db)[1]
    assert (second.state, second.needs_check, len(fake_twilio.posts)) == ("pending", True, 8)
    assert run_batch(clock, ids=[second.id]) == {"failed": 1}
    second = messages(db)[1]
    assert second.state == "failed" and "503" in second.error and len(fake_twilio.posts) == 8


def test_messages_past_their_expiry_are_not_sent(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    clock.advance(days=8)  # the round closed: a reminder is pointless now
    assert run_batch(clock) == {"expired": 5}
    assert fake_twilio.posts == [] and {m.state for m in messages(db)} == {"expired"}


def test_a_claim_leases_rows_exclusively_until_the_lease_ends(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    first, second = claim("a", clock.now, 3), claim("b", clock.now, 3)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert claim("c", clock.now, 10) == []
    clock.advance(seconds=31)  # the lease (30 s in tests) has ended: a dead worker's rows come back
    assert sorted(claim("c", clock.now, 10)) == sorted(first + second)


def test_the_console_backend_sends_nothing_out_and_records_the_message(client, db, clock, console_sms):
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    assert run_batch(clock) == {"sent": 5}
    rows = messages(db)
    assert {(r.backend, r.provider_status) for r in rows} == {("console", "delivered")}
    assert all(r.provider_sid.startswith("CONSOLE") and "和睦新村" in r.display_body for r in rows)
    assert db.session.execute(text("SELECT count(*) FROM sms_outbox WHERE body IS NOT NULL")).scalar() == 0


def test_result_notices_go_once_per_phone_after_the_result_is_published(client, db, clock, fake_twilio):
    opened = open_round(client, clock)
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    assert client.post(f"/api/v1/rounds/{opened.round_id}/result", headers=opened.headers,
                       json={"answers": []}).status_code == 200
    path = f"/api/v1/rounds/{opened.round_id}/sms/results"
    assert client.post(path, headers=opened.headers).get_json() == {
        "queued": 5, "duplicate": 0, "opted_out": 0, "voted": 0, "no_phone": 1, "undelivered": 0}
    assert client.post(path, headers=opened.headers).get_json()["duplicate"] == 5
    assert run_batch(clock) == {"sent": 5}
    body = fake_twilio.bodies_to("+8613800000001")[0]
    assert body.startswith("【和睦新村】") and "9月8日截止" in body and "未通过" in body
    assert [m.kind for m in messages(db)] == ["result"] * 5


def test_the_cli_worker_once_sends_what_is_due_and_exits(app, client, db, clock, console_sms):
    from voting.sms.cli import sms_cli

    opened = open_round(client, clock)
    queue_reminders(client, opened)
    result = app.test_cli_runner().invoke(sms_cli, ["worker", "--once", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "sent=3" in result.output and [m.state for m in messages(db)].count("sent") == 3
