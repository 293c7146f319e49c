"""Proposal operations (一小区一方案, immutable versions, funding estimate); they flush only."""
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..audit.log import record as audit
from ..china_time import cst_today
from ..estates.operations import active_households, roll_totals
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Estate, Household
from ..models.notices import Milestone
from ..models.proposals import FinalCost, Proposal, ProposalVersion
from ..models.rounds import Round
from ..refusals import Refused
from .catalogue import COST_ONLY_LINES, cost_line_name_zh, excluded_from_subsidy, is_cost_code, validate_item_codes
from .funding import (ROUNDING_ZH, FundingEstimate, HouseholdCost, cost_lines, estimate_funding, household_cost,
                      per_household)


class ProposalError(Refused):
    """A proposal or version that is not accepted."""


def _check_items(codes: list[str]) -> None:
    problems = validate_item_codes(codes)
    if problems:
        raise ProposalError(422, "改造项目有误：" + "；".join(problems), {"items": problems})


def resident_terms(data: dict) -> dict:
    """resident_mode and resident_amount as stored: an amount for per_m2 and total, none otherwise."""
    mode, amount = data.get("resident_mode"), data.get("resident_amount")
    if mode in ("per_m2", "total") and amount is None:
        raise ProposalError(422, "请填写居民出资金额（按每平方米或按总额）", {"resident_amount": ["请填写金额"]})
    if mode in (None, "none"):
        amount = None
    return {"resident_mode": mode, "resident_amount": amount}


def _costs_json(lines: list[dict] | None, items: list[str] | None, field: str) -> tuple[str | None, Decimal | None]:
    """Per-item costs as stored (JSON {code: "元"}, input order) and their sum; (None, None) without them.

    Codes: menu items of the version (`items`; None: any menu item) or cost-only lines (二次供水).
    """
    if not lines:
        return None, None
    problems, costs = [], {}
    for number, line in enumerate(lines, start=1):
        code = line["code"]
        if not is_cost_code(code):
            problems.append(f"第 {number} 项：未知的改造项目编号 {code}")
        elif code in costs:
            problems.append(f"第 {number} 项：改造项目编号重复 {code}")
        elif items is not None and code not in COST_ONLY_LINES and code not in items:
            problems.append(f"第 {number} 项：{code}（{cost_line_name_zh(code)}）不在本方案的改造项目中")
        else:
            costs[code] = line["cost"]
    if problems:
        raise ProposalError(422, "分项费用有误：" + "；".join(problems), {field: problems})
    total, _ = cost_lines(costs)
    return json.dumps({code: f"{cost:.2f}" for code, cost in costs.items()}), total


def _version_costs(data: dict) -> tuple[str | None, Decimal]:
    """(item_costs JSON, estimated_cost): the per-item costs' sum, or the single total of older clients."""
    stored, total = _costs_json(data.get("item_costs"), list(data["items"]), "item_costs")
    given = data.get("estimated_cost")
    if total is None:
        if given is None:
            raise ProposalError(422, "请填写估算造价，或逐项填写各项目的估算费用",
                                {"estimated_cost": ["请填写估算造价"]})
        return None, given
    if given is not None and given != total:
        raise ProposalError(422, f"估算造价 {given:.2f} 元与各项目费用合计 {total} 元不一致",
                            {"estimated_cost": [f"应为 {total}"]})
    return stored, total


def _new_version(proposal: Proposal, data: dict, actor_id: int | None, now: datetime, number: int) -> ProposalVersion:
    item_costs, estimated_cost = _version_costs(data)
    version = ProposalVersion(
        proposal=proposal, version=number, title=data["title"], summary=data["summary"],
        items=json.dumps(list(data["items"])), estimated_cost=estimated_cost, item_costs=item_costs,
        **resident_terms(data),
        caused_by_round_id=data.get("caused_by_round_id"), created_at=now, created_by_id=actor_id,
    )
    db.session.add(version)
    return version


def create_proposal(estate: Estate, data: dict, actor_id: int | None, now: datetime) -> ProposalVersion:
    """The estate's proposal with version 1; 409 if the estate already has one."""
    _check_items(data["items"])
    _version_costs(data)  # refused before the estate's proposal is looked up
    existing = db.session.scalar(select(Proposal.id).where(Proposal.estate_id == estate.id))
    if existing:
        raise ProposalError(409, f"本小区已有改造方案（编号 {existing}），请提交修订版本", {"proposal_id": existing})
    proposal = Proposal(estate_id=estate.id, created_at=now, created_by_id=actor_id)
    db.session.add(proposal)
    version = _new_version(proposal, data, actor_id, now, 1)
    try:
        db.session.flush()
    except IntegrityError:  # another request created it between our check and insert; the view rolls back
        raise ProposalError(409, "本小区已有改造方案，请提交修订版本") from None
    return version


def revise_proposal(proposal: Proposal, data: dict, actor_id: int | None, now: datetime) -> ProposalVersion:
    """A new immutable version; `caused_by_round_id` must be a round of this proposal."""

    _check_items(data["items"])
    round_id = data.get("caused_by_round_id")
    if round_id is not None:
        owner = db.session.scalar(select(Round.proposal_id).where(Round.id == round_id))
        if owner != proposal.id:
            raise ProposalError(422, "修订所依据的征询轮次不属于本方案", {"caused_by_round_id": ["不属于本方案"]})
    # Lock the proposal so two revisions get consecutive numbers rather than a collision.
    db.session.execute(select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    number = db.session.scalar(select(func.max(ProposalVersion.version)).where(
        ProposalVersion.proposal_id == proposal.id)) + 1
    version = _new_version(proposal, data, actor_id, now, number)
    db.session.flush()
    return version


@dataclass(frozen=True)
class HouseholdShare:
    """A unit's indicative share of the funding, by its exclusive area (元, m²)."""

    household: Household
    area: Decimal
    city_share: Decimal
    responsible_party_share: Decimal
    remaining: Decimal
    resident_share: Decimal | None


@dataclass(frozen=True)
class CostLine:
    """One priced item: its estimate and, once audited, its final cost (元); excluded: outside the subsidy base."""

    code: str
    name_zh: str
    excluded: bool
    estimated: Decimal | None
    final: Decimal | None


@dataclass(frozen=True)
class Funding:
    """The funding of a proposal and every unit's share of it (schemas.FundingSchema).

    `estimate` is the figure in force: the audited final cost (决算) once recorded, else the
    latest version's estimate (估算). `estimated` is always the version's estimate.
    """

    estimate: FundingEstimate
    households: list[HouseholdShare]
    resident_mode: str | None
    resident_amount: Decimal | None
    resident_total: Decimal | None
    estimated: FundingEstimate | None = None
    final_cost: FinalCost | None = None
    lines: list[CostLine] = field(default_factory=list)
    rounding_zh: str = ROUNDING_ZH

    @property
    def stage(self) -> str:
        return "final" if self.estimate.final else "estimate"


def excluded_of(costs: dict[str, Decimal] | None) -> Decimal:
    """The part of per-item costs outside the subsidy base (0 without per-item costs)."""
    return cost_lines(costs)[1] if costs else Decimal("0.00")


def final_cost_of(proposal_id: int) -> FinalCost | None:
    """The audited final cost in force: the newest record nobody superseded; None before the audit."""
    superseded = select(FinalCost.supersedes_id).where(FinalCost.supersedes_id.is_not(None))
    return db.session.scalar(select(FinalCost).where(FinalCost.proposal_id == proposal_id,
                                                     FinalCost.id.not_in(superseded)).order_by(FinalCost.id.desc()))


def funding_figures(estate: Estate, version: ProposalVersion, final: FinalCost | None,
                    total_area: Decimal) -> tuple[FundingEstimate, FundingEstimate]:
    """(in force, estimated): the plan's rule on the estimate and, if audited, on the final cost."""
    estimated = estimate_funding(version.estimated_cost, total_area, estate.built_year, estate.affordable_housing,
                                 excluded_cost=excluded_of(version.item_cost_map))
    if final is None:
        return estimated, estimated
    in_force = estimate_funding(final.total_cost, total_area, estate.built_year, estate.affordable_housing,
                                excluded_cost=excluded_of(final.item_cost_map), final=True)
    return in_force, estimated


def _lines(version: ProposalVersion, final: FinalCost | None) -> list[CostLine]:
    estimated = version.item_cost_map or {}
    audited = (final.item_cost_map or {}) if final else {}
    codes = list(estimated) + [code for code in audited if code not in estimated]
    return [CostLine(code, cost_line_name_zh(code), excluded_from_subsidy(code), estimated.get(code),
                     audited.get(code)) for code in codes]


def resident_total(version: ProposalVersion, estimate: FundingEstimate | None, areas: list[Decimal],
                   total_area: Decimal) -> Decimal | None:
    """What the units pay together under the version's resident terms; None while undecided."""
    if version.resident_mode is None:
        return None
    return sum((household_cost(estimate, area, total_area, version.resident_mode, version.resident_amount).resident
                for area in areas), Decimal("0.00"))


def proposal_funding(estate: Estate, version: ProposalVersion) -> Funding:
    """The plan's funding rule applied to the figure in force (决算 once audited, else 估算), with per-household shares."""
    totals = roll_totals(estate.id)
    if totals.total_area <= 0:
        raise ProposalError(409, "名册为空，无法按面积估算；请先导入名册")
    final = final_cost_of(version.proposal_id)
    try:
        estimate, estimated = funding_figures(estate, version, final, totals.total_area)
    except ValueError as exc:
        raise ProposalError(422, str(exc))
    households = active_households(estate.id)
    shares = per_household(estimate, {h.id: h.area for h in households})
    resident = {h.id: household_cost(estimate, h.area, totals.total_area, version.resident_mode,
                                     version.resident_amount).resident for h in households}
    total = None if version.resident_mode is None else sum(resident.values(), Decimal("0.00"))
    return Funding(estimate, [HouseholdShare(household=h, **shares[h.id], resident_share=resident[h.id])
                              for h in households], version.resident_mode, version.resident_amount, total,
                   estimated=estimated, final_cost=final, lines=_lines(version, final))


def record_final_cost(proposal: Proposal, data: dict, actor_id: int | None, now: datetime) -> FinalCost:
    """The audited final cost (竣工财务决算), entered after the joint acceptance; a correction supersedes.

    Per item when the version in force was priced per item (so the exclusions apply to the audited
    figures too), else per item or as one total. The audit date may not be in the future (CST).
    """
    version = proposal.latest
    stored, total = _costs_json(data.get("item_costs"), None, "item_costs")
    if version.item_costs is not None and stored is None:
        raise ProposalError(422, "本方案按分项估算，决算也请逐项填写（加装电梯、二次供水不计入补助基数）",
                            {"item_costs": ["请逐项填写决算费用"]})
    if total is None:
        total = data.get("total_cost")
        if total is None:
            raise ProposalError(422, "请填写决算总额或各项目决算费用", {"total_cost": ["请填写决算总额"]})
    elif data.get("total_cost") is not None and data["total_cost"] != total:
        raise ProposalError(422, f"决算总额 {data['total_cost']:.2f} 元与各项目决算费用合计 {total} 元不一致",
                            {"total_cost": [f"应为 {total}"]})
    today = cst_today(now)
    if data["audited_on"] > today:
        raise ProposalError(422, f"决算审定日期 {data['audited_on'].isoformat()} 晚于今天（{today.isoformat()}），"
                                 "不能录入将来的日期", {"audited_on": ["不能晚于今天"]})
    accepted = db.session.scalar(select(Milestone.id).where(
        Milestone.estate_id == proposal.estate_id, Milestone.step == "acceptance",
        Milestone.actual_on.is_not(None)).limit(1))
    if accepted is None:
        raise ProposalError(409, "联合竣工验收尚未记录实际日期：决算在验收通过后录入，请先在工程进度中记录验收日期")
    db.session.execute(select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    previous = final_cost_of(proposal.id)
    row = FinalCost(proposal_id=proposal.id, proposal_version_id=version.id, total_cost=total, item_costs=stored,
                    audited_on=data["audited_on"], note=data.get("note") or "",
                    supersedes_id=previous.id if previous else None, created_at=now, created_by_id=actor_id)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent correction of the same record; the view rolls back
        raise ProposalError(409, "决算刚被他人更正，请刷新后再试") from None
    actor = db.session.get(StaffUser, actor_id).username if actor_id else "system"
    audit(proposal.estate_id, "final_cost_recorded", f"proposal:{proposal.id}", actor=actor, at=now,
          data={"final_cost": row.id, "total_cost": f"{total:.2f}", "item_costs": json.loads(stored) if stored else None,
                "audited_on": row.audited_on.isoformat(), "supersedes": row.supersedes_id})
    return row


def household_cost_in_round(estate: Estate, version: ProposalVersion | None, area: Decimal,
                            total_area: Decimal) -> HouseholdCost | None:
    """What a voter of `area` m² in a round (frozen total `total_area`) pays; None without a plan or roll."""
    if version is None or not total_area:
        return None
    try:
        estimate = estimate_funding(version.estimated_cost, total_area, estate.built_year, estate.affordable_housing,
                                    excluded_cost=excluded_of(version.item_cost_map))
    except ValueError:  # outside the plan's subsidy: no government share to show
        estimate = None
    return household_cost(estimate, area, total_area, version.resident_mode, version.resident_amount)
