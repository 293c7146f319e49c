"""Telling a household that a ballot was recorded for it (issue 14: no one votes for a resident unseen).

After every counted ballot — online, paper or proxy — the household's phones on the
round's frozen roll get a text: estate, flat, time and channel, never the choice, and
whom to call if it was not them. The ballot path writes nothing for this: the worker
reads the ledger (`queue_confirmations`, run by `flask sms worker` and
`flask sms confirmations`) and texts a household only once its newest ballot is
SMS_CONFIRM_QUIET_SECONDS old, so a change of mind within minutes is one text.
Each batch is a `sms_ballot_confirmations` row naming the newest ballot it covers; its
unique key makes two workers sweeping together queue one batch.

A round may turn the texts off (`set_confirmation_texts`) only with a reason, recorded
in the audit log.
"""
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit.log import record as audit
from ..ballots.link_lookup import UNDELIVERED
from ..china_time import to_cst
from ..estates.community_contact import contact_of
from ..extensions import db
from ..labels_zh import CHANNEL_ZH
from ..models.accounts import StaffUser
from ..models.ballots import Ballot
from ..models.estates import Estate
from ..models.rounds import RollEntry, Round
from ..models.sms import BallotConfirmation
from ..phone_numbers import roll_phones
from ..refusals import Refused
from .outbox import enqueue_batch
from .settings import setting
from .texts import confirmation_text

ACTOR = "sms-worker"
STREET_ONLY_ZH = "关闭表决确认短信须由街道办事处或区住建局操作"
NO_REASON_ZH = "关闭表决确认短信须填写原因（将记入审计日志）"


class ConfirmationRefused(Refused):
    """A change to a round's confirmation texts that is refused."""


def set_confirmation_texts(round_: Round, enabled: bool, reason: str, user: StaffUser, now: datetime,
                           client: str) -> Round:
    """Turn the round's confirmation texts on or off; off needs a reason and a street or district account.

    Audited; flushes. A community worker may not turn off the check on community workers.
    """
    reason = (reason or "").strip()
    if not enabled and user.role == "community":
        raise ConfirmationRefused(403, STREET_ONLY_ZH)
    if not enabled and not reason:
        raise ConfirmationRefused(422, NO_REASON_ZH, {"json": {"reason": [NO_REASON_ZH]}})
    if round_.confirmation_texts != enabled:
        round_.confirmation_texts = enabled
        db.session.flush()
        # Unlike a worker's free-text notes, this reason is the point of the record: it goes into the log.
        audit(round_.estate_id, "confirmation_texts_on" if enabled else "confirmation_texts_off",
              f"round:{round_.id}", actor=user.username, at=now, data={"reason": reason[:500], "from": client})
    return round_


def _rounds_to_sweep(now: datetime) -> list[Round]:
    since = now - timedelta(hours=setting("SMS_CONFIRM_LOOKBACK_HOURS"))
    return list(db.session.scalars(select(Round).where(
        Round.confirmation_texts.is_(True),
        or_(Round.status == "open", and_(Round.status.in_(("closed", "published")), Round.closes_at > since)))))


def _due_ballots(round_id: int, quiet_before: datetime) -> list[Ballot]:
    """The newest counted ballot of each household not told yet whose newest ballot is quiet long enough."""
    told = (select(BallotConfirmation.household_id, func.max(BallotConfirmation.ballot_id).label("last"))
            .where(BallotConfirmation.round_id == round_id).group_by(BallotConfirmation.household_id).subquery())
    newest = (select(func.max(Ballot.id))
              .outerjoin(told, told.c.household_id == Ballot.household_id)
              .where(Ballot.round_id == round_id, Ballot.counted_at_cast.is_(True),
                     Ballot.id > func.coalesce(told.c.last, 0))
              .group_by(Ballot.household_id).having(func.max(Ballot.cast_at) <= quiet_before))
    return list(db.session.scalars(select(Ballot).where(Ballot.id.in_(newest)).order_by(Ballot.id)))


def _claim(round_id: int, ballots: list[Ballot], phones: dict[int, list[str]], now: datetime) -> set[int]:
    """Insert the batch rows; the ids of the ballots this sweep claimed (another sweep may hold the rest)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [{"round_id": round_id, "household_id": b.household_id, "ballot_id": b.id, "queued_at": now,
             "messages": len(phones[b.household_id])} for b in ballots]
    return set(db.session.scalars(insert(BallotConfirmation).values(rows)
                                  .on_conflict_do_nothing(index_elements=["ballot_id"])
                                  .returning(BallotConfirmation.ballot_id)))


def queue_round_confirmations(round_: Round, now: datetime) -> int:
    """Queue the due confirmation texts of one round; returns the texts queued. Flushes."""
    ballots = _due_ballots(round_.id, now - timedelta(seconds=setting("SMS_CONFIRM_QUIET_SECONDS")))
    if not ballots:
        return 0
    entries = {e.household_id: e for e in db.session.scalars(select(RollEntry).where(
        RollEntry.round_id == round_.id, RollEntry.household_id.in_([b.household_id for b in ballots])))}
    phones = {household_id: roll_phones(entry.phones) for household_id, entry in entries.items()}
    if any(entry.status == UNDELIVERED for entry in entries.values()):
        # A ballot through a sold-but-undelivered flat is the developer's (SPC interpretation Art. 9): it is
        # confirmed to the developer's phones (those on its unsold flats' rows), never to the flat's buyer.
        developer = list(dict.fromkeys(phone for entry in db.session.scalars(select(RollEntry).where(
            RollEntry.round_id == round_.id, RollEntry.status == "developer_unsold")) for phone in roll_phones(entry.phones)))
        phones.update({household_id: developer for household_id, entry in entries.items()
                       if entry.status == UNDELIVERED})
    claimed = _claim(round_.id, ballots, phones, now)
    estate = db.session.get(Estate, round_.estate_id)
    hotline = contact_of(estate).hotline
    messages = []
    for ballot in (b for b in ballots if b.id in claimed):
        label, channel = entries[ballot.household_id].label, CHANNEL_ZH[ballot.channel]
        body = confirmation_text(estate.name, label, to_cst(ballot.cast_at), channel, hotline)
        messages += [dict(key=f"confirm:b{ballot.id}:{phone}", to_phone=phone, body=body, display_body=body,
                          household_id=ballot.household_id) for phone in phones[ballot.household_id]]
    if not messages:
        return 0
    queued = enqueue_batch(messages, kind="confirmation", estate_id=estate.id, round_id=round_.id, actor=ACTOR,
                           now=now)
    return queued.queued


def queue_confirmations(now: datetime) -> int:
    """Queue every due confirmation text of every round that sends them; returns how many. Flushes."""
    return sum(queue_round_confirmations(round_, now) for round_ in _rounds_to_sweep(now))
