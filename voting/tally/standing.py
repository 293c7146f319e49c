"""A ballot's standing under the round's ballot policy (计票口径): the one home of the rule.

A voter may cast several ballots in a round (through any of their units, by any
channel). Taken in sequence order — the ledger's per-voter sequence number 1, 2, 3…,
or, for ballots that carry none (a recount from files), cast time then ballot id —
exactly one of them counts:

- policy "first" (以首次有效表决为准): the first; every later one is a "duplicate";
- policy "last" (截止前可修改，以最后一次表决为准): the latest; every earlier one is
  "superseded".

Standing depends only on the ballot's position in that sequence and how many
ballots the voter has, never on time, choice or channel: two ballots cast in the
same instant are still told apart by their sequence. Casting, the receipt, the
resident's pages, the ledger export and the tally all decide through this module;
the SQL that picks counted ballots for speed (rounds.sql_tally) is proven equal to
it by tests. Plain values only: no Flask, no database, no clock.
"""
from typing import Sequence, TypeVar

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
    """The ballot that counts among one voter's ``ballots`` given in sequence order; None if empty.

    The caller's order is the sequence: ties in time are not looked at here.
    """
    if not ballots:
        check_policy(policy)  # an unknown policy is an error even without ballots
        return None
    return ballots[counted_seq(len(ballots), policy) - 1]
