"""Landlines on the roster (issue 18) are kept and shown, and never texted: not reminders, not
one-time codes. Every SMS takes a household's numbers from phone_numbers.roll_phones."""
from tests.ballots_helpers import open_round_with_links
from tests.factories import roster_csv
from tests.sms.helpers import messages, queue_reminders
from voting.sms.worker import run_batch

LANDLINE_ROSTER = roster_csv([
    "1,1,101,80.00,register,K001,张三明,0571-87654321;13800000001,owned",  # a landline and a mobile
    "1,1,102,60.00,register,K002,李四,0571-86001234,owned",                # only a landline
    "1,2,201,75.00,register,K003,王五,87654321,owned",                     # a local number, no area code
])


def test_reminders_go_to_mobiles_only(client, db, clock, fake_twilio, links_everywhere):
    opened = open_round_with_links(client, clock, roster=LANDLINE_ROSTER)
    report = queue_reminders(client, opened)
    assert report["queued"] == 1 and report["no_phone"] == 2
    assert run_batch(clock) == {"sent": 1}
    assert [p["To"] for p in fake_twilio.posts] == ["+8613800000001"]
    assert [m.to_phone for m in messages(db)] == ["+8613800000001"]


def test_one_time_codes_are_offered_and_sent_to_mobiles_only(client, db, clock, fake_twilio):
    opened = open_round_with_links(client, clock, roster=LANDLINE_ROSTER, verification="sms")
    both = opened.links["1-1-101"]
    assert client.post("/api/v1/sms/codes", json={"token": both["token"], "phone": 0}).get_json()["sent_to"] == \
        "138****0001"
    assert client.post("/api/v1/sms/codes", json={"token": both["token"], "phone": 1}).status_code in (422, 429)
    landline_only = client.post("/api/v1/sms/codes", json={"token": opened.links["1-1-102"]["token"], "phone": 0})
    assert landline_only.status_code == 409
    assert [p["To"] for p in fake_twilio.posts] == ["+8613800000001"]
