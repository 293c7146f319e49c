"""Issue 14: no staff account votes for a resident unseen — every link handed to staff is in the
audit log, the household is texted after its ballot, and a staff browser cannot vote."""
import json

from sqlalchemy import select

from tests.ballots_helpers import open_round_with_links, page_csrf
from tests.factories import page_login
from voting.ballots.id_ranges import expand_ranges
from voting.models.audit import AuditEvent
from voting.models.sms import OutboxMessage
from voting.sms.ballot_confirmations import queue_confirmations

REFUSED_ZH = "工作人员账号不能代业主表决"


def events(db, action: str) -> list[tuple[str, dict]]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    return [(event.actor, json.loads(event.data)) for event in rows]


def test_a_ballot_through_a_listed_link_leaves_the_disclosure_and_texts_the_household(client, db, clock):
    opened = open_round_with_links(client, clock)  # worker "sq" lists the round's links through the API
    (actor, listed), = events(db, "links_disclosed")
    assert actor == "sq" and (listed["how"], listed["via"], listed["count"]) == ("list", "api", 5)
    assert sorted(expand_ranges(listed["households"])) == sorted(l["household_id"] for l in opened.links.values())

    link = opened.links["1-1-101"]
    assert client.post("/api/v1/ballots", json={"token": link["token"], "choice": "disagree"}).status_code == 201
    assert queue_confirmations(clock.now) == 0  # the household may still change its mind: wait
    clock.advance(minutes=6)
    assert queue_confirmations(clock.now) == 1
    db.session.commit()
    text, = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirmation"))
    assert (text.to_phone, text.household_id, text.state) == ("+8613812341234", link["household_id"], "pending")
    assert text.body.startswith("【和睦新村】1-1-101") and "线上" in text.body and "如非本人操作，请联系社区" in text.body
    assert "不同意" not in text.body and "http" not in text.body  # never the choice, never a link
    assert queue_confirmations(clock.now) == 0  # told once


def test_qr_and_slips_are_disclosures_through_pages_and_api(client, db, clock):
    opened = open_round_with_links(client, clock)
    household = opened.links["1-2-201"]["household_id"]
    base = f"/rounds/{opened.round_id}"
    assert client.get(f"/api/v1{base}/households/{household}/qr.png", headers=opened.headers).status_code == 200
    page_login(client, "sq")
    assert client.get(f"{base}/households/{household}/qr.png").status_code == 200
    assert client.get(f"{base}/slips.pdf?building=2").status_code in (200, 503)  # 503: no CJK font installed
    disclosed = [(actor, data["how"], data["via"], data["households"], data.get("unit"))
                 for actor, data in events(db, "links_disclosed")][1:]
    assert disclosed[:2] == [("sq", "qr", "api", str(household), "1-2-201"), ("sq", "qr", "page", str(household), "1-2-201")]


def test_a_staff_browser_or_token_cannot_vote(client, db, clock):
    opened = open_round_with_links(client, clock)
    link = opened.links["1-1-101"]
    ballot = {"token": link["token"], "choice": "agree"}
    with_token = client.post("/api/v1/ballots", json=ballot, headers=opened.headers)
    assert with_token.status_code == 403 and REFUSED_ZH in with_token.get_json()["message"]

    resident_page = client.get(link["path"])
    assert resident_page.status_code == 200
    csrf = page_csrf(resident_page.get_data(as_text=True))
    page_login(client, "sq")
    page = client.get(link["path"])
    assert page.status_code == 403 and REFUSED_ZH in page.get_data(as_text=True)
    posted = client.post(f"{link['path']}/confirm", data={"csrf_token": csrf, "choice": "agree"})
    assert posted.status_code in (400, 403)  # the login replaced the resident's CSRF token, or 403
    with_cookie = client.post("/api/v1/ballots", json=ballot)
    assert with_cookie.status_code == 403 and REFUSED_ZH in with_cookie.get_json()["message"]
    assert db.session.scalar(select(OutboxMessage.id)) is None

    client.post("/logout", data={"csrf_token": page_csrf(client.get(f"/rounds/{opened.round_id}").get_data(as_text=True))})
    assert client.post("/api/v1/ballots", json=ballot).status_code == 201  # the owner, on their own phone
