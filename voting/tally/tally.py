"""The tally: denominators from the roll, one effective ballot per owner, checks.

Denominators (SPC interpretation on building co-ownership, Arts. 8–9):
- total area (专有部分面积) is the sum of the exclusive areas of all units on the roll;
- total heads (业主人数) counts one person per unit, except that all units sharing a
  non-empty owner_key are one person, and all developer_unsold /
  developer_undelivered units together are one person (the developer).
  Co-owners of one unit are one person (the roll has one row per unit).

A ballot cast through any unit of a voter counts for all that voter's units.
A voter's ballots are ordered by when they were expressed (``signed_at`` of a paper
or proxy ballot when given, else ``cast_at``), then by cast_at (which casting keeps in
the ledger's sequence order), then (ballot_id, household_id, choice, channel), so the
result depends only on the set of ballots, never on input order. Which of a
voter's ballots stands under policy "first" or "last" is decided by ``standing``
(``standing.replaces`` on that order key).

Areas are kept as integer hundredths of a m²; Fractions appear only in the final
checks (see ``rules``). No float anywhere.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import accumulate
from typing import Iterable

from ..hundredths import hundredths_str, to_hundredths
from .rules import Rule, evaluate_check, get_rule
from .standing import check_policy, expressed_at, order_key, replaces, standings

CHOICES = ("agree", "disagree", "abstain")
CHANNELS = ("online", "paper", "proxy")
DEVELOPER_STATUSES = frozenset({"developer_unsold", "developer_undelivered"})
UNIT_STATUSES = frozenset({"owned"}) | DEVELOPER_STATUSES
DEVELOPER = "developer"
_CHOICE_SET, _CHANNEL_SET = frozenset(CHOICES), frozenset(CHANNELS)


@dataclass(frozen=True)
class RollUnit:
    """One exclusive unit (专有部分) on the frozen roll; area in m², 2 places."""

    household_id: object
    label: str
    area: Decimal
    owner_key: str
    status: str


@dataclass(frozen=True)
class CastBallot:
    """A valid ballot cast through one unit; cast_at (and signed_at) must be timezone-aware.

    ``signed_at``: when the owner signed a paper or proxy ballot (None for online ones,
    and for paper ballots entered before signed times were recorded): the ballot is
    then ordered by it instead of cast_at (``standing``).
    """

    household_id: object
    choice: str
    cast_at: datetime
    channel: str = "online"
    ballot_id: str = ""
    signed_at: datetime | None = None

    @property
    def expressed_at(self) -> datetime:
        return expressed_at(self.cast_at, self.signed_at)


def voter_key(unit: RollUnit) -> str:
    """The person a unit belongs to for the headcount.

    "developer" for developer_* units (Art. 9: the developer is one person),
    "owner:<owner_key>" when an owner_key is set, else "unit:<household_id>".
    """
    if unit.status in DEVELOPER_STATUSES:
        return DEVELOPER
    if unit.owner_key:
        return "owner:" + unit.owner_key
    return "unit:" + str(unit.household_id)


class _Roll:
    """The roll indexed for counting: unit → voter, voter → area (hundredths)."""

    def __init__(self, units: Iterable[RollUnit]):
        self.units: dict = {}  # household_id → RollUnit, for labels
        self.unit_voter: dict = {}
        self.voter_area: dict[str, int] = {}
        unit_voter, voter_area, by_id = self.unit_voter, self.voter_area, self.units
        cache: dict = {}  # flats of one estate share a few areas; Decimal hashing is cheap
        for unit in units:
            hid = unit.household_id
            if hid in by_id:
                raise ValueError(f"名册中户号重复：{hid!r}")
            if unit.status not in UNIT_STATUSES:
                raise ValueError(f"{unit.label}：未知的房屋状态 {unit.status!r}")
            key = voter_key(unit)
            if key[0] == "u" and key in voter_area:  # ids 1 and "1" would merge silently
                raise ValueError(f"户号 {hid!r} 与另一户的字符串形式相同，无法区分")
            area = unit.area
            hundredths = cache.get(area) if type(area) is Decimal else None
            if hundredths is None:
                hundredths = cache[area] = _hundredths(area, unit.label)
            by_id[hid] = unit
            unit_voter[hid] = key
            voter_area[key] = voter_area.get(key, 0) + hundredths
        self.total_area = sum(voter_area.values())

    def label(self, household_id) -> str:
        return self.units[household_id].label

    def voter_labels(self) -> dict[str, list[str]]:
        """voter_key → labels of that voter's units, sorted."""
        labels: dict[str, list[str]] = {}
        for hid, key in self.unit_voter.items():
            labels.setdefault(key, []).append(self.units[hid].label)
        for value in labels.values():
            value.sort()
        return labels


def _hundredths(area, label: str) -> int:
    """Area in m² (Decimal or int, ≥ 0, at most 2 places) as integer hundredths."""
    try:
        hundredths = to_hundredths(area)
    except TypeError:
        raise ValueError(f"{label}：面积必须是 Decimal（不接受浮点数），收到 {area!r}") from None
    except ValueError:
        hundredths = None
    if hundredths is None or hundredths < 0:
        raise ValueError(f"{label}：面积必须非负且最多两位小数，收到 {area}")
    return hundredths


def _tie_key(b: CastBallot) -> tuple:
    # Only consulted when two ballots of one voter share cast_at; the fields make
    # the order total, so the winner never depends on input order.
    return (str(b.ballot_id), str(b.household_id), b.choice, b.channel)


def _order(b: CastBallot) -> tuple:
    """The ballot's standing.order_key: expressed time, then cast time and the tie key for the sequence."""
    return order_key(b.expressed_at, (b.cast_at, _tie_key(b)))


def _scan(roll: _Roll, ballots: Iterable[CastBallot], policy: str, choices: frozenset = _CHOICE_SET):
    """One pass: the effective ballot per voter, and every (unit, choice) of
    voters who cast more than one ballot (for conflicts). `choices`: the answers
    the round's kind admits (a satisfaction survey's are its own)."""
    check_policy(policy)
    unit_voter = roll.unit_voter
    channels = _CHANNEL_SET
    best: dict[str, CastBallot] = {}
    multi: dict[str, set] = {}
    for b in ballots:
        key = unit_voter.get(b.household_id)
        at = b.cast_at
        if key is None or b.choice not in choices or b.channel not in channels or at.tzinfo is None or (
                b.signed_at is not None and b.signed_at.tzinfo is None):
            _reject(b, unit_voter, choices)
        cur = best.get(key)
        if cur is None:
            best[key] = b
            continue
        if key[0] != "u":  # a one-unit voter ("unit:…") cannot vote through two units
            pairs = multi.get(key)
            if pairs is None:  # cur is still the voter's only earlier ballot here
                pairs = multi[key] = {(cur.household_id, cur.choice)}
            pairs.add((b.household_id, b.choice))
        mine, theirs = _order(b), _order(cur)
        if mine != theirs and replaces(policy, mine, theirs):  # identical rows: the first one read stays
            best[key] = b
    return best, multi


def _reject(b: CastBallot, unit_voter: dict, choices: frozenset = _CHOICE_SET) -> None:
    """Raise the ValueError that explains why ``b`` cannot be counted."""
    ref = b.ballot_id or b.household_id
    if b.household_id not in unit_voter:
        raise ValueError(f"选票 {ref!r}：户号 {b.household_id!r} 不在名册中")
    if b.choice not in choices:
        raise ValueError(f"选票 {ref!r}：未知的表决意见 {b.choice!r}")
    if b.channel not in _CHANNEL_SET:
        raise ValueError(f"选票 {ref!r}：未知的渠道 {b.channel!r}")
    raise ValueError(f"选票 {ref!r}：表决时间和签署时间必须带时区")


def _resolve(rule: Rule | str) -> Rule:
    return rule if isinstance(rule, Rule) else get_rule(rule)


def _figures(roll: _Roll, best: dict[str, CastBallot]) -> dict[str, tuple[int, int]]:
    """(heads, area in hundredths) for all, each choice, participating, not_voted."""
    sums = {c: [0, 0] for c in CHOICES}
    areas = roll.voter_area
    for key, b in best.items():
        acc = sums[b.choice]
        acc[0] += 1
        acc[1] += areas[key]
    figures = {c: (h, a) for c, (h, a) in sums.items()}
    figures["all"] = (len(areas), roll.total_area)
    figures["participating"] = (sum(h for h, _ in sums.values()), sum(a for _, a in sums.values()))
    figures["not_voted"] = (figures["all"][0] - figures["participating"][0],
                            figures["all"][1] - figures["participating"][1])
    return figures


def _measure(figures, kind: str, measure: str) -> int:
    return figures[kind][0 if measure == "heads" else 1]


def tally(units: Iterable[RollUnit], ballots: Iterable[CastBallot], rule: Rule | str,
          policy: str = "first") -> dict:
    """Count the vote and judge it against ``rule`` (a Rule or a preset id).

    Returns a JSON-able dict: heads as int, areas as strings with 2 places; per
    check, numerator/denominator as strings in the check's unit, the reduced
    ratio "a/b" ("0/0" for an empty denominator, which fails), percent with 4
    places rounded half-even, and margin (≥ 0 exactly when the check passes).
    ``conflicts`` lists voters who voted through two or more units with
    differing choices, whatever the policy. Raises ValueError on bad input.
    """
    roll = _Roll(units)
    best, multi = _scan(roll, ballots, policy)
    figures = _figures(roll, best)
    counts = {kind: figures[kind] for kind in ("all", *CHOICES)}
    return assemble(rule, policy, counts, _conflicts(roll, multi))


def assemble(rule: Rule | str, policy: str, counts: dict[str, tuple[int, int]], conflicts: list[dict]) -> dict:
    """The tally output from aggregated counts: the one place the checks are judged.

    ``counts`` maps "all", "agree", "disagree", "abstain" to (heads, area in
    hundredths); participating and not_voted follow from them. tally() and the
    service's SQL aggregation (proven equal by tests) both end here.
    """
    rule = _resolve(rule)
    check_policy(policy)
    figures = dict(counts)
    figures["participating"] = (sum(counts[c][0] for c in CHOICES), sum(counts[c][1] for c in CHOICES))
    figures["not_voted"] = (counts["all"][0] - figures["participating"][0],
                            counts["all"][1] - figures["participating"][1])
    checks = [
        evaluate_check(c, _measure(figures, c.numerator, c.measure),
                       _measure(figures, c.denominator, c.measure))
        for c in rule.checks
    ]
    result = {"rule": rule.id, "policy": policy, "passed": all(c["passed"] for c in checks)}
    for name, kind in (("total", "all"), ("participating", "participating"), ("agree", "agree"),
                       ("disagree", "disagree"), ("abstain", "abstain"), ("not_voted", "not_voted")):
        heads, area = figures[kind]
        result[name] = {"heads": heads, "area": hundredths_str(area)}
    result["checks"] = checks
    result["conflicts"] = conflicts
    return result


def _conflicts(roll: _Roll, multi: dict[str, set]) -> list[dict]:
    conflicts = []
    for key in sorted(multi):
        pairs = multi[key]
        units = {hid for hid, _ in pairs}
        choices = {choice for _, choice in pairs}
        if len(units) > 1 and len(choices) > 1:
            conflicts.append({"voter": key,
                              "units": sorted(roll.label(h) for h in units),
                              "choices": [c for c in CHOICES if c in choices]})
    return conflicts


def effective_ballots(units: Iterable[RollUnit], ballots: Iterable[CastBallot],
                      policy: str = "first", choices: Iterable[str] = CHOICES) -> dict[str, CastBallot]:
    """voter_key → the ballot that counts for that voter under ``policy``; ``choices``: the answers the
    round's kind takes (a satisfaction survey's: satisfaction.answers_of)."""
    best, _ = _scan(_Roll(units), ballots, policy, frozenset(choices))
    return best


def ballot_statuses(units: Iterable[RollUnit], ballots: Iterable[CastBallot],
                    policy: str = "first") -> dict[str, str]:
    """ballot_id → "counted" (the voter's effective ballot), "duplicate" (a later
    ballot under "first") or "superseded" (an earlier ballot under "last"), each
    voter's ballots taken in the order the tally uses (expressed time, cast_at, then the tie key).

    Needs unique, non-empty ballot_ids (ValueError otherwise).
    """
    ballots = list(ballots)
    roll = _Roll(units)
    _scan(roll, ballots, policy)  # rejects what the tally would reject
    per_voter: dict[str, list[CastBallot]] = {}
    seen: set[str] = set()
    for b in ballots:
        if not b.ballot_id or b.ballot_id in seen:
            raise ValueError(f"选票编号为空或重复：{b.ballot_id!r}")
        seen.add(b.ballot_id)
        per_voter.setdefault(roll.unit_voter[b.household_id], []).append(b)
    statuses: dict[str, str] = {}
    for own in per_voter.values():
        own.sort(key=_order)
        statuses.update(zip((b.ballot_id for b in own), standings(len(own), policy)))
    return {b.ballot_id: statuses[b.ballot_id] for b in ballots}


def gap_to_pass(units: Iterable[RollUnit], ballots: Iterable[CastBallot], rule: Rule | str,
                policy: str = "first", canvass_limit: int | None = 50) -> dict:
    """What it would take to pass, if not-yet-voted voters came in agreeing.

    Per check: heads_needed = fewest additional agreeing voters (for area checks
    taking the largest-area not-voted voters first, which is the canvass order);
    area_needed = least additional agreeing area, "0.00" for heads checks. A
    new agreeing voter raises both numerator and a "participating" denominator.
    reachable = False when even all not-voted voters would not suffice; then
    heads_needed/area_needed report all of them (count and area).
    Top level: heads_needed = the max over checks (the first that many canvass
    voters pass every check when reachable), canvass = not-voted voters by area
    descending then voter key, at most canvass_limit of them (None: all).
    """
    rule = _resolve(rule)
    roll = _Roll(units)
    best, _ = _scan(roll, ballots, policy)
    figures = _figures(roll, best)
    pool = sorted((key for key in roll.voter_area if key not in best),
                  key=lambda key: (-roll.voter_area[key], key))
    prefix = list(accumulate(roll.voter_area[key] for key in pool))
    checks = [_check_gap(c, figures, prefix) for c in rule.checks]
    reachable = all(c["reachable"] for c in checks)
    shown = pool if canvass_limit is None else pool[:max(canvass_limit, 0)]
    labels = roll.voter_labels() if shown else {}
    return {
        "rule": rule.id,
        "policy": policy,
        "passed": all(c["passed"] for c in checks),
        "reachable": reachable,
        "heads_needed": max((c["heads_needed"] for c in checks), default=0) if reachable else len(pool),
        "checks": checks,
        "canvass": [{"voter": key, "units": labels[key],
                     "area": hundredths_str(roll.voter_area[key]), "heads": 1} for key in shown],
    }


def _check_gap(check, figures, prefix: list[int]) -> dict:
    numerator = _measure(figures, check.numerator, check.measure)
    denominator = _measure(figures, check.denominator, check.measure)
    pool_heads, pool_area = len(prefix), (prefix[-1] if prefix else 0)
    gap = {"name": check.name, "passed": check.passes(numerator, denominator),
           "reachable": True, "heads_needed": 0, "area_needed": "0.00"}
    if gap["passed"]:
        return gap
    x = check.least_addition(numerator, denominator)
    limit = pool_heads if check.measure == "heads" else pool_area
    if x is None or x > limit:
        gap.update(reachable=False, heads_needed=pool_heads, area_needed=hundredths_str(pool_area))
    elif check.measure == "heads":
        gap["heads_needed"] = x
    else:  # passing is monotone in the added area, so the first prefix ≥ x decides
        gap.update(heads_needed=bisect_left(prefix, x) + 1, area_needed=hundredths_str(x))
    return gap
