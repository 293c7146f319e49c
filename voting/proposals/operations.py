"""Proposal operations (一小区一方案, immutable versions, funding estimate); they flush only."""
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..estates.operations import active_households, roll_totals
from ..extensions import db
from ..models.estates import Estate, Household
from ..models.proposals import Proposal, ProposalVersion
from ..models.rounds import Round
from ..refusals import Refused
from .catalogue import validate_item_codes
from .funding import ROUNDING_ZH, FundingEstimate, HouseholdCost, estimate_funding, household_cost, per_household


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


def _new_version(proposal: Proposal, data: dict, actor_id: int | None, now: datetime, number: int) -> ProposalVersion:
    version = ProposalVersion(
        proposal=proposal, version=number, title=data["title"], summary=data["summary"],
        items=json.dumps(list(data["items"])), estimated_cost=data["estimated_cost"],
        **resident_terms(data),
        caused_by_round_id=data.get("caused_by_round_id"), created_at=now, created_by_id=actor_id,
    )
    db.session.add(version)
    return version


def create_proposal(estate: Estate, data: dict, actor_id: int | None, now: datetime) -> ProposalVersion:
    """The estate's proposal with version 1; 409 if the estate already has one."""
    _check_items(data["items"])
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
class Funding:
    """The funding estimate of a version and every unit's share of it (schemas.FundingSchema)."""

    estimate: FundingEstimate
    households: list[HouseholdShare]
    resident_mode: str | None
    resident_amount: Decimal | None
    resident_total: Decimal | None
    rounding_zh: str = ROUNDING_ZH


def proposal_funding(estate: Estate, version: ProposalVersion) -> Funding:
    """The plan's funding rule applied to the latest cost estimate, with per-household shares."""
    totals = roll_totals(estate.id)
    if totals.total_area <= 0:
        raise ProposalError(409, "名册为空，无法按面积估算；请先导入名册")
    try:
        estimate = estimate_funding(version.estimated_cost, totals.total_area, estate.built_year,
                                    estate.affordable_housing)
    except ValueError as exc:
        raise ProposalError(422, str(exc))
    households = active_households(estate.id)
    shares = per_household(estimate, {h.id: h.area for h in households})
    resident = {h.id: household_cost(estimate, h.area, totals.total_area, version.resident_mode,
                                     version.resident_amount).resident for h in households}
    total = None if version.resident_mode is None else sum(resident.values(), Decimal("0.00"))
    return Funding(estimate, [HouseholdShare(household=h, **shares[h.id], resident_share=resident[h.id])
                              for h in households], version.resident_mode, version.resident_amount, total)


def household_cost_in_round(estate: Estate, version: ProposalVersion | None, area: Decimal,
                            total_area: Decimal) -> HouseholdCost | None:
    """What a voter of `area` m² in a round (frozen total `total_area`) pays; None without a plan or roll."""
    if version is None or not total_area:
        return None
    try:
        estimate = estimate_funding(version.estimated_cost, total_area, estate.built_year, estate.affordable_housing)
    except ValueError:  # outside the plan's subsidy: no government share to show
        estimate = None
    return household_cost(estimate, area, total_area, version.resident_mode, version.resident_amount)
