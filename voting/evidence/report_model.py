"""What a round's tally report says, as plain values (pure): the model the writers render.

`report_data` fills a RoundReport from the database; `report_pdf` and `report_tables`
render it and know nothing of the database or the web framework.
"""
from dataclasses import dataclass

from ..labels_zh import MEASURE_UNIT_ZH, check_title_zh
from ..tally.rules import Rule


def requirement_zh(check: dict) -> str:
    """'≥ 2/3' (以上, inclusive) or '> 1/2' (过半数, strict)."""
    return f"{'≥' if check['inclusive'] else '>'} {check['threshold']}"


@dataclass(frozen=True)
class HouseholdLine:
    label: str  # 幢-单元-室
    area: str  # m², 2 places
    voter: str  # round pseudonym V0001, "开发商", or "" for a unit without owner key
    name: str  # masked
    choice: str  # effective choice of the unit's voter (through any of the voter's units), Chinese
    channel: str
    cast_at: str  # CST, to the second
    receipt: str


@dataclass(frozen=True)
class NoticeLine:
    id: int
    version: int
    kind: str
    title: str
    starts_on: str
    working_days: int
    ends_on: str
    superseded: bool


@dataclass(frozen=True)
class StepLine:
    at: str
    action: str
    direction: str
    actor: str
    note: str


@dataclass(frozen=True)
class RoundReport:
    round_id: int
    estate_id: int
    place: str  # 街道 · 社区 · 小区
    estate: str
    stage: int
    stage_zh: str
    title: str
    status_zh: str
    period: str  # voting period, CST
    rule: Rule
    policy_zh: str
    roll_sha256: str
    generated_at: str  # CST
    tally: dict
    notices: list[NoticeLine]
    steps: list[StepLine]
    households: list[HouseholdLine]

    @property
    def check_rows(self) -> list[dict]:
        """The tally's checks with their Chinese titles and requirement."""
        titles = {c.name: check_title_zh(c.measure, c.numerator, c.denominator) for c in self.rule.checks}
        return [dict(c, title=titles.get(c["name"], c["name"]), requirement=requirement_zh(c),
                     unit=MEASURE_UNIT_ZH[c["measure"]], verdict="通过" if c["passed"] else "未通过")
                for c in self.tally["checks"]]

    @property
    def verdict_zh(self) -> str:
        return "通过" if self.tally["passed"] else "未通过"
