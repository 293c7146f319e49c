"""Estate operations: they flush, the request commits once."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..accounts.jurisdiction import may_create_in, may_create_places
from ..accounts.places import (NOT_DISTRICT_ZH, PlaceRefused, community_named, create_community, create_street,
                               street_named)
from ..audit.chain import GENESIS
from ..audit.log import chain_name, record
from ..db_types import stored_hundredths
from ..extensions import db
from ..hundredths import from_hundredths
from ..labels_zh import ERA_ZH
from ..models.accounts import StaffUser
from ..models.audit import AuditChain
from ..models.estates import Building, Community, Estate, Household, Voter
from ..refusals import Refused
from ..tally.tally import DEVELOPER, RollUnit, voter_key
from ..unit_labels import natural_key
from .eras import eligibility, era_for


class EstateError(Refused):
    """An estate that cannot be created or changed so."""


def _missing_place(user: StaffUser, kind_zh: str, name: str, field: str) -> EstateError:
    """422: streets and communities are created explicitly (places.py), never from a typed name."""
    how = ("请先在账号管理页（/staff）创建街道和社区，或从列表中选择" if may_create_places(user)
           else "请从列表中选择；新的街道或社区请联系区住建局创建")
    return EstateError(422, f"{kind_zh}“{name}”不存在：{how}", {field: [f"{kind_zh}不存在"]})


def _street_and_community(user: StaffUser, street_name: str, community_name: str, create: bool,
                          now: datetime, client: str) -> tuple[Community, list[str]]:
    """The community named so, and what was created for it: missing places are refused unless
    `create` (the request's `create_places`), which is the district's only (else 403)."""
    street = street_named(street_name)
    community = community_named(street, community_name) if street is not None else None
    if community is not None:
        return community, []
    missing = [("street", "街道", street_name)] if street is None else []
    missing.append(("community", "社区", community_name))
    if not create:
        field, kind_zh, name = missing[0]
        raise _missing_place(user, kind_zh, name, field)
    # Every refusal before the first write: on SQLite a savepoint (places.py) that opens the
    # transaction commits when released, so a refusal after it could not undo the street.
    if not may_create_places(user):
        raise EstateError(403, NOT_DISTRICT_ZH)
    for field, kind_zh, name in missing:
        if any(ch.isspace() for ch in name):  # named as /staff names one (accounts.schemas.PlaceNameSchema)
            raise EstateError(422, f"新建的{kind_zh}名称不含空格：“{name}”", {field: ["名称不含空格"]})
    try:
        if street is None:
            street = create_street(user, street_name, now, client)
        community = create_community(user, street, community_name, now, client)
    except PlaceRefused as exc:  # 409: another request named it first
        raise EstateError(exc.status, exc.message, exc.errors) from None
    return community, [field for field, _, _ in missing]


def create_estate(user: StaffUser, data: dict, now: datetime, client: str) -> Estate:
    """Create an estate inside the user's jurisdiction, in a street and community that exist
    (or, for the district with `create_places`, are created first through places.py)."""
    reason = may_create_in(user, data["street"], data["community"])
    if reason:
        raise EstateError(403, reason)
    if eligibility(data["built_year"], data["affordable_housing"]) is None:
        raise EstateError(422, "2000年以后建成的小区，只有保障性安居工程可以纳入改造",
                          {"built_year": ["不在改造范围内"]})
    community, created = _street_and_community(user, data["street"], data["community"],
                                               data.get("create_places", False), now, client)
    exists = db.session.scalar(
        select(Estate.id).where(Estate.community_id == community.id, Estate.name == data["name"])
    )
    if exists:
        raise EstateError(409, f"本社区已有名为“{data['name']}”的小区", {"name": ["重名"]})
    estate = Estate(
        community=community, name=data["name"], address=data.get("address", ""),
        built_year=data["built_year"], affordable_housing=data["affordable_housing"],
    )
    db.session.add(estate)
    db.session.flush()
    db.session.add(AuditChain(chain=chain_name(estate.id), length=0, head_hash=GENESIS))
    event = {"name": estate.name, "street": data["street"], "community": data["community"],
             "built_year": estate.built_year}
    if created:
        event["created_places"] = created
    record(estate.id, "estate_created", f"estate:{estate.id}", actor=user.username, at=estate.created_at, data=event)
    return estate


@dataclass(frozen=True)
class RollTotals:
    households: int
    voters: int
    total_area: Decimal


def active_households(estate_id: int, building: str | None = None) -> list[Household]:
    """The current roll of an estate, in natural building/unit/room order."""
    query = (
        select(Household)
        .join(Household.building)
        .where(Household.estate_id == estate_id, Household.removed_at.is_(None))
    )
    if building:
        query = query.where(Building.name == building)
    rows = db.session.scalars(query.options(selectinload(Household.voter), contains_eager(Household.building)))
    return sorted(rows, key=lambda h: (natural_key(h.building.name), natural_key(h.unit), natural_key(h.room)))


def roll_totals(estate_id: int) -> RollTotals:
    """Households, voters (headcount per the tally rule) and total exclusive area."""
    return roll_totals_of([estate_id])[estate_id]


def roll_totals_of(estate_ids: list[int]) -> dict[int, RollTotals]:
    """`roll_totals` for many estates in two queries (the estate list of a whole district)."""

    totals = {estate_id: (0, 0) for estate_id in estate_ids}
    voters: dict[int, set] = {estate_id: set() for estate_id in estate_ids}
    for start in range(0, len(estate_ids), 500):  # bounded IN lists
        chunk = estate_ids[start:start + 500]
        live = (Household.estate_id.in_(chunk), Household.removed_at.is_(None))
        for estate_id, count, hundredths in db.session.execute(
                select(Household.estate_id, func.count(Household.id), func.sum(stored_hundredths(Household.area)))
                .where(*live).group_by(Household.estate_id)):
            totals[estate_id] = (count, int(hundredths))
        for estate_id, hid, status, key in db.session.execute(
                select(Household.estate_id, Household.id, Household.status, Voter.owner_key)
                .outerjoin(Voter, Household.voter_id == Voter.id).where(*live)):
            voters[estate_id].add(voter_key(RollUnit(household_id=hid, label="", area=Decimal("0.01"),
                                                     owner_key=key or "", status=status)))
    return {estate_id: RollTotals(households=count, voters=len(voters[estate_id]),
                                  total_area=from_hundredths(hundredths))
            for estate_id, (count, hundredths) in totals.items()}


@dataclass(frozen=True)
class EstateSummary:
    """An estate with its roll totals and where its build year places it in the plan (schemas.EstateSchema)."""

    estate: Estate
    totals: RollTotals

    @property
    def era(self) -> str:
        return era_for(self.estate.built_year)

    @property
    def era_zh(self) -> str:
        return ERA_ZH[self.era]

    @property
    def eligibility(self) -> str | None:
        return eligibility(self.estate.built_year, self.estate.affordable_housing)


def estate_summary(estate: Estate, totals: RollTotals | None = None) -> EstateSummary:
    return EstateSummary(estate, totals or roll_totals(estate.id))


def estate_summaries(query) -> list[EstateSummary]:
    """`estate_summary` of every estate a SELECT of estates (`visible_estates`) finds, in a fixed number of queries."""
    estates = db.session.scalars(query.options(contains_eager(Estate.community).contains_eager(Community.street))).all()
    totals = roll_totals_of([estate.id for estate in estates])
    return [estate_summary(estate, totals[estate.id]) for estate in estates]


@dataclass(frozen=True)
class VoterGroup:
    """The flats of one voter as the tally counts them (SPC interpretation Art. 9), for the roster page."""

    key: str                      # tally.voter_key: "owner:K001", "developer", "unit:12"
    name: str                     # the owner's name; the developer's as the roster gives it
    is_developer: bool
    households: list[Household]   # the flats shown (a building filter may leave some out)
    flats: int                    # all the voter's flats on the roll
    area: Decimal                 # their exclusive area together, m²


def group_by_voter(households: list[Household], shown: list[Household] | None = None) -> list[VoterGroup]:
    """`shown` (default: all of `households`) grouped by voter, groups in the order of their first flat.

    `households` is the whole current roll, so "名下 3 套" counts flats outside a filter too. The
    developer's unsold and sold-but-undelivered flats are one voter, named by the holder names the
    roster gave its flats (a buyer waiting for delivery stays named on the flat, not as the voter).
    """
    def key(h: Household) -> str:
        return voter_key(RollUnit(household_id=h.id, label="", area=h.area, status=h.status,
                                  owner_key=h.voter.owner_key if h.voter else ""))

    every: dict[str, list[Household]] = {}
    for h in households:
        every.setdefault(key(h), []).append(h)
    groups: dict[str, list[Household]] = {}
    for h in (households if shown is None else shown):
        groups.setdefault(key(h), []).append(h)
    result = []
    for k, flats in groups.items():
        mine = every.get(k, flats)
        developer = k == DEVELOPER
        if developer:
            names = list(dict.fromkeys(h.holder_name for h in mine if h.holder_name))
            name = "、".join(names) or "开发商（名册未填名称）"
        else:
            name = flats[0].owner_name or "（名册未填姓名）"
        result.append(VoterGroup(k, name, developer, flats, len(mine), sum((h.area for h in mine), Decimal("0.00"))))
    return result
