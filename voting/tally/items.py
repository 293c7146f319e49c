"""Item preferences (改造项目意向) and decisions per stairwell (单元): pure counting.

A round may ask, besides its main question, about catalogue items (``item_questions``):
- mode "multi" (多选): residents tick the items they want; a ticked item is "agree",
  an unticked one is absent;
- mode "each" (逐项表决): one 同意/不同意/弃权 per item, any of them may be left out.
A ballot carries its answers as ``{code: "agree"|"disagree"|"abstain"}``.

Which ballot speaks for a voter is the main tally's: ``tally.effective_ballots`` (the
ballot policy, first or last, via ``standing``); its item answers are the voter's. A
voter without a counted ballot, or whose counted ballot leaves the item out, is "not
answering" that item.

Scopes. The item tally and the per-stairwell tally count *within* a building or a
stairwell (building + unit) under SPC Art. 9, as the estate tally does for the estate:
a scope's voters are the voters with at least one unit in it, each one person there
(one head), with the area of their units in it; all developer units in the scope are
one person (the developer). So an owner with flats in two stairwells is a voter in each,
counted once in each with that stairwell's flats; their one counted ballot (cast through
any of their units) speaks in both.

Output conventions are the tally's: heads as int, areas as strings with 2 places.
Plain values only: no Flask, no database, no clock.
"""
from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping

from ..hundredths import hundredths_str
from .rules import Rule, get_rule
from .tally import CastBallot, RollUnit, _hundredths, assemble, effective_ballots, gap_to_pass, tally, voter_key

ITEM_MODES = ("multi", "each")
ITEM_ANSWERS = ("agree", "disagree", "abstain")
NOT_ANSWERED = "not_answered"
FIGURES = ("total", *ITEM_ANSWERS, NOT_ANSWERED)
# The lift item (多层住宅加装电梯): decided per stairwell by that stairwell's owners.
LIFT_CODE = "U-B-06"
MAX_ITEMS = 36


@dataclasses.dataclass(frozen=True)
class ItemQuestions:
    """A round's item questions: the codes asked, the mode, and which are decided per stairwell."""

    codes: tuple[str, ...] = ()
    mode: str = "each"
    per_stairwell: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"item_questions": list(self.codes), "item_mode": self.mode,
                "per_stairwell_items": list(self.per_stairwell)}


def item_questions(codes: Iterable[str] = (), mode: str = "each", per_stairwell: Iterable[str] = (),
                   known: Iterable[str] | None = None) -> ItemQuestions:
    """Checked item questions; ValueError with a Chinese message for a bad list.

    ``known``: the catalogue's codes (unknown codes are refused when given). Codes
    must not repeat; ``per_stairwell`` must be among ``codes``.
    """
    codes, per_stairwell = list(codes or ()), list(per_stairwell or ())
    if mode not in ITEM_MODES:
        raise ValueError(f"未知的项目征询方式：{mode!r}（可用：multi 多选、each 逐项表决）")
    if len(codes) > MAX_ITEMS:
        raise ValueError(f"征询项目不超过{MAX_ITEMS}项")
    known = None if known is None else set(known)
    for code in codes:
        if not isinstance(code, str) or (known is not None and code not in known):
            raise ValueError(f"未知的改造项目编号：{code!s}")
    if len(set(codes)) != len(codes):
        raise ValueError("征询项目编号重复")
    for code in per_stairwell:
        if code not in codes:
            raise ValueError(f"按单元决定的项目 {code!s} 不在征询项目中")
    if len(set(per_stairwell)) != len(per_stairwell):
        raise ValueError("按单元决定的项目编号重复")
    return ItemQuestions(tuple(codes), mode, tuple(per_stairwell))


def check_answers(questions: ItemQuestions, answers: Mapping | None) -> dict[str, str]:
    """A ballot's item answers, checked against the round's questions; ValueError (Chinese) if bad.

    Codes must be among the round's item questions; values agree/disagree/abstain; in
    mode "multi" only "agree" (a ticked item). Returns a plain dict (empty for none).
    """
    if answers is None:
        return {}
    if not isinstance(answers, Mapping):
        raise ValueError("项目意见格式不正确，应为 {项目编号: agree/disagree/abstain}")
    if answers and not questions.codes:
        raise ValueError("本轮表决没有征询改造项目")
    checked = {}
    for code, answer in answers.items():
        if code not in questions.codes:
            raise ValueError(f"改造项目 {code!s} 不在本轮征询的项目中")
        if answer not in ITEM_ANSWERS:
            raise ValueError(f"改造项目 {code} 的意见“{answer!s}”无法识别，应为 agree（同意）、disagree（不同意）或 abstain（弃权）")
        if questions.mode == "multi" and answer != "agree":
            raise ValueError(f"本轮为多选：只能勾选需要的项目（agree），项目 {code} 不能选“{answer}”")
        checked[code] = answer
    return checked


def _scope_voters(units: list[RollUnit], keep) -> dict[str, int]:
    """voter_key → area (hundredths) of that voter's units among ``keep`` (household ids)."""
    areas: dict[str, int] = {}
    for unit in units:
        if unit.household_id in keep:
            key = voter_key(unit)
            areas[key] = areas.get(key, 0) + _hundredths(unit.area, unit.label)
    return areas


def _figures(voters: dict[str, int], answer_of: dict[str, str]) -> dict:
    sums = {name: [0, 0] for name in FIGURES}
    for key, area in voters.items():
        for name in ("total", answer_of.get(key, NOT_ANSWERED)):
            sums[name][0] += 1
            sums[name][1] += area
    return {name: {"heads": h, "area": hundredths_str(a)} for name, (h, a) in sums.items()}


def _places(units: list[RollUnit], places: Mapping) -> tuple[dict, dict]:
    """building → household ids, (building, unit) → household ids."""
    buildings: dict[str, set] = {}
    stairwells: dict[tuple[str, str], set] = {}
    for unit in units:
        building, stair = places[unit.household_id]
        buildings.setdefault(building, set()).add(unit.household_id)
        stairwells.setdefault((building, stair), set()).add(unit.household_id)
    return buildings, stairwells


def _decision_choice(answer: str | None, voted: bool, mode: str) -> str | None:
    """The choice an item answer stands for in a per-stairwell decision (None: not taking part).

    Mode "multi": a counted ballot that leaves the item unticked took part in the vote
    and did not agree: it counts as "abstain" (participating, not agreeing).
    """
    if answer is not None:
        return answer
    return "abstain" if voted and mode == "multi" else None


def item_tally(units: Iterable[RollUnit], ballots: Iterable[CastBallot], answers: Mapping[str, Mapping[str, str]],
               questions: ItemQuestions, places: Mapping, rule: Rule | str, policy: str = "first") -> dict:
    """Per item: heads and area in favour, against, abstaining and not answering.

    ``answers``: ballot_id → that ballot's item answers. ``places``: household_id →
    (building, unit) for every unit. For the estate, per building and per stairwell
    (sorted). Items decided per stairwell also carry, per stairwell, ``decision``: the
    tally output of ``rule`` over that stairwell's voters with the item answers as
    choices (see _decision_choice for mode "multi").
    """
    units = list(units)
    ballots = list(ballots)
    rule = rule if isinstance(rule, Rule) else get_rule(rule)
    best = effective_ballots(units, ballots, policy)
    everyone = {u.household_id for u in units}
    estate = _scope_voters(units, everyone)
    buildings, stairwells = _places(units, places)
    building_voters = {b: _scope_voters(units, ids) for b, ids in buildings.items()}
    stair_voters = {s: _scope_voters(units, ids) for s, ids in stairwells.items()}
    items = []
    for code in questions.codes:
        answer_of = {}
        for key, ballot in best.items():
            answer = (answers.get(ballot.ballot_id) or {}).get(code)
            if answer is not None:
                answer_of[key] = answer
        item = {"code": code, "per_stairwell": code in questions.per_stairwell,
                "estate": _figures(estate, answer_of),
                "buildings": [{"building": b, **_figures(building_voters[b], answer_of)}
                              for b in sorted(building_voters)],
                "stairwells": []}
        for building, stair in sorted(stair_voters):
            row = {"building": building, "unit": stair, **_figures(stair_voters[(building, stair)], answer_of)}
            if item["per_stairwell"]:
                counts = {"all": (0, 0), **{c: (0, 0) for c in ITEM_ANSWERS}}
                for key, area in stair_voters[(building, stair)].items():
                    counts["all"] = (counts["all"][0] + 1, counts["all"][1] + area)
                    choice = _decision_choice(answer_of.get(key), key in best, questions.mode)
                    if choice is not None:
                        counts[choice] = (counts[choice][0] + 1, counts[choice][1] + area)
                row["decision"] = assemble(rule, policy, counts, [])
            item["stairwells"].append(row)
        items.append(item)
    return {"policy": policy, "rule": rule.id, **questions.to_dict(), "items": items}


def restrict(units: Iterable[RollUnit], ballots: Iterable[CastBallot], keep, policy: str = "first",
             answers: Mapping[str, Mapping[str, str]] | None = None, item: str | None = None,
             mode: str = "each") -> tuple[list[RollUnit], list[CastBallot]]:
    """The roll and ballots of one scope (household ids ``keep``), for the estate's pure functions.

    The units in ``keep``; one ballot per voter of the scope who has a counted ballot in
    the whole round (``effective_ballots`` under ``policy``, whatever unit it was cast
    through), moved onto one of the voter's units in the scope. The result has one ballot
    per voter, so tally()/gap_to_pass() over it count exactly the scope's voters once each.
    With ``item``, the ballots' choices are the voters' answers to that item (voters not
    answering it are left out; see _decision_choice for mode "multi").
    """
    units = list(units)
    best = effective_ballots(units, ballots, policy)
    kept = sorted((u for u in units if u.household_id in keep), key=lambda u: (u.label, str(u.household_id)))
    through: dict[str, object] = {}
    for unit in kept:
        through.setdefault(voter_key(unit), unit.household_id)
    moved = []
    for key, household_id in through.items():
        ballot = best.get(key)
        if ballot is None:
            continue
        choice = ballot.choice
        if item is not None:
            answer = ((answers or {}).get(ballot.ballot_id) or {}).get(item)
            choice = _decision_choice(answer, True, mode)
            if choice is None:
                continue
        moved.append(dataclasses.replace(ballot, household_id=household_id, choice=choice))
    return kept, moved


def scope_tally(units: Iterable[RollUnit], ballots: Iterable[CastBallot], keep, rule: Rule | str,
                policy: str = "first") -> dict:
    """The tally of ``rule`` over one scope (e.g. a stairwell's household ids ``keep``).

    Its own total heads and area (SPC Art. 9 within the scope), the voters' counted
    ballots; ``conflicts`` are the estate's conflicts of the scope's voters.
    """
    units, ballots = list(units), list(ballots)
    kept, moved = restrict(units, ballots, keep, policy)
    result = tally(kept, moved, rule, policy)
    voters = {voter_key(u) for u in kept}
    result["conflicts"] = [c for c in tally(units, ballots, rule, policy)["conflicts"] if c["voter"] in voters]
    return result


def scope_gap(units: Iterable[RollUnit], ballots: Iterable[CastBallot], keep, rule: Rule | str,
              policy: str = "first", answers: Mapping | None = None, item: str | None = None,
              mode: str = "each", canvass_limit: int | None = 50) -> dict:
    """gap_to_pass over one scope (the main question, or ``item``'s answers)."""
    kept, moved = restrict(units, ballots, keep, policy, answers, item, mode)
    return gap_to_pass(kept, moved, rule, policy, canvass_limit=canvass_limit)
