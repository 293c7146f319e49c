"""The street office's dashboard: every estate of a street, where its consultation stands.

Who sees a street: the district any street, a street office its own street. Community
workers get 404 — the dashboard is the street's oversight tool, and a community's
estates are on the community worker's own estate pages.

Queries per street are bounded: estates, their rounds, the latest notice end per
estate and their milestones are one query each, whatever the number of estates;
closed rounds use the tally frozen at closing and open rounds add one aggregate
query each, with the denominators frozen with the roll (no roll is regrouped).
"""
import json
from datetime import date, datetime
from decimal import Decimal

from flask_smorest import abort
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from notices.project_steps import last_done, step_states
from voting.models.notices import MILESTONE_STEPS, Milestone, Notice

from ..calendar.calendar_store import load_calendar
from ..extensions import db
from ..hundredths import to_hundredths
from ..labels_zh import (FUNDING_STAGE_ZH, MILESTONE_FLAG_ZH, MILESTONE_STEP_ZH, NOTICE_PHASE_ZH, RESULT_STATE_ZH,
                         ROUND_STATUS_ZH)
from ..models.accounts import StaffUser
from ..models.estates import Community, Estate, Household, Street
from ..models.proposals import FinalCost, Proposal, ProposalVersion
from ..models.rounds import Round
from ..proposals.operations import funding_figures, resident_total
from ..rounds.objections import result_state
from ..rounds.operations import STAGE_TITLES
from ..rounds.paper_grace import grace_note_zh, overdue
from ..rounds.round_tally import round_rule
from ..rounds.sql_tally import aggregate_counts
from ..tally.rules import percent_str
from ..tally.tally import assemble

OVERDUE_ZH = "逾期未关闭"

COLUMNS = (
    ("community", "社区"), ("estate", "小区"), ("built_year", "建成年份"), ("stage_zh", "当前阶段"),
    ("status_zh", "轮次状态"), ("total_heads", "业主人数"), ("total_area", "总面积 ㎡"),
    ("participating_heads", "参与人数"), ("participating_heads_pct", "参与人数占比"),
    ("participating_area", "参与面积 ㎡"), ("participating_area_pct", "参与面积占比"),
    ("agree_heads", "同意人数"), ("agree_heads_pct", "同意人数占总人数"),
    ("agree_area", "同意面积 ㎡"), ("agree_area_pct", "同意面积占总面积"),
    ("verdict_zh", "结果"), ("result_state_zh", "结果状态"), ("notice_ends_on", "最近公示截止日"), ("notice_zh", "公示状态"),
    ("milestone_zh", "工程节点"), ("milestone_flags_zh", "工程提示"),
    ("funding_stage_zh", "资金口径"), ("estimated_cost", "估算造价（元）"), ("final_cost", "决算造价（元）"),
    ("excluded_cost", "不计入补助基数（元）"), ("subsidy", "财政补助（元）"), ("resident_share", "居民出资（元）"),
)
MONEY_KEYS = ("estimated_cost", "final_cost", "excluded_cost", "subsidy", "resident_share")
# A street's (and the district's) money totals: sums of the estates' figures, 元.
FUNDING_TOTALS = (("estimated_cost", "估算造价合计（元）"), ("final_cost", "决算造价合计（元）"),
                  ("subsidy", "财政补助合计（元）"), ("resident_share", "居民出资合计（元）"))


def visible_streets(user: StaffUser) -> list[Street]:
    """Streets whose dashboard `user` may open: all for the district, its own for a street office."""
    if user.role == "district":
        return list(db.session.scalars(select(Street).order_by(Street.name)))
    if user.role == "street":
        return [user.street]
    return []


def street_or_404(user: StaffUser, street_id: int) -> Street:
    street = db.session.get(Street, street_id)
    allowed = user.role == "district" or (user.role == "street" and user.street_id == street_id)
    if street is None or not allowed:
        abort(404, message="找不到该街道")
    return street


def current_round(rounds: list[Round]) -> Round | None:
    """The round an estate is at: its open round, else its latest begun round, else its latest draft."""
    if not rounds:
        return None
    for status_group in (("open",), ("closed", "published"), ("draft",)):
        candidates = [r for r in rounds if r.status in status_group]
        if candidates:
            return max(candidates, key=lambda r: r.id)
    return None


def _hundredths(area: str) -> int:
    """A tally's area string ("371.85") as integer hundredths."""
    return to_hundredths(Decimal(area))


def progress_figures(tally: dict | None) -> dict:
    """Participation and agreement by heads and area, each with its share of the frozen totals.

    Percentages use the tally module's percent_str (4 places, half-even) on heads and on
    integer hundredths of a m²; None when there is no tally yet.
    """
    if tally is None:
        return {key: None for key, _ in COLUMNS if key.startswith(("total_", "participating_", "agree_"))}
    total_heads, total_area = tally["total"]["heads"], _hundredths(tally["total"]["area"])
    figures = {"total_heads": total_heads, "total_area": tally["total"]["area"]}
    for kind in ("participating", "agree"):
        heads, area = tally[kind]["heads"], tally[kind]["area"]
        figures.update({f"{kind}_heads": heads, f"{kind}_heads_pct": percent_str(heads, total_heads),
                        f"{kind}_area": area, f"{kind}_area_pct": percent_str(_hundredths(area), total_area)})
    return figures


def _tally_of(round_: Round) -> dict | None:
    if round_.status == "draft":
        return None
    if round_.result_json:
        return json.loads(round_.result_json)
    # Open: sum the effective ballots in SQL against the frozen denominators; conflicts
    # (which need the ballots themselves) do not change a verdict and are left out here.
    return assemble(round_rule(round_), round_.ballot_policy, aggregate_counts(round_), [])


def _verdict(round_: Round | None, tally: dict | None) -> tuple[bool | None, str]:
    if round_ is None or tally is None:
        return None, "—"
    if round_.status == "open":
        return tally["passed"], "按目前票数可通过（实时）" if tally["passed"] else "按目前票数未达到（实时）"
    return tally["passed"], "通过" if tally["passed"] else "未通过"


def _notice_zh(ends_on: date | None, starts_on: date | None, today: date) -> str:
    if ends_on is None:
        return "无公示"
    if starts_on is not None and today < starts_on:
        return NOTICE_PHASE_ZH["upcoming"]
    return NOTICE_PHASE_ZH["current" if today <= ends_on else "ended"]


def street_summary(street: Street, today: date, now: datetime | None = None) -> dict:
    """{"street": {...}, "estates": [one row per estate], "totals": {...}}; `today` is a CST date.

    `now` (the instant of `today`): rounds still open past their closing time and paper grace
    period are flagged `overdue` (逾期未关闭: the close-due process has not closed them);
    without it nothing is flagged.
    """
    calendar = load_calendar() if now is not None else None
    estates = list(db.session.scalars(
        select(Estate).join(Estate.community).options(contains_eager(Estate.community))
        .where(Community.street_id == street.id).order_by(Community.name, Estate.name)))
    ids = [e.id for e in estates]
    rounds: dict[int, list[Round]] = {}
    # The decision rounds (三上三下): a later satisfaction survey does not change where the project stands.
    for r in db.session.scalars(select(Round).where(Round.estate_id.in_(ids), Round.kind == "decision")):
        rounds.setdefault(r.estate_id, []).append(r)
    notices: dict[int, tuple[date, date]] = {}  # estate → (ends_on, starts_on) of its latest-ending notice
    for estate_id, ends_on, starts_on in db.session.execute(
            select(Notice.estate_id, Notice.ends_on, Notice.starts_on).where(Notice.estate_id.in_(ids))):
        notices[estate_id] = max(notices.get(estate_id, (ends_on, starts_on)), (ends_on, starts_on))
    records: dict[int, dict] = {}  # estate → step → (planned_on, actual_on) of the record in force
    superseded = select(Milestone.supersedes_id).where(Milestone.supersedes_id.is_not(None))
    for m in db.session.scalars(select(Milestone).where(Milestone.estate_id.in_(ids), Milestone.id.not_in(superseded))
                                .order_by(Milestone.id)):
        records.setdefault(m.estate_id, {})[m.step] = (m.planned_on, m.actual_on)
    funding = estate_funding(estates)
    rows = []
    for estate in estates:
        round_ = current_round(rounds.get(estate.id, []))
        tally = _tally_of(round_) if round_ else None
        passed, verdict = _verdict(round_, tally)
        late = bool(round_ and now is not None and overdue(round_, now, calendar))
        grace = grace_note_zh(round_, now, calendar) if round_ and now is not None else None
        ends_on, starts_on = notices.get(estate.id, (None, None))
        states = step_states(MILESTONE_STEPS, records.get(estate.id, {}), today)
        milestone = last_done(states)
        flags = [f"{MILESTONE_STEP_ZH[st.step]}{MILESTONE_FLAG_ZH[f]}" for st in states for f in st.flags]
        rows.append({
            "estate_id": estate.id, "estate": estate.name, "community": estate.community.name,
            "built_year": estate.built_year, "stage": round_.stage if round_ else None,
            "stage_zh": STAGE_TITLES[round_.stage] if round_ else "未开始征询",
            "round_id": round_.id if round_ else None, "round_title": round_.title if round_ else "",
            "status": round_.status if round_ else None, "status_zh": ROUND_STATUS_ZH[round_.status] if round_ else "—",
            "live": bool(round_ and round_.status == "open"), "passed": passed, "verdict_zh": verdict,
            "overdue": late, "overdue_zh": OVERDUE_ZH if late else "", "paper_grace_zh": grace or "",
            # provisional during the objection period until staff finalise; none before closing
            "result_state": result_state(round_) if round_ else None,
            "result_state_zh": RESULT_STATE_ZH[result_state(round_)] if round_ else "—",
            **progress_figures(tally),
            "notice_ends_on": ends_on.isoformat() if ends_on else None,
            "notice_zh": _notice_zh(ends_on, starts_on, today),
            "milestone_zh": f"{MILESTONE_STEP_ZH[milestone.step]}（{milestone.actual_on.isoformat()}）" if milestone else "",
            "milestone_flags_zh": "；".join(flags),
            **funding[estate.id],
        })
    totals = {"estates": len(rows), "open": sum(r["status"] == "open" for r in rows),
              "passed": sum(r["passed"] is True and not r["live"] for r in rows),
              "not_started": sum(r["round_id"] is None for r in rows),
              "overdue": sum(r["overdue"] for r in rows), **funding_totals(rows)}
    return {"street": {"id": street.id, "name": street.name}, "today": today.isoformat(), "estates": rows,
            "totals": totals}


_NO_FUNDING = {"funding_stage": None, "funding_stage_zh": "—", "estimated_cost": None, "final_cost": None,
               "excluded_cost": None, "subsidy": None, "resident_share": None, "funding_note": ""}


def estate_funding(estates: list[Estate]) -> dict[int, dict]:
    """Each estate's money: the latest version's estimate, the audited final cost if recorded, the subsidy
    on the figure in force (决算 once audited, else 估算; lifts and secondary water supply outside the
    base) and what residents pay together. Three queries whatever the number of estates."""
    ids = [e.id for e in estates]
    versions: dict[int, ProposalVersion] = {}
    for version, estate_id in db.session.execute(
            select(ProposalVersion, Proposal.estate_id).join(Proposal).where(Proposal.estate_id.in_(ids))
            .order_by(ProposalVersion.version)):
        versions[estate_id] = version  # the latest version wins
    superseded = select(FinalCost.supersedes_id).where(FinalCost.supersedes_id.is_not(None))
    finals: dict[int, FinalCost] = {}
    for final in db.session.scalars(select(FinalCost).where(
            FinalCost.proposal_id.in_([v.proposal_id for v in versions.values()]), FinalCost.id.not_in(superseded))
            .order_by(FinalCost.id)):
        finals[final.proposal_id] = final
    areas: dict[int, list[Decimal]] = {}
    for estate_id, area in db.session.execute(select(Household.estate_id, Household.area).where(
            Household.estate_id.in_(ids), Household.removed_at.is_(None))):
        areas.setdefault(estate_id, []).append(area)
    out = {}
    for estate in estates:
        version = versions.get(estate.id)
        if version is None:
            out[estate.id] = dict(_NO_FUNDING)
            continue
        final = finals.get(version.proposal_id)
        row = dict(_NO_FUNDING, estimated_cost=version.estimated_cost,
                   final_cost=final.total_cost if final else None,
                   funding_stage="final" if final else "estimate",
                   funding_stage_zh=FUNDING_STAGE_ZH["final" if final else "estimate"])
        total_area = sum(areas.get(estate.id, []), Decimal("0.00"))
        if total_area <= 0:
            out[estate.id] = dict(row, funding_note="名册为空，无法测算补助")
            continue
        try:
            in_force, _ = funding_figures(estate, version, final, total_area)
        except ValueError as exc:  # outside the plan's subsidy: no government share
            out[estate.id] = dict(row, funding_note=str(exc),
                                  resident_share=resident_total(version, None, areas[estate.id], total_area))
            continue
        out[estate.id] = dict(row, excluded_cost=in_force.excluded_cost, subsidy=in_force.subsidy,
                              resident_share=resident_total(version, in_force, areas[estate.id], total_area))
    return out


def funding_totals(rows: list[dict]) -> dict:
    """Sums of the estates' money (元); estates without a figure add nothing."""
    totals = {key: sum((r[key] for r in rows if r[key] is not None), Decimal("0.00")) for key, _ in FUNDING_TOTALS}
    totals["final_estates"] = sum(r["final_cost"] is not None for r in rows)
    return totals


def district_summary(summaries: list[dict]) -> dict:
    """The district's dashboard: each street's totals and the district's, summed from them."""
    streets = [{"id": s["street"]["id"], "name": s["street"]["name"], **s["totals"]} for s in summaries]
    keys = ("estates", "open", "passed", "not_started", "final_estates", "overdue")
    district = {key: sum(s[key] for s in streets) for key in keys}
    district.update({key: sum((s[key] for s in streets), Decimal("0.00")) for key, _ in FUNDING_TOTALS})
    return {"today": summaries[0]["today"] if summaries else None, "streets": streets, "totals": district}


DISTRICT_COLUMNS = (("name", "街道"), ("estates", "小区数"), ("open", "表决中"), ("passed", "当前阶段已通过"),
                    ("not_started", "未开始征询"), ("final_estates", "已录入决算的小区"), *FUNDING_TOTALS)


def district_table(district: dict) -> list[list]:
    """Header, one row per street and the district's total row, for the XLSX download."""
    rows = [[title for _, title in DISTRICT_COLUMNS]]
    rows += [[street[key] for key, _ in DISTRICT_COLUMNS] for street in district["streets"]]
    rows.append(["全区合计"] + [district["totals"][key] for key, _ in DISTRICT_COLUMNS[1:]])
    return rows


def summary_table(summary: dict) -> list[list]:
    """Header and one row per estate, for the XLSX and CSV downloads."""
    def cell(key, value):
        return Decimal(value) if key.endswith("_area") and value else value

    return [[title for _, title in COLUMNS]] + [[cell(key, row[key]) for key, _ in COLUMNS]
                                                for row in summary["estates"]]


def totals_table(summary: dict) -> list[list]:
    """The street's money totals (a second sheet of the XLSX): one row per figure, 元."""
    totals = summary["totals"]
    return ([["项目", "金额（元）"]] + [[title, totals[key]] for key, title in FUNDING_TOTALS]
            + [["已录入决算的小区", totals["final_estates"]]])
