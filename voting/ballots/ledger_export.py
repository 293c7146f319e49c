"""The ledger of a round as BALLOTS.csv rows: every ballot, counted or not, with its standing.

Each row carries the receipt, household id and sequence number the audit chain records for
the ballot, so `evidence verify` can match ballots.csv against audit.jsonl one to one."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..china_time import CST
from ..extensions import db
from ..models.ballots import Ballot, BallotItem
from ..models.rounds import RollEntry, Round
from ..tally.ballots_file import write_ballots_csv
from ..tally.standing import standings_by_key
from .casting import ledger_key


@dataclass(frozen=True)
class LedgerRow:
    building: str
    unit: str
    room: str
    choice: str
    channel: str
    cast_at: datetime
    status: str
    receipt: str
    household_id: int
    seq: int
    signed_at: datetime | None = None
    items: tuple = ()  # (code, answer) pairs of the ballot's item answers, sorted


def _ballot_items(round_id: int) -> dict[int, tuple]:
    """ballot id → its item answers as sorted (code, answer) pairs."""
    found: dict[int, list] = {}
    for ballot_id, code, answer in db.session.execute(
            select(BallotItem.ballot_id, BallotItem.code, BallotItem.answer)
            .join(Ballot, Ballot.id == BallotItem.ballot_id).where(Ballot.round_id == round_id)):
        found.setdefault(ballot_id, []).append((code, answer))
    return {ballot_id: tuple(sorted(pairs)) for ballot_id, pairs in found.items()}


def ledger_rows(round_: Round) -> list[LedgerRow]:
    """Ballots in cast order (CST times), each with counted / duplicate / superseded.

    The standing is tally.standing over each voter's ballots (expressed time, then
    sequence); a paper or proxy ballot's row carries its signed time."""
    rows = db.session.execute(
        select(Ballot, RollEntry.building, RollEntry.unit, RollEntry.room)
        .join(RollEntry, (RollEntry.round_id == Ballot.round_id) & (RollEntry.household_id == Ballot.household_id))
        .where(Ballot.round_id == round_.id).order_by(Ballot.cast_at, Ballot.id)
    ).all()
    items = _ballot_items(round_.id)
    per_voter: dict[str, list[Ballot]] = {}
    for b, *_ in rows:
        per_voter.setdefault(b.voter_key, []).append(b)
    status = {}
    for own in per_voter.values():
        status.update(zip((b.id for b in own), standings_by_key([ledger_key(b) for b in own], round_.ballot_policy)))
    return [
        LedgerRow(building, unit, room, b.choice, b.channel, b.cast_at.astimezone(CST), status[b.id], b.receipt,
                  b.household_id, b.seq, None if b.signed_at is None else b.signed_at.astimezone(CST),
                  items.get(b.id, ()))
        for b, building, unit, room in rows
    ]


def ballots_csv(round_: Round) -> bytes:
    return write_ballots_csv(ledger_rows(round_))
