"""What a round's tally report says, as plain values (pure): the model the writers render.

`report_data` fills a RoundReport from the database; `report_pdf` and `report_tables`
render it and know nothing of the database or the web framework.
"""
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from ..china_time import CST
from ..labels_zh import (ATTACHMENT_PURPOSE_ZH, CHANNEL_ZH, FIGURE_ZH, MEASURE_UNIT_ZH, OBJECTION_CHANNEL_ZH,
                         PAPER_ENTRY_STATUS_ZH, RESULT_STATE_ZH, SATISFACTION_FIGURE_ZH, answer_zh, check_title_zh)
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
    by: str = ""  # who answered, as a person: "张三（社区书记）" (StaffUser.person_zh); "" when unknown


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
    by = f"（答复人：{remark.answer.by}）" if remark.answer.by else ""
    return remark.answer.text + by + (f"（共答复{earlier + 1}次，此为最新）" if earlier else "")


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
class FileRef:
    """A stored file the bundle carries itself: where in the zip, what it was called, its SHA-256."""

    file: str  # the member name in evidence.zip
    filename: str  # as uploaded (user input: shown, never used as a path)
    content_type: str
    purpose: str  # code (ATTACHMENT_PURPOSE_ZH)
    sha256: str
    size: int


@dataclass(frozen=True)
class PlanItem:
    code: str  # catalogue code, e.g. R-B-01
    name_zh: str
    kind_zh: str  # 必改 / 提升
    area_zh: str  # 居民住宅建筑 / 小区公共区域


@dataclass(frozen=True)
class PlanFunding:
    """The plan's funding rule applied to the version's cost over the frozen roll's area: exact strings (元, ㎡)."""

    total_area: str
    built_year: int
    affordable_housing: bool
    total_cost: str
    cost_per_m2: str
    capped_base_per_m2: str
    city_share: str
    responsible_party_share: str
    remaining: str
    basis_zh: str


@dataclass(frozen=True)
class PlanText:
    """The proposal version the round put to the vote (fixed when it opened), as it was then."""

    proposal_id: int
    version_id: int
    version: int
    title: str
    summary: str
    items: tuple[PlanItem, ...]
    estimated_cost: str  # 元, 2 places
    resident_mode: str | None  # per_m2 / total / none; None while undecided
    resident_mode_zh: str
    resident_amount: str | None  # 元/㎡ (per_m2) or 元 (total)
    created_at: datetime
    created_by: str  # person_zh, "" when unknown
    funding: PlanFunding | None  # None: the estate is outside the plan's subsidy, or the roll has no area
    funding_note: str  # why there is no funding calculation ("" when there is one)
    attachments: tuple[FileRef, ...] = ()

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The plan as label/value pairs, for the report."""
        amount = "" if self.resident_amount is None else (
            f"，{self.resident_amount} 元" + ("/㎡" if self.resident_mode == "per_m2" else ""))
        pairs = [("方案", f"{self.title}（第{self.version}版，方案编号 {self.proposal_id}）"),
                 ("方案说明", self.summary), ("估算总费用", f"{self.estimated_cost} 元"),
                 ("居民出资", self.resident_mode_zh + amount),
                 ("方案提交", f"{seconds_cst(self.created_at)} {self.created_by}".strip())]
        f = self.funding
        if f is None:
            return pairs + [("资金测算", self.funding_note)]
        return pairs + [
            ("资金测算依据", f.basis_zh),
            ("测算面积", f"{f.total_area} ㎡（冻结名册的专有部分面积合计）"),
            ("每平方米费用", f"{f.cost_per_m2} 元（补助基数 {f.capped_base_per_m2} 元/㎡）"),
            ("市级财政补助", f"{f.city_share} 元"), ("原责任主体承担", f"{f.responsible_party_share} 元"),
            ("其余渠道筹集", f"{f.remaining} 元（区级财政、居民出资等）"),
        ]

    @property
    def item_rows(self) -> list[tuple[str, str, str, str]]:
        """编号, 类别, 部位, 项目."""
        return [(i.code, i.kind_zh, i.area_zh, i.name_zh) for i in self.items]


@dataclass(frozen=True)
class PaperRecord:
    """A paper (入户签字) or proxy (委托) ballot as entered and decided, with its photos in the bundle."""

    id: int
    unit: str  # 幢-单元-室
    household_id: int
    kind: str  # paper / proxy
    choice: str  # agree / disagree / abstain (a survey: satisfied / basically_satisfied / dissatisfied)
    entered_by: str  # person_zh
    entered_by_login: str  # machine field: the audit chain's actor
    entered_at: datetime
    status: str  # pending_confirmation / counted / duplicate / rejected
    decided_by: str  # person_zh, "" while pending
    decided_by_login: str
    decided_at: datetime | None
    receipt: str  # of the ballot it became; "" unless confirmed
    files: tuple[FileRef, ...]


def _share(figure: dict, measure: str) -> str:
    """A survey figure's share of the roll, "1/3（33.3333%）"; "" for the roll's own total."""
    ratio = figure.get(f"{measure}_ratio")
    return "" if ratio is None else f"{ratio}（{figure[f'{measure}_percent']}）"


@dataclass(frozen=True)
class UnhappyLine:
    """A satisfaction survey's item that counted answers said they were unhappy with."""

    code: str  # catalogue code
    name_zh: str
    owners: int  # owners whose counted answer named it


# The words that differ between a decision's report and a satisfaction survey's (no vote, nothing passes).
DECISION_WORDS = {"report": "计票报告", "period": "表决期间", "rule": "表决规则", "figures": "名册与表决情况",
                  "choice": "表决意见", "cast_at": "表决时间", "plan": "表决的改造方案", "summary": "计票结果",
                  "paper": "纸质表决票及委托表决"}
SURVEY_WORDS = {"report": "满意度调查报告", "period": "调查期间", "rule": "统计方式", "figures": "名册与作答情况",
                "choice": "满意度", "cast_at": "作答时间", "plan": "调查所涉的改造方案", "summary": "调查结果",
                "paper": "纸质调查表及委托作答"}
SURVEY_RESULT_ZH = "调查结果（不设通过条件）"


# Who signs the printed report, and where it is stamped: the two offices that answer for it.
SIGNATORIES = ("社区居民委员会", "街道办事处")


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
    plan: PlanText | None = None  # the version voted on; None for a round without one
    paper: list[PaperRecord] = field(default_factory=list)
    audit_chain: str = ""  # "estate:12"
    audit_length: int = 0
    audit_head: str = ""  # the chain's head hash when the report was made
    kind: str = "decision"  # decision / satisfaction (a survey: no rule, no checks, no verdict)
    unhappy: tuple[UnhappyLine, ...] = ()  # a survey's unhappy items, most named first

    @property
    def survey(self) -> bool:
        return self.kind == "satisfaction"

    @property
    def round_zh(self) -> str:
        """征询轮次: the stage (a survey comes after the three stages and is none of them)."""
        if self.survey:
            return f"满意度调查（联合验收后，轮次编号 {self.round_id}）"
        return f"{self.stage_zh}（轮次编号 {self.round_id}）"

    @property
    def words(self) -> dict[str, str]:
        return SURVEY_WORDS if self.survey else DECISION_WORDS

    @property
    def figure_header(self) -> tuple[str, ...]:
        if self.survey:
            return ("", "人数", "占人数（比例，百分比）", "专有部分面积 ㎡", "占面积（比例，百分比）")
        return ("", "人数", "专有部分面积 ㎡")

    @property
    def figure_rows(self) -> list[tuple]:
        """(label, heads: int, area: str[, heads share, area share]) per figure of the tally; a survey's
        shares are the exact fraction of the roll with its percentage, "1/3（33.3333%）"."""
        if not self.survey:
            return [(label, self.tally[kind]["heads"], self.tally[kind]["area"]) for kind, label in FIGURE_ZH.items()]
        return [(label, f["heads"], _share(f, "heads"), f["area"], _share(f, "area"))
                for f, label in ((self.tally[kind], label) for kind, label in SATISFACTION_FIGURE_ZH.items())]

    @property
    def unhappy_rows(self) -> list[tuple[str, str, int]]:
        """项目编号, 项目, 人数."""
        return [(u.code, u.name_zh, u.owners) for u in self.unhappy]

    @property
    def audit_fact(self) -> str:
        if not self.audit_chain:
            return ""
        # The chain's machine name (estate:N) stays in the bundle's manifest and checkpoints; the head hash
        # is what a reader matches against them.
        return f"本小区审计链共 {self.audit_length} 条记录，链头哈希 {self.audit_head}"

    @property
    def paper_rows(self) -> list[tuple[str, ...]]:
        """房屋, 方式, 表决意见, 录入人, 录入时间, 确认人, 确认时间, 状态, 回执码, 原件 (photos' SHA-256 prefixes)."""
        return [(p.unit, CHANNEL_ZH[p.kind], answer_zh(p.choice), p.entered_by, seconds_cst(p.entered_at),
                 p.decided_by, seconds_cst(p.decided_at), PAPER_ENTRY_STATUS_ZH[p.status], p.receipt,
                 "；".join(f"{ATTACHMENT_PURPOSE_ZH.get(f.purpose, f.purpose)} {f.sha256[:12]}…" for f in p.files))
                for p in self.paper]
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
        if self.survey:
            return []
        titles = {c.name: check_title_zh(c.measure, c.numerator, c.denominator) for c in self.rule.checks}
        return [dict(c, title=titles.get(c["name"], c["name"]), requirement=requirement_zh(c),
                     unit=MEASURE_UNIT_ZH[c["measure"]], verdict="通过" if c["passed"] else "未通过")
                for c in self.tally["checks"]]

    @property
    def result_facts(self) -> list[tuple[str, str]]:
        """结果状态: the state, when it became final, the result notice and its objection period."""
        notice = self.result.notice
        if self.survey:  # a survey decides nothing: no objection period, nothing to make final
            return [("结果状态", "尚未截止" if self.result.state == "none" else "调查已结束（不设异议期）"),
                    ("结果公告", f"{notice.title}（第{notice.version}版，公告编号 {notice.id}）" if notice else "尚未发布"),
                    ("公示期", f"{notice.starts_on} 至 {notice.ends_on}（{notice.working_days}个工作日）" if notice else "")]
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
        if self.survey:
            return SURVEY_RESULT_ZH
        return "通过" if self.tally["passed"] else "未通过"
