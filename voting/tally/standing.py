"""A ballot's standing under the round's ballot policy (计票口径): the one home of the rule.

A voter may cast several ballots in a round (through any of their units, by any
channel). They are taken in the order they were *expressed* (表达时间):

- an online ballot is expressed when it is cast (its cast time);
- a paper or proxy ballot is expressed when the owner signed it (its ``signed_at``,
  shown on the photo and confirmed by a second worker), not when a worker entered or
  confirmed it — a paper ballot collected on the last afternoon and entered in the
  grace period after the close stands where the owner put it in time.

Ties in expressed time are broken by the ledger's per-voter sequence number 1, 2, 3…
(the order the ballots entered the ledger; for ballots that carry none — a recount from
files — cast time then ballot id, which casting keeps in the same order). So the
order key of a ballot is ``(expressed_at, seq)`` (``order_key``), and exactly one
ballot per voter counts:

- policy "first" (以首次有效表决为准): the earliest expressed; every other one is a
  "duplicate";
- policy "last" (截止前可修改，以最后一次表决为准): the latest expressed; every other
  one is "superseded".

Hence under "last" a paper 不同意 signed before the owner's later online 同意 does not
override it, even if it is entered afterwards; under "first" it does, when it was
signed first. Choice and channel never matter. ``standing`` / ``standings`` /
``counted_seq`` / ``effective`` speak of *positions* in that order (1-based);
``order_key``, ``replaces``, ``standings_by_key`` and ``in_expressed_order`` take the
times themselves. Casting (the receipt), the resident's pages, the ledger export, the
tally, the recount and the evidence verifier all decide through this module; the SQL
that picks counted ballots for speed (rounds.sql_tally, via the pointer casting keeps
with ``replaces``) is proven equal to it by tests. Plain values only: no Flask, no
database, no clock.
"""
from datetime import datetime
from typing import Callable, Iterable, Sequence, TypeVar

POLICIES = ("first", "last")
COUNTED, DUPLICATE, SUPERSEDED = "counted", "duplicate", "superseded"

T = TypeVar("T")


def check_policy(policy: str) -> str:
    """``policy`` itself when it is "first" or "last"; ValueError (Chinese message) otherwise."""
    if policy not in POLICIES:
        raise ValueError(f"未知的计票策略：{policy!r}（可用：first、last）")
    return policy


def later_ballot_counts(policy: str) -> bool:
    """True under "last" (a later ballot replaces the voter's earlier one), False under "first".

    Raises ValueError for any other policy.
    """
    return check_policy(policy) == "last"


def counted_seq(voter_ballots: int, policy: str) -> int:
    """The sequence number (1-based) of the voter's ballot that counts, among ``voter_ballots``.

    1 under "first", ``voter_ballots`` under "last". ``voter_ballots`` must be ≥ 1
    (a voter without ballots has none that counts); ValueError otherwise.
    """
    if voter_ballots < 1:
        raise ValueError(f"选民的选票数必须至少为 1，收到 {voter_ballots!r}")
    return voter_ballots if later_ballot_counts(policy) else 1


def standing(seq: int, voter_ballots: int, policy: str) -> str:
    """The standing of the voter's ballot number ``seq`` of ``voter_ballots``: counted, duplicate or superseded.

    ``seq`` is 1-based and inclusive at both ends: 1 ≤ seq ≤ voter_ballots, else
    ValueError. A single ballot (seq 1 of 1) counts under either policy. A ballot
    that does not count is a "duplicate" under "first" and "superseded" under "last".
    """
    if not 1 <= seq <= voter_ballots:
        raise ValueError(f"选票序号 {seq!r} 不在 1 至 {voter_ballots!r} 之间")
    if seq == counted_seq(voter_ballots, policy):
        return COUNTED
    return SUPERSEDED if later_ballot_counts(policy) else DUPLICATE


def standings(voter_ballots: int, policy: str) -> list[str]:
    """The standing of each of a voter's ``voter_ballots`` ballots, in sequence order ([] for 0)."""
    check_policy(policy)
    return [standing(seq, voter_ballots, policy) for seq in range(1, voter_ballots + 1)]


def counted_when_cast(seq: int, policy: str) -> bool:
    """Whether the ballot counts at the moment it is cast as the voter's number ``seq`` (≥ 1).

    It is then the voter's latest ballot, so this is ``standing(seq, seq, policy)``:
    always True under "last" (a later ballot may supersede it), True only for seq 1
    under "first" (final: nothing can change it).
    """
    return standing(seq, seq, policy) == COUNTED


def effective(ballots: Sequence[T], policy: str) -> T | None:
    """The ballot that counts among one voter's ``ballots`` given in expressed order; None if empty.

    The caller's order is taken as the order (``in_expressed_order`` puts ledger rows in it):
    times are not looked at here.
    """
    if not ballots:
        check_policy(policy)  # an unknown policy is an error even without ballots
        return None
    return ballots[counted_seq(len(ballots), policy) - 1]


def order_key(expressed_at: datetime, seq) -> tuple:
    """The key one voter's ballots are ordered by: expressed time, then sequence.

    ``expressed_at``: the cast time of an online ballot, the signed time of a paper or
    proxy one (aware datetimes). ``seq``: the ledger's per-voter sequence number, or any
    value ordered as it is (a recount from files uses (cast time, ballot id)): it only
    decides between ballots expressed in the same instant, the one entered later being
    the later.
    """
    return (expressed_at, seq)


def expressed_at(cast_at: datetime, signed_at: datetime | None) -> datetime:
    """When a ballot was expressed: its signed time if it has one (paper, proxy), else its cast time."""
    return cast_at if signed_at is None else signed_at


def replaces(policy: str, new_key: tuple, current_key: tuple) -> bool:
    """Whether a ballot with ``order_key`` ``new_key`` counts instead of the voter's counted ballot ``current_key``.

    Under "last" the later key wins, under "first" the earlier one; keys are distinct
    (they hold the sequence), equal keys are a ValueError.
    """
    if new_key == current_key:
        raise ValueError("两张选票的顺序键相同，无法比较")
    return new_key > current_key if later_ballot_counts(policy) else new_key < current_key


def in_expressed_order(ballots: Iterable[T], key: Callable[[T], tuple]) -> list[T]:
    """One voter's ``ballots`` sorted by ``key`` (which returns each one's ``order_key``)."""
    return sorted(ballots, key=key)


def standings_by_key(keys: Sequence[tuple], policy: str) -> list[str]:
    """The standing of each of one voter's ballots, given by their ``order_key`` in any order.

    The answer is in the order of ``keys``; keys must be distinct (ValueError).
    """
    check_policy(policy)
    if len(set(keys)) != len(keys):
        raise ValueError("同一选民的选票顺序键重复")
    order = sorted(range(len(keys)), key=keys.__getitem__)
    result = [""] * len(keys)
    for position, index in enumerate(order, start=1):
        result[index] = standing(position, len(keys), policy)
    return result
