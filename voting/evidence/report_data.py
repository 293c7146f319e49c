"""What a round's tally report says, gathered from the database into plain values.

The writers (report_pdf, report_tables) take a RoundReport and know nothing of the
database. Personal data is masked here, once: names as 张*明, no phones at all, and
owner keys replaced by the round's pseudonyms (V0001…), as in the frozen roster export.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from notices.models import Notice

from ..accounts.models import StaffUser
from ..ballots.casting import CHANNELS_ZH, CHOICES_ZH
from ..china_time import CST, format_cst
from ..estates.models import Estate
from ..extensions import db
from ..hundredths import two_places_str
from ..privacy import mask_name
from ..rounds.frozen_roll import roll_entries, roll_units
from ..rounds.models import RollEntry, Round
from ..rounds.operations import STAGE_TITLES, STATUS_ZH
from ..rounds.pages import ACTION_ZH
from ..rounds.round_tally import cast_ballots, round_rule, round_tally
from ..tally.rules import Check, Rule
from ..tally.tally import DEVELOPER, effective_ballots, voter_key

NOTICE_KIND_ZH = {"plan": "方案公示", "result": "结果公示", "announcement": "公告"}
DIRECTION_ZH = {"up": "上", "down": "下"}
POLICY_ZH = {"first": "以首次有效表决为准（之后的表决保留但不计入）", "last": "截止前可修改，以最后一次表决为准"}
FIGURE_KINDS_ZH = (("total", "名册合计"), ("participating", "参与表决"), ("agree", "同意"),
                   ("disagree", "不同意"), ("abstain", "弃权"), ("not_voted", "未表决"))
_MEASURE_ZH = {"heads": "人数", "area": "专有部分面积"}
_SIDE_ZH = {"agree": "同意", "participating": "参与表决", "all": "总"}


def check_title_zh(check: Check) -> str:
    """'同意的专有部分面积占总专有部分面积' and the like, from the check's definition."""
    measure = _MEASURE_ZH[check.measure]
    return f"{_SIDE_ZH[check.numerator]}的{measure}占{_SIDE_ZH[check.denominator]}{measure}"


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
        titles = {c.name: check_title_zh(c) for c in self.rule.checks}
        return [dict(c, title=titles.get(c["name"], c["name"]), requirement=requirement_zh(c),
                     unit="㎡" if c["measure"] == "area" else "人", verdict="通过" if c["passed"] else "未通过")
                for c in self.tally["checks"]]

    @property
    def verdict_zh(self) -> str:
        return "通过" if self.tally["passed"] else "未通过"


def round_notices_with_plan(round_: Round) -> list[Notice]:
    """The round's own notices, and those of the plan version it votes on (every version)."""
    condition = Notice.round_id == round_.id
    if round_.proposal_version_id is not None:
        condition = or_(condition, Notice.proposal_version_id == round_.proposal_version_id)
    return list(db.session.scalars(select(Notice).where(condition).order_by(Notice.starts_on, Notice.id)))


def _household_lines(round_: Round, entries: list[RollEntry]) -> list[HouseholdLine]:
    units = roll_units(entries)
    best = effective_ballots(units, cast_ballots(round_.id), round_.ballot_policy)
    lines = []
    for entry, unit in zip(entries, units):
        key = voter_key(unit)
        ballot = best.get(key)
        lines.append(HouseholdLine(
            label=entry.label, area=two_places_str(entry.area), voter="开发商" if key == DEVELOPER else unit.owner_key,
            name=mask_name(entry.owner_name),
            choice=CHOICES_ZH[ballot.choice] if ballot else "未表决",
            channel=CHANNELS_ZH[ballot.channel] if ballot else "",
            cast_at=ballot.cast_at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S") if ballot else "",
            receipt=ballot.ballot_id if ballot else ""))
    return lines


def round_report(round_: Round, now: datetime, entries: list[RollEntry] | None = None) -> RoundReport:
    """Everything the report shows for a round that is open or later (the roll is frozen)."""
    estate = db.session.get(Estate, round_.estate_id)
    entries = roll_entries(round_.id) if entries is None else entries
    notices = round_notices_with_plan(round_)
    superseded = {n.supersedes_id for n in notices if n.supersedes_id is not None}
    actors = dict(db.session.execute(select(StaffUser.id, StaffUser.username).where(
        StaffUser.id.in_({t.actor_id for t in round_.transitions if t.actor_id}))).all())
    return RoundReport(
        round_id=round_.id, estate_id=estate.id,
        place=f"{estate.community.street.name} · {estate.community.name} · {estate.name}", estate=estate.name,
        stage=round_.stage, stage_zh=STAGE_TITLES[round_.stage], title=round_.title,
        status_zh=STATUS_ZH[round_.status] + ("（实时计票，尚未截止）" if round_.status == "open" else ""),
        period=f"{format_cst(round_.opens_at)} 至 {format_cst(round_.closes_at)}",
        rule=round_rule(round_), policy_zh=POLICY_ZH[round_.ballot_policy], roll_sha256=round_.roll_sha256 or "",
        generated_at=format_cst(now), tally=round_tally(round_),
        notices=[NoticeLine(n.id, n.version, NOTICE_KIND_ZH.get(n.kind, "公示"), n.title, n.starts_on.isoformat(),
                            n.working_days, n.ends_on.isoformat(), n.id in superseded) for n in notices],
        steps=[StepLine(format_cst(t.at), ACTION_ZH.get(t.action, t.action), DIRECTION_ZH.get(t.direction, ""),
                        actors.get(t.actor_id, "系统"), t.note) for t in round_.transitions],
        households=_household_lines(round_, entries),
    )
