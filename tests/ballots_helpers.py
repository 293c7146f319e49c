"""Open rounds with voting links for the ballot tests (API, pages, browser)."""
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from tests.factories import SMALL_ROSTER, api_token, make_user
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from voting.estates.community_contact import set_contact
from voting.extensions import db
from voting.models.accounts import StaffUser
from voting.models.estates import Estate


@dataclass
class OpenRound:
    estate_id: int
    round_id: int
    headers: dict  # a community worker's bearer token
    links: dict  # unit label → {"household_id", "url", "path", "token"}


def label(link: dict) -> str:
    return "-".join(part for part in (link["building"], link["unit"], link["room"]) if part)


def fetch_links(client, round_id: int, headers: dict) -> dict:
    response = client.get(f"/api/v1/rounds/{round_id}/links", headers=headers)
    assert response.status_code == 200, response.get_json()
    links = {}
    for link in response.get_json():
        path = link["url"].split("://", 1)[1].split("/", 1)[1]
        links[label(link)] = {"household_id": link["household_id"], "url": link["url"], "path": "/" + path,
                              "token": path.rsplit("/", 1)[1]}
    return links


def open_round_with_links(client, clock, policy="first", verification="link", roster=SMALL_ROSTER,
                          username="sq") -> OpenRound:
    estate_id, headers = estate_with_roster(client, roster, username=username)
    proposal_id = create_proposal(client, estate_id, headers)
    round_id = create_round(client, proposal_id, headers, clock, policy=policy, verification=verification)
    opened = client.post(f"/api/v1/rounds/{round_id}/open", headers=headers)
    assert opened.status_code == 200, opened.get_json()
    return OpenRound(estate_id, round_id, headers, fetch_links(client, round_id, headers))


def page_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def second_worker(client, username: str = "sq-checker", role: str = "community") -> dict:
    """Bearer headers of another worker of 和睦社区 (or, role "street", of 和睦街道), made on first use."""
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
        make_user(role, "和睦街道", "和睦社区" if role == "community" else None, username=username)
    return api_token(client, username)


def reissue_link(client, round_id: int, household_id: int, headers: dict, reason: str = "业主遗失二维码",
                 confirmer: dict | None = None) -> dict:
    """Request a reissue with `headers`, confirm it with a second worker; the new link (LinkSchema)."""
    requested = client.post(f"/api/v1/rounds/{round_id}/links/{household_id}/reissue", headers=headers,
                            json={"reason": reason})
    assert requested.status_code == 202, requested.get_json()
    confirmed = client.post(f"/api/v1/rounds/{round_id}/reissues/{requested.get_json()['id']}/confirm",
                            headers=confirmer or second_worker(client))
    assert confirmed.status_code == 201, confirmed.get_json()
    return confirmed.get_json()


def set_community_contact(estate_id: int, hotline: str = "", office: str = "") -> None:
    """The hotline and office of the estate's community, as staff keep them (committed)."""
    set_contact(db.session.get(Estate, estate_id).community, hotline, office, None, datetime(2026, 9, 1, tzinfo=UTC))
    db.session.commit()
