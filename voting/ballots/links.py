"""Issuing and reissuing the voting links of a round (operations: they flush, the view commits).

See `ballot_tokens` for the token design: tokens are derived from a server key and
the issue number, and the ledger keeps only their hash. Issuing is idempotent —
only households without a token get one — and a reissue appends a row with who
and why, which makes the previous link stop working (the newest row is live).
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models.ballots import VotingToken
from ..models.rounds import RollEntry, Round
from ..refusals import Refused
from ..rounds.frozen_roll import roll_entries
from .ballot_tokens import derive_link_key, link_token, link_url, token_hash

FIRST_ISSUE_REASON = "首次发放"
_KEYS: dict[str, bytes] = {}


class LinkRefused(Refused):
    """A voting link that cannot be issued or reissued now."""


@dataclass(frozen=True)
class HouseholdLink:
    household_id: int
    building: str
    unit: str
    room: str
    label: str
    issued: bool
    token: str | None  # None if not issued, or issued under a rotated key (then reissue it)
    url: str | None


def link_key() -> bytes:
    """The HMAC key for this app's links (LINK_TOKEN_SECRET if set, else SECRET_KEY)."""
    secret = current_app.config.get("LINK_TOKEN_SECRET") or current_app.config["SECRET_KEY"]
    if secret not in _KEYS:
        _KEYS[secret] = derive_link_key(secret)
    return _KEYS[secret]


def require_open(round_: Round) -> None:
    if round_.status != "open":
        raise LinkRefused(409, "只有表决中的轮次可以发放表决链接和二维码")


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    """Insert token rows; a row whose hash exists already (a concurrent issue) is skipped."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    inserted = 0
    for start in range(0, len(rows), 500):  # keep each statement well under SQLite's bound-parameter limit
        statement = (insert(VotingToken).values(rows[start:start + 500])
                     .on_conflict_do_nothing(index_elements=["token_hash"]).returning(VotingToken.id))
        inserted += len(db.session.execute(statement).all())
    return inserted


def _issued(round_id: int, household_ids=None) -> dict[int, tuple[int, str]]:
    """household_id → (issue number of the live token, its hash) for households with a token."""
    query = select(VotingToken.household_id, VotingToken.token_hash).where(VotingToken.round_id == round_id)
    if household_ids is not None:
        query = query.where(VotingToken.household_id.in_(household_ids))
    issued: dict[int, tuple[int, str]] = {}
    for household_id, hashed in db.session.execute(query.order_by(VotingToken.id)):
        count = issued.get(household_id, (0, ""))[0]
        issued[household_id] = (count + 1, hashed)
    return issued


def _row(round_id: int, household_id: int, number: int, actor_id: int | None, reason: str, now: datetime) -> dict:
    token = link_token(link_key(), round_id, household_id, number)
    return {"round_id": round_id, "household_id": household_id, "token_hash": token_hash(token),
            "issued_at": now, "issued_by_id": actor_id, "reason": reason}


def issue_missing(round_: Round, actor_id: int | None, now: datetime, entries: list[RollEntry] | None = None) -> int:
    """Give every household of the round (or of `entries`) without a token its first one.

    Returns how many were issued now. Safe to call again and concurrently.
    """
    require_open(round_)
    entries = roll_entries(round_.id) if entries is None else entries
    issued = _issued(round_.id, [e.household_id for e in entries] if len(entries) < 500 else None)
    rows = [_row(round_.id, e.household_id, 1, actor_id, FIRST_ISSUE_REASON, now)
            for e in entries if e.household_id not in issued]
    count = _insert_ignoring_duplicates(rows)
    db.session.flush()
    return count


def household_links(round_: Round, actor_id: int | None, now: datetime, building: str | None = None,
                    issue: bool = True) -> list[HouseholdLink]:
    """The links of the round's households in roll order, issuing missing ones first when `issue`."""
    entries = [e for e in roll_entries(round_.id) if building is None or e.building == building]
    if issue:
        issue_missing(round_, actor_id, now, entries)
    issued = _issued(round_.id, [e.household_id for e in entries] if len(entries) < 500 else None)
    base, key = current_app.config["PUBLIC_BASE_URL"], link_key()
    links = []
    for e in entries:
        token = None
        if e.household_id in issued:
            number, stored = issued[e.household_id]
            candidate = link_token(key, round_.id, e.household_id, number)
            token = candidate if token_hash(candidate) == stored else None
        links.append(HouseholdLink(e.household_id, e.building, e.unit, e.room, e.label,
                                   e.household_id in issued, token, link_url(base, token) if token else None))
    return links


def household_link(round_: Round, household_id: int, actor_id: int | None, now: datetime) -> HouseholdLink:
    """One household's link, issuing it if missing; 404 if the household is not on the round's roll."""
    require_open(round_)
    entry = roll_entry(round_.id, household_id)
    issue_missing(round_, actor_id, now, [entry])
    number, stored = _issued(round_.id, [household_id])[household_id]
    token = link_token(link_key(), round_.id, household_id, number)
    if token_hash(token) != stored:
        raise LinkRefused(409, "该户的表决链接是用旧密钥发放的，无法重新打印，请重新发放")
    return HouseholdLink(entry.household_id, entry.building, entry.unit, entry.room, entry.label, True, token,
                         link_url(current_app.config["PUBLIC_BASE_URL"], token))


def roll_entry(round_id: int, household_id: int) -> RollEntry:
    entry = db.session.scalar(select(RollEntry).where(RollEntry.round_id == round_id,
                                                      RollEntry.household_id == household_id))
    if entry is None:
        raise LinkRefused(404, "该房屋不在本轮表决的名册中")
    return entry


def reissue(round_: Round, household_id: int, actor_id: int, reason: str, now: datetime) -> HouseholdLink:
    """A new link for one household, recorded with who and why; the previous link stops working."""
    require_open(round_)
    reason = (reason or "").strip()
    if not reason:
        raise LinkRefused(422, "请填写重新发放的原因（例如：二维码遗失）")
    entry = roll_entry(round_.id, household_id)
    number = _issued(round_.id, [household_id]).get(household_id, (0, ""))[0] + 1
    row = _row(round_.id, household_id, number, actor_id, reason[:500], now)
    if _insert_ignoring_duplicates([row]) != 1:
        # Another worker reissued this household's link at the same moment.
        raise LinkRefused(409, "该户的表决链接刚刚被重新发放，请刷新后再试")
    db.session.flush()
    token = link_token(link_key(), round_.id, household_id, number)
    return HouseholdLink(entry.household_id, entry.building, entry.unit, entry.room, entry.label, True, token,
                         link_url(current_app.config["PUBLIC_BASE_URL"], token))
