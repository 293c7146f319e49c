"""One-time codes for rounds verified by SMS: delivered through the fake Twilio, hashed at rest,
expiring after 10 minutes, limited in attempts and in requests per link and per phone."""
import re

import pytest
from sqlalchemy import select, text

from tests.ballots_helpers import page_csrf
from tests.sms.helpers import messages, open_round
from voting.ballots.link_lookup import VoteRefused
from voting.ballots.one_time_codes import check_code
from voting.extensions import limiter
from voting.models.ballots import Ballot
from voting.models.sms import OneTimeCode


def request_code(client, link, phone=0):
    return client.post("/api/v1/sms/codes", json={"token": link["token"], "phone": phone})


def last_code(fake_twilio, phone: str) -> str:
    return re.search(r"验证码：(\d{6})", fake_twilio.bodies_to(phone)[-1]).group(1)


def vote(client, link, code, choice="agree"):
    return client.post("/api/v1/ballots", json={"token": link["token"], "choice": choice, "verification": code})


def test_the_code_is_texted_at_once_and_lets_the_household_vote_once(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    assert vote(client, link, "").status_code == 422
    sent = request_code(client, link)
    assert sent.status_code == 202 and sent.get_json()["sent_to"] == "138****0003"
    code = last_code(fake_twilio, "+8613800000003")  # sent inline: no worker needed

    assert vote(client, link, "000000" if code != "000000" else "111111").status_code == 422
    assert vote(client, link, code).status_code == 201
    again = vote(client, link, code, "disagree")
    assert again.status_code == 422 and "已使用" in again.get_json()["message"]
    assert len(db.session.scalars(select(Ballot)).all()) == 1


def test_a_repeated_submission_after_its_code_was_used_answers_with_the_ballot(client, db, clock, fake_twilio):
    """A retry of a ballot whose answer was lost: the single-use code refuses it, the key finds the ballot."""
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    request_code(client, link)
    body = {"token": link["token"], "choice": "agree", "verification": last_code(fake_twilio, "+8613800000003")}
    first = client.post("/api/v1/ballots", json=body, headers={"Idempotency-Key": "sms-retry-1"})
    again = client.post("/api/v1/ballots", json=body, headers={"Idempotency-Key": "sms-retry-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert len(db.session.scalars(select(Ballot)).all()) == 1
    other = client.post("/api/v1/ballots", json=body, headers={"Idempotency-Key": "sms-retry-2"})
    assert other.status_code == 422 and "已使用" in other.get_json()["message"]  # a new submission needs a new code


def test_codes_are_hashed_at_rest_and_erased_from_the_outbox_once_sent(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    request_code(client, opened.links["1-2-202"])
    code = last_code(fake_twilio, "+8613800000003")
    row = db.session.scalar(select(OneTimeCode))
    stored = db.session.execute(text("SELECT * FROM sms_one_time_codes")).one()
    assert not any(code in str(value) for value in stored)
    assert len(row.code_hash) == 64 and "+8613800000003" not in row.phone_hash
    message = messages(db)[0]
    assert message.kind == "otp" and message.state == "sent" and message.body is None
    assert "******" in message.display_body and code not in message.display_body


def test_a_code_expires_after_ten_minutes(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    request_code(client, link)
    code = last_code(fake_twilio, "+8613800000003")
    clock.advance(minutes=10)
    expired = vote(client, link, code)
    assert expired.status_code == 422 and "已过期" in expired.get_json()["message"]
    assert request_code(client, link).status_code == 202  # a new one works
    assert vote(client, link, last_code(fake_twilio, "+8613800000003")).status_code == 201


def test_five_wrong_answers_lock_the_code_even_for_the_right_answer(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    request_code(client, link)
    code = last_code(fake_twilio, "+8613800000003")
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(5):
        assert vote(client, link, wrong).status_code == 422
    limiter.reset()  # the per-link limiter would refuse first; the code's own budget must hold too
    locked = vote(client, link, code)
    assert locked.status_code == 429 and "错误次数过多" in locked.get_json()["message"]
    assert db.session.scalar(select(OneTimeCode.attempts)) == 5
    assert db.session.scalar(select(Ballot.id)) is None


def test_a_right_answer_does_not_use_up_the_attempts(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    request_code(client, link)
    code = last_code(fake_twilio, "+8613800000003")
    round_id, household_id = opened.round_id, link["household_id"]
    for _ in range(8):
        check_code(round_id, household_id, code, clock.now)
    with pytest.raises(VoteRefused) as refused:
        check_code(round_id, household_id, "", clock.now)
    assert refused.value.status == 422
    assert db.session.scalar(select(OneTimeCode.attempts)) == 0


def test_requests_are_limited_per_link_and_per_phone(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    assert request_code(client, link).status_code == 202
    soon = request_code(client, link)
    assert soon.status_code == 429 and "秒后" in soon.get_json()["message"]
    for _ in range(4):
        clock.advance(seconds=61)
        assert request_code(client, link).status_code == 202
    clock.advance(seconds=61)
    assert request_code(client, link).status_code == 429  # 5 an hour per link
    # K001's two units are two links to one phone: the phone's own limit (5 an hour) holds across them.
    clock.advance(hours=2)
    for n in range(5):
        clock.advance(seconds=61)
        assert request_code(client, opened.links["1-1-101" if n % 2 else "1-1-102"]).status_code == 202
    clock.advance(seconds=61)
    assert request_code(client, opened.links["1-1-101"]).status_code == 429
    assert len(fake_twilio.bodies_to("+8613800000001")) == 5


def test_the_resident_chooses_which_roster_phone_gets_the_code(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-201"]  # two phones on the roster
    assert request_code(client, link, phone=1).get_json()["sent_to"] == "139****0002"
    assert request_code(client, link, phone=2).status_code in (422, 429)
    assert fake_twilio.bodies_to("+8613900000002") and not fake_twilio.bodies_to("+8613800000002")
    no_phone = request_code(client, opened.links["2-102"])
    assert no_phone.status_code == 409 and "没有登记您的手机号" in no_phone.get_json()["message"]


def test_link_rounds_do_not_hand_out_codes(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="link")
    assert request_code(client, opened.links["1-2-202"]).status_code == 409


def test_on_the_ballot_page_the_resident_gets_a_code_and_votes_with_it(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    link = opened.links["1-2-202"]
    page = client.get(link["path"]).get_data(as_text=True)
    assert "获取短信验证码" in page and "138****0003" in page and "13800000003" not in page
    asked = client.post(link["path"] + "/sms-code", data={"csrf_token": page_csrf(page), "phone": "0"})
    assert asked.status_code == 303 and asked.headers["Location"].endswith("?code=sent#verification")
    assert asked.headers["Referrer-Policy"] == "no-referrer"
    page = client.get(link["path"] + "?code=sent").get_data(as_text=True)
    assert "验证码已发送" in page and 'name="verification"' in page
    code = last_code(fake_twilio, "+8613800000003")
    form = {"csrf_token": page_csrf(page), "choice": "agree", "opinion": "", "verification": code}
    confirm = client.post(link["path"] + "/confirm", data=form)
    assert confirm.status_code == 200, confirm.get_data(as_text=True)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', confirm.get_data(as_text=True)))
    done = client.post(link["path"] + "/vote", data=hidden)
    assert done.status_code == 303 and "/receipts/" in done.headers["Location"]
    assert db.session.scalar(select(Ballot.household_id)) == link["household_id"]


def test_without_a_csrf_token_the_page_sends_no_code(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    assert client.post(opened.links["1-2-202"]["path"] + "/sms-code", data={"phone": "0"}).status_code == 400
    assert fake_twilio.posts == []


def test_a_household_without_a_roster_phone_is_told_so_and_gets_no_ballot_form(client, db, clock, fake_twilio):
    opened = open_round(client, clock, verification="sms")
    page = client.get(opened.links["2-102"]["path"])
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and "没有登记您的手机号" in html and "下一步" not in html and "获取短信验证码" not in html
    refused = vote(client, opened.links["2-102"], "123456")
    assert refused.status_code == 422 and "请先获取短信验证码" in refused.get_json()["message"]
