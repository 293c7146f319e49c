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

from voting.models.notices import Milestone, Notice

from ..calendar.calendar_store import load_calendar
from ..extensions import db
from ..hundredths import to_hundredths
from ..labels_zh import MILESTONE_STEP_ZH, NOTICE_PHASE_ZH, RESULT_STATE_ZH, ROUND_STATUS_ZH
from ..models.accounts import StaffUser
from ..models.estates import Community, Estate, Street
from ..models.rounds import Round
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
    ("milestone_zh", "工程节点"),
)


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
    for r in db.session.scalars(select(Round).where(Round.estate_id.in_(ids))):
        rounds.setdefault(r.estate_id, []).append(r)
    notices: dict[int, tuple[date, date]] = {}  # estate → (ends_on, starts_on) of its latest-ending notice
    for estate_id, ends_on, starts_on in db.session.execute(
            select(Notice.estate_id, Notice.ends_on, Notice.starts_on).where(Notice.estate_id.in_(ids))):
        notices[estate_id] = max(notices.get(estate_id, (ends_on, starts_on)), (ends_on, starts_on))
    milestones: dict[int, Milestone] = {}
    for m in db.session.scalars(select(Milestone).where(Milestone.estate_id.in_(ids))
                                .order_by(Milestone.on_date, Milestone.id)):
        milestones[m.estate_id] = m  # the last one wins: the furthest step reached
    rows = []
    for estate in estates:
        round_ = current_round(rounds.get(estate.id, []))
        tally = _tally_of(round_) if round_ else None
        passed, verdict = _verdict(round_, tally)
        late = bool(round_ and now is not None and overdue(round_, now, calendar))
        grace = grace_note_zh(round_, now, calendar) if round_ and now is not None else None
        ends_on, starts_on = notices.get(estate.id, (None, None))
        milestone = milestones.get(estate.id)
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
            "milestone_zh": f"{MILESTONE_STEP_ZH[milestone.step]}（{milestone.on_date.isoformat()}）" if milestone else "",
        })
    totals = {"estates": len(rows), "open": sum(r["status"] == "open" for r in rows),
              "passed": sum(r["passed"] is True and not r["live"] for r in rows),
              "not_started": sum(r["round_id"] is None for r in rows),
              "overdue": sum(r["overdue"] for r in rows)}
    return {"street": {"id": street.id, "name": street.name}, "today": today.isoformat(), "estates": rows,
            "totals": totals}


def summary_table(summary: dict) -> list[list]:
    """Header and one row per estate, for the XLSX and CSV downloads."""
    def cell(key, value):
        return Decimal(value) if key.endswith("_area") and value else value

    return [[title for _, title in COLUMNS]] + [[cell(key, row[key]) for key, _ in COLUMNS]
                                                for row in summary["estates"]]
