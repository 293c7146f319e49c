"""Texts confirming a ballot to its household: batched after a quiet period, never the choice, off only with a reason."""
import io
import json

from sqlalchemy import select

from tests.ballots_helpers import open_round_with_links, second_worker, set_community_contact
from tests.full_dataset import jpeg_bytes
from voting.models.audit import AuditEvent
from voting.models.sms import OutboxMessage
from voting.sms.ballot_confirmations import queue_confirmations


def confirmation_texts(db) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirmation")))


def test_a_change_of_mind_within_minutes_is_one_text_naming_the_community_hotline(app, client, db, clock):
    opened = open_round_with_links(client, clock, policy="last")
    set_community_contact(opened.estate_id, hotline="0571-88886666")
    token = opened.links["1-1-101"]["token"]
    assert client.post("/api/v1/ballots", json={"token": token, "choice": "agree"}).status_code == 201
    clock.advance(minutes=2)
    assert client.post("/api/v1/ballots", json={"token": token, "choice": "disagree"}).status_code == 201
    clock.advance(minutes=4)
    assert queue_confirmations(clock.now) == 0  # four minutes after the second ballot: still quiet
    clock.advance(minutes=2)
    assert queue_confirmations(clock.now) == 1
    db.session.commit()
    text, = confirmation_texts(db)
    assert "9月1日09:02" in text.body and "请致电社区0571-88886666" in text.body


def test_paper_ballots_are_confirmed_by_the_worker_command(app, client, db, clock):
    opened = open_round_with_links(client, clock)
    household = opened.links["1-1-102"]["household_id"]
    entry = client.post(f"/api/v1/rounds/{opened.round_id}/paper-ballots", headers=opened.headers,
                        content_type="multipart/form-data",
                        data={"household_id": str(household), "choice": "agree", "kind": "paper",
                              "scan": (io.BytesIO(jpeg_bytes()), "scan.jpg")}).get_json()
    confirmed = client.post(f"/api/v1/paper-ballots/{entry['id']}/confirm", headers=second_worker(client))
    assert confirmed.status_code == 200, confirmed.get_json()
    clock.advance(minutes=10)
    result = app.test_cli_runner().invoke(args=["sms", "confirmations"])
    assert result.exit_code == 0 and "confirmations queued=1" in result.output
    text, = confirmation_texts(db)
    assert text.household_id == household and "1-1-102" in text.body and "纸质" in text.body
    assert "请联系社区。" in text.body and "致电" not in text.body  # no hotline set: no number, none made up


def test_a_round_turns_confirmation_texts_off_only_with_a_reason_from_the_street(client, db, clock):
    opened = open_round_with_links(client, clock)
    path = f"/api/v1/rounds/{opened.round_id}/sms/confirmations"
    worker = client.put(path, headers=opened.headers, json={"enabled": False, "reason": "不想发"})
    assert worker.status_code == 403 and "街道办事处" in worker.get_json()["message"]
    from_street = second_worker(client, "jd", role="street")
    no_reason = client.put(path, headers=from_street, json={"enabled": False})
    assert no_reason.status_code == 422 and "须填写原因" in no_reason.get_json()["message"]
    off = client.put(path, headers=from_street, json={"enabled": False, "reason": "业主大会决定改用电话回访"})
    assert off.status_code == 200 and off.get_json()["enabled"] is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "confirmation_texts_off"))
    assert (event.actor, json.loads(event.data)["reason"]) == ("jd", "业主大会决定改用电话回访")
    client.post("/api/v1/ballots", json={"token": opened.links["1-1-101"]["token"], "choice": "agree"})
    clock.advance(hours=1)
    assert queue_confirmations(clock.now) == 0



def test_a_failed_confirmation_is_resent_as_the_same_confirmation(app, client, db, clock):
    opened = open_round_with_links(client, clock)
    assert client.post("/api/v1/ballots", json={"token": opened.links["1-1-101"]["token"],
                                                "choice": "agree"}).status_code == 201
    clock.advance(minutes=10)
    assert queue_confirmations(clock.now) == 1
    failed, = confirmation_texts(db)
    failed.state = "failed"
    db.session.commit()
    resent = client.post(f"/api/v1/sms/messages/{failed.id}/resend", headers=opened.headers)
    assert resent.status_code == 201, resent.get_json()
    again = db.session.get(OutboxMessage, resent.get_json()["id"])
    assert again.kind == "confirmation" and again.body == failed.display_body and "表决结果" not in again.body
