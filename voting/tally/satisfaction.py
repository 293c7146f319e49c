"""The satisfaction survey's count (满意度调查, after joint acceptance): heads and area per answer, no pass rule.

The same roll and the same one-ballot-per-owner standing as the tally (``tally._scan``:
policy first/last, a ballot through any unit of an owner counts for all the owner's units),
but answers are satisfied / basically_satisfied / dissatisfied and nothing passes or fails.
Each figure is (heads, area) with its share of the roll as an exact reduced fraction "a/b"
and a percentage with 4 places rounded half-even; areas are strings with 2 places. No float.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from ..hundredths import hundredths_str
from .rules import Rule, fraction_str, percent_str
from .standing import check_policy
from .tally import CastBallot, RollUnit, _Roll, _scan

SATISFACTION_CHOICES = ("satisfied", "basically_satisfied", "dissatisfied")
_ANSWER_SET = frozenset(SATISFACTION_CHOICES)
SATISFACTION_RULE_ID = "satisfaction"

# What a satisfaction round shows where a decision round shows its rule: no checks, nothing to pass.
NO_RULE = Rule(
    id=SATISFACTION_RULE_ID, title_zh="满意度调查（不设通过条件，按人数和面积统计）",
    legal_basis=("《拱墅区老旧小区综合改造提升三年行动计划（2019-2021年）》：后续管理，"
                 "巩固老旧小区改造成果，做到“改造一个、管好一个”。本调查不是业主共同决定事项的表决。"),
    checks=())


def answers_of(kind: str) -> tuple[str, ...]:
    """The answers a round of this kind takes ("decision": agree / disagree / abstain)."""
    return SATISFACTION_CHOICES if kind == "satisfaction" else ("agree", "disagree", "abstain")


def _share(part: int, whole: int) -> str:
    return "0/0" if whole <= 0 else fraction_str(Fraction(part, whole))


def _figure(heads: int, area: int, total_heads: int, total_area: int) -> dict:
    return {"heads": heads, "area": hundredths_str(area),
            "heads_ratio": _share(heads, total_heads), "heads_percent": percent_str(heads, total_heads),
            "area_ratio": _share(area, total_area), "area_percent": percent_str(area, total_area)}


def satisfaction_tally(units: Iterable[RollUnit], ballots: Iterable[CastBallot], policy: str = "first",
                       unhappy_items: Mapping[str, Sequence[str]] | None = None) -> dict:
    """Count a satisfaction survey; JSON-able, ``passed`` always None (there is no rule).

    Keys: kind ("satisfaction"), policy, passed, total (the roll), answered, each answer,
    not_answered — every figure with heads, area and their shares of the roll —,
    ``unhappy_items`` (catalogue code → owners whose counted answer names it, from
    ``unhappy_items``: ballot_id → codes) and ``conflicts`` (owners who answered differently
    through two units). Raises ValueError on bad input (an answer of a decision round included).
    """
    check_policy(policy)
    roll = _Roll(units)
    best, multi = _scan(roll, ballots, policy, _ANSWER_SET)
    total_heads, total_area = len(roll.voter_area), roll.total_area
    sums = {answer: [0, 0] for answer in SATISFACTION_CHOICES}
    items: dict[str, int] = {}
    for key, ballot in best.items():
        acc = sums[ballot.choice]
        acc[0] += 1
        acc[1] += roll.voter_area[key]
        for code in sorted(set((unhappy_items or {}).get(ballot.ballot_id, ()))):
            items[code] = items.get(code, 0) + 1
    answered = (sum(h for h, _ in sums.values()), sum(a for _, a in sums.values()))
    result = {"kind": "satisfaction", "policy": policy, "passed": None,
              "total": {"heads": total_heads, "area": hundredths_str(total_area)},
              "answered": _figure(*answered, total_heads, total_area)}
    for answer in SATISFACTION_CHOICES:
        result[answer] = _figure(*sums[answer], total_heads, total_area)
    result["not_answered"] = _figure(total_heads - answered[0], total_area - answered[1], total_heads, total_area)
    result["unhappy_items"] = dict(sorted(items.items()))
    result["conflicts"] = _conflicts(roll, multi)
    return result


def _conflicts(roll: _Roll, multi: dict[str, set]) -> list[dict]:
    """Owners who answered through two or more units with differing answers (as the tally lists them)."""
    found = []
    for key in sorted(multi):
        units, answers = {h for h, _ in multi[key]}, {c for _, c in multi[key]}
        if len(units) > 1 and len(answers) > 1:
            found.append({"voter": key, "units": sorted({roll.label(h) for h in units}),
                          "choices": [a for a in SATISFACTION_CHOICES if a in answers]})
    return found
