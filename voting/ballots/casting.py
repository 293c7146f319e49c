"""Casting a ballot into the ledger, for every channel: the database keeps it single.

One statement, `UPDATE round_voters SET ballots = ballots + 1 … RETURNING ballots`,
both takes the voter's row lock and hands out the ballot's sequence number, and it
only matches while the round is open. Concurrent casts for one voter therefore get
1, 2, 3… in commit order; which of them counts under the round's policy is
decided by tally.standing from the ballots' expressed times (cast time online, signed
time on paper) and these numbers. The same UPDATE keeps the voter's counted ballot
(`round_voters.counted_seq`, `counted_expressed_at`) by `standing.replaces` written as
SQL, so the live tally reads one ballot per voter; tests prove it equal to the module.
A (round, voter, seq) unique key backs this up. Nothing is updated (the database refuses it: migration 3f6d2b8e1c07), and each
ballot's facts, its choice included, go into the estate's audit chain with it.
"""
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import and_, bindparam, func, insert, or_, select, update

from ..audit.log import record as audit
from ..db_types import UTCDateTime
from ..extensions import db
from ..models.ballots import Ballot, BallotItem
from ..models.rounds import RollEntry, Round, RoundVoter
from ..refusals import Refused
from ..rounds.cast_gate import enter_shared
from ..tally.standing import order_key, replaces, standing, standings_by_key

if TYPE_CHECKING:
    from .link_lookup import RoundState

RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
CHOICE_BITS = {"agree": 1, "disagree": 2, "abstain": 4,
               "satisfied": 8, "basically_satisfied": 16, "dissatisfied": 32}  # a survey's answers


class CastRefused(Refused):
    """A ballot that cannot be cast now (the round closed, the unit is not on its roll)."""


class AppendedBallot(NamedTuple):
    """The values of the ballot row just appended (no ORM object: the ballot path is hot)."""
    id: int
    household_id: int
    voter_key: str
    seq: int
    choice: str
    channel: str
    cast_at: datetime
    receipt: str
    counted_at_cast: bool
    signed_at: datetime | None = None

    @property
    def expressed_at(self) -> datetime:
        return self.cast_at if self.signed_at is None else self.signed_at


def _aware(value: datetime) -> datetime:
    """A time read back through Core RETURNING: UTC, aware (SQLite hands it back naive)."""
    return UTCDateTime().process_result_value(value, None) if value.tzinfo is None else value


def new_receipt() -> str:
    """A 12-character receipt code (60 bits), grouped for reading: 'K7QX-M2PA-9DWE'."""
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


_voters = RoundVoter.__table__
_rounds = Round.__table__
_ballots = Ballot.__table__

# Built once: the ballot path runs these for every ballot, so no per-request statement
# construction. The round must be open when the voter's row is locked; the cast already
# holds the round's gate (rounds.cast_gate), so a close waits for it, and a cast that
# waited for a close runs this statement after it and finds the round closed.
_CLAIM = (
    update(_voters)
    .where(_voters.c.round_id == bindparam("r"), _voters.c.voter_key == bindparam("k"),
           select(_rounds.c.id).where(_rounds.c.id == bindparam("r"), _rounds.c.status == "open").exists())
    .values(
        ballots=_voters.c.ballots + 1,
        # SET expressions read the row's values from before this UPDATE. The voter's first
        # ballot is the counted one (its expressed time `e` is exact: a signed time, or now,
        # which is its cast time); for a later one casting decides with standing.replaces.
        counted_seq=func.coalesce(_voters.c.counted_seq, 1),
        counted_expressed_at=func.coalesce(_voters.c.counted_expressed_at,
                                           bindparam("e", type_=_voters.c.counted_expressed_at.type)),
        first_household_id=func.coalesce(_voters.c.first_household_id, bindparam("h")),
        other_unit=or_(_voters.c.other_unit, and_(_voters.c.first_household_id.is_not(None),
                                                  _voters.c.first_household_id != bindparam("h"))),
        choices=_voters.c.choices.op("|")(bindparam("bit")),
    )
    .returning(_voters.c.ballots, _voters.c.counted_seq, _voters.c.counted_expressed_at)
)
# The voter's row is already locked by _CLAIM in this transaction.
_MOVE_COUNTED = (
    update(_voters).where(_voters.c.round_id == bindparam("r"), _voters.c.voter_key == bindparam("k"))
    .values(counted_seq=bindparam("s"), counted_expressed_at=bindparam("e", type_=_voters.c.counted_expressed_at.type))
)
_LAST_CAST = select(func.max(_ballots.c.cast_at)).where(_ballots.c.round_id == bindparam("r"),
                                                        _ballots.c.voter_key == bindparam("k"))
_VOTER_OF_UNIT = select(RollEntry.__table__.c.voter_key).where(
    RollEntry.__table__.c.round_id == bindparam("r"), RollEntry.__table__.c.household_id == bindparam("h"))
_INSERT = insert(_ballots).returning(_ballots.c.id)


def cast_ballot(round_: "Round | RoundState", household_id: int, choice: str, channel: str, now: datetime, *,
                token_id: int | None = None, paper_entry_id: int | None = None,
                opinion_id: int | None = None, actor: str = "resident", voter_key: str | None = None,
                gate_held: bool = False, submission_key: str | None = None,
                items: dict[str, str] | None = None, signed_at: datetime | None = None,
                late_until: datetime | None = None) -> AppendedBallot:
    """Append a ballot for the voter owning `household_id`; flushes. Raises CastRefused.

    `round_` needs only id, estate_id, closes_at and ballot_policy: a Round, or the
    RoundState a voting link resolved to.

    `signed_at` (paper and proxy) is when the owner signed the ballot: it stands by that
    time (tally.standing), so it may count, or not, whatever came in between; the caller
    (paper.py) has checked it lies in the voting window. `late_until`: the end of the
    round's paper grace period, before which such a ballot may still be cast after the
    close (rounds.paper_grace); online ballots never pass it.

    `voter_key` may be passed by a caller that already read the unit's roll entry, and
    `gate_held` by one whose transaction already holds the round's cast gate (a voting link's
    lookup takes it). A `submission_key` already used by the voter in the round fails the
    INSERT (IntegrityError): see online.vote_with_token. `items`: the ballot's item answers
    ({code: agree|disagree|abstain}), already checked against the round's item questions
    (voting.tally.items.check_answers); written with the ballot (ballot_items) and chained.
    Everything that needs no database is done before the voter's row is locked: on
    SQLite that lock is the database's single write lock.
    """
    deadline = round_.closes_at if late_until is None or signed_at is None else max(round_.closes_at, late_until)
    if now >= deadline:
        raise CastRefused(409, "表决已截止")
    db.session.flush()  # anything the caller added (an opinion) goes first
    conn = db.session.connection()
    if not gate_held:
        enter_shared(conn, round_.id)
    if voter_key is None:
        voter_key = conn.execute(_VOTER_OF_UNIT, {"r": round_.id, "h": household_id}).scalar()
    if voter_key is None:
        raise CastRefused(404, "该房屋不在本轮表决的名册中")
    receipt = new_receipt()
    claimed = conn.execute(_CLAIM, {"r": round_.id, "k": voter_key, "h": household_id, "bit": CHOICE_BITS[choice],
                                    "e": now if signed_at is None else signed_at}).first()
    if claimed is None:
        raise CastRefused(409, "本轮表决未在进行中")
    seq, counted_seq, counted_expressed = claimed
    # Keep time order equal to sequence order for this voter, whatever the clocks of
    # several app instances say: the tally orders ballots cast in one instant by cast_at.
    last = None if seq == 1 else conn.execute(_LAST_CAST, {"r": round_.id, "k": voter_key}).scalar()
    cast_at = now if last is None or now > last else last + timedelta(microseconds=1)
    expressed = cast_at if signed_at is None else signed_at
    counted = seq == 1
    if seq > 1 and replaces(round_.ballot_policy, order_key(expressed, seq),
                            order_key(_aware(counted_expressed), counted_seq)):
        conn.execute(_MOVE_COUNTED, {"r": round_.id, "k": voter_key, "s": seq, "e": expressed})
        counted = True
    ballot_id = conn.execute(_INSERT, {
        "round_id": round_.id, "household_id": household_id, "voter_key": voter_key, "seq": seq, "choice": choice,
        "channel": channel, "cast_at": cast_at, "receipt": receipt, "counted_at_cast": counted,
        "token_id": token_id, "paper_entry_id": paper_entry_id, "opinion_id": opinion_id,
        "submission_key": submission_key, "signed_at": signed_at}).scalar()
    data = ballot_event_data(household_id, voter_key, seq, channel, receipt, choice) | {"counted_at_cast": counted}
    if signed_at is not None:
        data["signed_at"] = signed_at.isoformat()
    if items:
        conn.execute(insert(BallotItem.__table__), [{"ballot_id": ballot_id, "code": code, "answer": answer}
                                                     for code, answer in sorted(items.items())])
        data["items"] = dict(sorted(items.items()))
    audit(round_.estate_id, "ballot_cast", f"round:{round_.id}", actor=actor, at=cast_at, data=data)
    return AppendedBallot(ballot_id, household_id, voter_key, seq, choice, channel, cast_at, receipt, counted,
                          signed_at)


def ballot_event_data(household_id: int, voter_key: str, seq: int, channel: str, receipt: str, choice: str) -> dict:
    """What the chain records of a ballot (`ballot_cast`, `paper_confirmed`): the facts the verifiers match.

    The choice is recorded in clear, not as a keyed hash. Ballots here are named (an
    owner's ballot is tied to the owner, and owners may inspect the voting records), and
    the log leaves the service only in the evidence bundle, whose ballots.csv already
    pairs each unit with its choice and receipt: a hash would hide nothing from the bundle's
    readers. With three possible choices, an unkeyed hash is reversed by trying them; a keyed
    one could be checked only by whoever holds the key, so the street office and a court
    could no longer verify offline that the counted choice is the one chained. `voter_key`
    is the round's pseudonym ("owner:V0001"), never the owner's key.
    """
    return {"household_id": household_id, "voter": voter_key, "seq": seq, "channel": channel,
            "receipt": receipt, "choice": choice}


def ledger_key(ballot) -> tuple:
    """A ledger row's standing.order_key: (expressed time, sequence number)."""
    return order_key(ballot.expressed_at, ballot.seq)


def ballot_standing(ballot: "Ballot | AppendedBallot", policy: str, voter_ballots) -> str:
    """'counted', 'duplicate' or 'superseded' for a ledger row, by tally.standing.

    `voter_ballots`: all the voter's ballots in the round (rows with expressed_at and
    seq; `ballot` among them), in any order. An int (the voter's number of ballots, as
    before signed times) is still accepted: positions are then the sequence numbers,
    which is right only when no ballot of the voter carries a signed time.
    """
    if isinstance(voter_ballots, int):
        return standing(ballot.seq, voter_ballots, policy)
    own = list(voter_ballots)
    return standings_by_key([ledger_key(b) for b in own], policy)[[b.seq for b in own].index(ballot.seq)]
