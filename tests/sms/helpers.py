"""Shared steps of the SMS tests: an open round with phones, queued reminders, signed webhooks."""
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from tests.ballots_helpers import open_round_with_links
from tests.factories import roster_csv
from tests.sms.fake_twilio import AUTH_TOKEN
from voting.models.sms import OutboxMessage

# Six units, five owners: K001 owns two units (one reminder), K002 has two phones, K005 none.
PHONES_ROSTER = roster_csv([
    "1,1,101,80.00,register,K001,张三明,13800000001,owned",
    "1,1,102,60.00,register,K001,张三明,13800000001,owned",
    "1,2,201,75.00,register,K002,李四,13800000002;13900000002,owned",
    "1,2,202,70.00,register,K003,王五,13800000003,owned",
    "2,,101,90.00,register,K004,赵六,13800000004,owned",
    "2,,102,90.00,register,K005,钱七,,owned",
])
PUBLIC_BASE_URL = "http://vote.test"  # the test app's PUBLIC_BASE_URL


def open_round(client, clock, verification="link", policy="first"):
    return open_round_with_links(client, clock, policy=policy, verification=verification, roster=PHONES_ROSTER)


def queue_reminders(client, opened, **body):
    response = client.post(f"/api/v1/rounds/{opened.round_id}/sms/reminders", headers=opened.headers, json=body)
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def messages(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def signed_post(client, path: str, form: dict, token: str = AUTH_TOKEN):
    """POST `form` to `path` (with its query) as Twilio would, signed with `token`."""
    signature = RequestValidator(token).compute_signature(PUBLIC_BASE_URL + path, form)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})
