"""Handing live voting links to staff: every time, an audit event `links_disclosed` (operations, flush only).

A link is the household's credential, so whoever sees one could vote for the household.
Each way a staff account can see a live link — the links list (API), a household's QR
PNG, the printable slips, a confirmed reissue — goes through here and leaves one event
naming the account, where it asked from, and the households (their ids, compacted for a
whole round, and the unit's label for one household). The round page itself shows no link.
"""
from datetime import datetime

from ..audit.log import record as audit
from ..models.accounts import StaffUser
from ..models.rounds import Round
from .id_ranges import compact_ranges
from .links import HouseholdLink, household_link, household_links

HOW = ("list", "slips", "qr", "reissue")  # what handed the links out
VIA = ("api", "page")


def record_disclosure(round_: Round, links: list[HouseholdLink], how: str, via: str, user: StaffUser,
                      now: datetime, client: str) -> None:
    """Append `links_disclosed` for the live links among `links` (none: nothing was disclosed)."""
    live = [link for link in links if link.url]
    if not live:
        return
    data = {"round": round_.id, "how": how, "via": via, "from": client, "count": len(live),
            "households": compact_ranges(link.household_id for link in live)}
    if len(live) == 1:
        data["unit"] = live[0].label
    audit(round_.estate_id, "links_disclosed", f"round:{round_.id}", actor=user.username, at=now, data=data)


def disclose_links(round_: Round, how: str, via: str, user: StaffUser, now: datetime, client: str,
                   building: str | None = None) -> list[HouseholdLink]:
    """The round's links (of one building), issuing missing ones; the disclosure is recorded. Flushes."""
    links = household_links(round_, user.id, now, building=building)
    record_disclosure(round_, links, how, via, user, now, client)
    return links


def disclose_link(round_: Round, household_id: int, via: str, user: StaffUser, now: datetime,
                  client: str) -> HouseholdLink:
    """One household's link for its QR code, issuing it if missing; the disclosure is recorded. Flushes."""
    link = household_link(round_, household_id, user.id, now)
    record_disclosure(round_, [link], "qr", via, user, now, client)
    return link
