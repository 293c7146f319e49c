"""What a round's tally report says, as plain values (pure): the model the writers render.

`report_data` fills a RoundReport from the database; `report_pdf` and `report_tables`
render it and know nothing of the database or the web framework.
"""
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from ..china_time import CST
from ..labels_zh import MEASURE_UNIT_ZH, OBJECTION_CHANNEL_ZH, RESULT_STATE_ZH, check_title_zh
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


def seconds_cst(moment: datetime | None) -> str:
    """'2026-09-10 14:05:09' in China Standard Time, as the report prints times; '' for None."""
    return "" if moment is None else moment.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class AnswerLine:
    text: str  # staff's answer as given: it is published to the owner or on the board
    at: datetime
    summary: str = ""  # an opinion's public paraphrase (意见答复 notice); "" for objections and when none


@dataclass(frozen=True)
class RemarkLine:
    """An objection (异议) or an opinion (意见建议) and every answer to it, oldest first (the newest stands)."""

    id: int
    unit: str  # 幢-单元-室 of the household on the frozen roll; "" when none was named
    channel: str  # code: online / paper (objections), online / paper / staff (opinions)
    text: str  # the owner's words with every run of digits hidden (privacy.hide_digits)
    at: datetime
    answers: tuple[AnswerLine, ...]

    @property
    def answer(self) -> AnswerLine | None:
        return self.answers[-1] if self.answers else None


def _answer_text(remark: RemarkLine) -> str:
    if remark.answer is None:
        return "尚未答复"
    earlier = len(remark.answers) - 1
    return remark.answer.text + (f"（共答复{earlier + 1}次，此为最新）" if earlier else "")


@dataclass(frozen=True)
class ResultNoticeText:
    """The newest version of the round's 结果公告: its period is the objection period."""

    id: int
    version: int
    title: str
    body: str
    starts_on: str  # ISO dates, China
    ends_on: str
    working_days: int


@dataclass(frozen=True)
class ResultStatus:
    state: str  # none (not closed) / provisional (closed, objection period, not finalised) / final
    finalised_at: datetime | None
    notice: ResultNoticeText | None

    @property
    def state_zh(self) -> str:
        return RESULT_STATE_ZH[self.state]


ITEM_FIGURES = ("agree", "disagree", "abstain", "not_answered")


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
    result: ResultStatus
    objections: list[RemarkLine]
    opinions: list[RemarkLine]
    items: dict | None = None  # the item tally (tally.items.item_tally) of a round with item questions
    item_names: dict = dataclasses.field(default_factory=dict)  # code → plain Chinese name

    @property
    def item_rows(self) -> list[tuple]:
        """项目, 范围, then (heads, area) for 同意, 不同意, 弃权, 未作答, and the stairwell's decision ("" if none).

        Per item the estate first, then each stairwell (building + unit) in order.
        """
        rows = []
        for item in (self.items or {}).get("items", []):
            name = self.item_names.get(item["code"], item["code"])
            scopes = [("全小区", item["estate"])] + [
                (f"{r['building']}幢" + (f"{r['unit']}单元" if r["unit"] else ""), r) for r in item["stairwells"]]
            for scope, row in scopes:
                decision = ("通过" if row["decision"]["passed"] else "未通过") if "decision" in row else ""
                rows.append((name, scope, *((row[k]["heads"], row[k]["area"]) for k in ITEM_FIGURES), decision))
        return rows

    @property
    def check_rows(self) -> list[dict]:
        """The tally's checks with their Chinese titles and requirement."""
        titles = {c.name: check_title_zh(c.measure, c.numerator, c.denominator) for c in self.rule.checks}
        return [dict(c, title=titles.get(c["name"], c["name"]), requirement=requirement_zh(c),
                     unit=MEASURE_UNIT_ZH[c["measure"]], verdict="通过" if c["passed"] else "未通过")
                for c in self.tally["checks"]]

    @property
    def result_facts(self) -> list[tuple[str, str]]:
        """结果状态: the state, when it became final, the result notice and its objection period."""
        notice = self.result.notice
        return [
            ("结果状态", self.result.state_zh),
            ("确认为最终结果", seconds_cst(self.result.finalised_at) or "尚未确认"),
            ("结果公告", f"{notice.title}（第{notice.version}版，公告编号 {notice.id}）" if notice else "尚未发布"),
            ("异议期", f"{notice.starts_on} 至 {notice.ends_on}（{notice.working_days}个工作日）" if notice else ""),
        ]

    @property
    def objection_rows(self) -> list[tuple[str, ...]]:
        """房屋, 提出方式, 提出时间, 异议内容, 答复, 答复时间: the newest answer, and how many there were."""
        return [(o.unit, OBJECTION_CHANNEL_ZH[o.channel], seconds_cst(o.at), o.text, _answer_text(o),
                 seconds_cst(o.answer.at) if o.answer else "") for o in self.objections]

    @property
    def opinion_rows(self) -> list[tuple[str, ...]]:
        """房屋, 提出时间, 意见, 公示的转述, 答复, 答复时间."""
        return [(o.unit, seconds_cst(o.at), o.text, o.answer.summary if o.answer else "", _answer_text(o),
                 seconds_cst(o.answer.at) if o.answer else "") for o in self.opinions]

    @property
    def verdict_zh(self) -> str:
        return "通过" if self.tally["passed"] else "未通过"
