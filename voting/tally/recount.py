"""Recount from files (pure): ROSTER.csv + BALLOTS.csv → the tally, as anyone can do offline.

The roster is read with the roster import's own parser and the ballots with the
ballots-file parser, and the tally module decides: the same code as online (a
satisfaction survey: `recount_survey`, by tally.satisfaction).
"""
from typing import Mapping, Sequence

from ..roster.roster_import import parse_roster
from ..unit_labels import unit_label
from .ballots_file import BallotsFileError, countable, parse_ballots_csv
from .items import ItemQuestions, check_answers, item_tally
from .rules import Rule
from .satisfaction import satisfaction_tally
from .tally import CastBallot, RollUnit, tally


class RecountError(ValueError):
    """A file that cannot be recounted; `problems` are Chinese lines naming file, row and column."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _where(name: str, row: int, column: str) -> str:
    place = f"第{row}行" if row else "整个文件"
    return f"{name} {place}" + (f"，列 {column}" if column else "")


def _read(roster: bytes, ballots: bytes, roster_name: str, ballots_name: str, questions: ItemQuestions | None = None):
    """(units, places, cast ballots, item answers by ballot id) from the files; RecountError listing every problem.

    Units are matched by (building, unit, room). Rows with status pending_confirmation
    or rejected are not ballots. A row's signed_at (paper, proxy) orders it among the
    voter's ballots instead of its cast_at (tally.standing). Raises RecountError listing every problem found.
    With ``questions``, each row's items are checked against them (voting.tally.items.check_answers).
    """
    parsed = parse_roster(roster, roster_name)
    problems = [f"{_where(roster_name, e.row, e.column)}：{e.message}" for e in parsed.errors]
    try:
        rows = parse_ballots_csv(ballots)
    except BallotsFileError as exc:
        problems += [f"{_where(ballots_name, row, column)}：{message}" for row, column, message in exc.errors]
        rows = []
    if problems:
        raise RecountError(problems)
    units = [
        RollUnit(household_id=(r.building, r.unit, r.room), label=unit_label(r.building, r.unit, r.room),
                 area=r.area, owner_key=r.owner_key, status=r.status)
        for r in parsed.rows
    ]
    places = {(r.building, r.unit, r.room): (r.building, r.unit) for r in parsed.rows}
    known = {u.household_id for u in units}
    cast, answers = [], {}
    for row in rows:
        if not countable(row):
            continue
        key = (row.building, row.unit, row.room)
        if key not in known:
            problems.append(f"{_where(ballots_name, row.row, 'room')}："
                            f"{unit_label(*key)} 不在名册中")
            continue
        ballot_id = row.receipt or f"row{row.row}"
        cast.append(CastBallot(household_id=key, choice=row.choice, cast_at=row.cast_at, channel=row.channel,
                               ballot_id=ballot_id, signed_at=row.signed_at))
        if questions is not None and row.items:
            try:
                answers[ballot_id] = check_answers(questions, dict(row.items))
            except ValueError as exc:
                problems.append(f"{_where(ballots_name, row.row, 'items')}：{exc}")
    if problems:
        raise RecountError(problems)
    return units, places, cast, answers


def recount(roster: bytes, ballots: bytes, rule: Rule | str, policy: str, roster_name: str = "roster.csv",
            ballots_name: str = "ballots.csv") -> dict:
    """The tally output for the roll in `roster` and the countable ballots in `ballots`.

    Units are matched by (building, unit, room). Rows with status pending_confirmation
    or rejected are not ballots. Raises RecountError listing every problem found.
    """
    units, _, cast, _ = _read(roster, ballots, roster_name, ballots_name)
    return tally(units, cast, rule, policy)


def recount_items(roster: bytes, ballots: bytes, rule: Rule | str, policy: str, questions: ItemQuestions,
                  roster_name: str = "roster.csv", ballots_name: str = "ballots.csv") -> dict:
    """The item tally (exactly GET /api/v1/rounds/{id}/items) from the files' items column.

    Each ballot's items must be among ``questions`` (and only ticked, "agree", in a 多选
    round); stairwells are the roster's (building, unit). Raises RecountError.
    """
    units, places, cast, answers = _read(roster, ballots, roster_name, ballots_name, questions)
    return item_tally(units, cast, answers, questions, places, rule, policy)


def recount_survey(roster: bytes, ballots: bytes, policy: str,
                   unhappy_items: Mapping[str, Sequence[str]] | None = None) -> dict:
    """A satisfaction survey's count from the files, as `recount` reads them; `unhappy_items`:
    receipt → the catalogue codes sent with that answer (the bundle's survey_items.csv)."""
    units, _, cast, _ = _read(roster, ballots, "roster.csv", "ballots.csv")
    return satisfaction_tally(units, cast, policy, unhappy_items)
