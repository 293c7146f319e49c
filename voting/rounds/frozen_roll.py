"""The roll as frozen for a round: snapshot on opening, pseudonyms, and the tally's inputs."""
import hashlib
from decimal import Decimal

from sqlalchemy import insert, select

from ..estates.operations import active_households
from ..extensions import db
from ..models.rounds import RollEntry, Round, RoundVoter
from ..privacy import mask_name, pseudonyms
from ..roster.roster_export import write_roster_csv
from ..tally.tally import RollUnit, voter_key
from ..unit_labels import natural_key


def freeze_roll(round_: Round) -> None:
    """Copy the estate's current roll into the round (RollEntry, RoundVoter) and set its totals.

    voter_key is computed from the round's pseudonyms ("owner:V0001"), exactly as
    roll_units() presents the roll to the tally, so the SQL aggregation, the tally
    module and a recount of the exported files all group voters identically.
    """
    households = active_households(round_.estate_id)  # natural order: pseudonyms follow it
    names = pseudonyms(h.voter.owner_key for h in households if h.voter)
    entries = []
    for h in households:
        voter = h.voter
        owner_key = voter.owner_key if voter else ""
        unit = RollUnit(household_id=h.id, label=h.label, area=h.area, owner_key=names.get(owner_key, ""),
                        status=h.status)
        entries.append({
            "round_id": round_.id, "household_id": h.id, "building": h.building.name, "unit": h.unit,
            "room": h.room, "area": h.area, "area_source": h.area_source, "status": h.status,
            "owner_key": owner_key, "owner_name": voter.name if voter else "",
            "phones": voter.phones if voter else "", "voter_key": voter_key(unit),
        })
    if entries:
        db.session.execute(insert(RollEntry), entries)
        voters: dict[str, dict] = {}
        for e in entries:
            voter = voters.setdefault(e["voter_key"], {"round_id": round_.id, "voter_key": e["voter_key"],
                                                       "ballots": 0, "area": Decimal("0.00"), "units": 0})
            voter["area"] += e["area"]
            voter["units"] += 1
        db.session.execute(insert(RoundVoter), [voters[k] for k in sorted(voters)])
    round_.total_heads = len({e["voter_key"] for e in entries})
    round_.total_area = sum((e["area"] for e in entries), Decimal("0.00"))
    db.session.flush()
    round_.roll_sha256 = hashlib.sha256(frozen_roster_csv(roll_entries(round_.id))).hexdigest()


def roll_entries(round_id: int) -> list[RollEntry]:
    """The frozen roll of a round in natural building/unit/room order."""
    rows = db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id)).all()
    return sorted(rows, key=lambda e: (natural_key(e.building), natural_key(e.unit), natural_key(e.room)))


def round_pseudonyms(entries: list[RollEntry]) -> dict[str, str]:
    """owner_key → V0001… in roll order: what every export and the tally show instead of the key."""
    return pseudonyms(e.owner_key for e in entries)


def roll_units(entries: list[RollEntry]) -> list[RollUnit]:
    """The tally's view of the frozen roll, with owner keys replaced by the round's pseudonyms.

    Grouping is unchanged (one key ↔ one pseudonym), so the result equals a recount
    of the exported files, which carry only pseudonyms.
    """
    names = round_pseudonyms(entries)
    return [
        RollUnit(household_id=e.household_id, label=e.label, area=e.area,
                 owner_key=names.get(e.owner_key, ""), status=e.status)
        for e in entries
    ]


class _ExportRow:
    def __init__(self, entry: RollEntry, names: dict[str, str]):
        self.building, self.unit, self.room = entry.building, entry.unit, entry.room
        self.area, self.area_source, self.status = entry.area, entry.area_source, entry.status
        self.owner_key = names.get(entry.owner_key, "")
        self.owner_name = mask_name(entry.owner_name)
        self.phones = ()  # a recount needs no phone: leave it out rather than mask it
        self.co_owners = ()


def frozen_roster_csv(entries: list[RollEntry]) -> bytes:
    """The frozen roll in the roster format: names masked, no phones, owner keys pseudonymised.

    Always the machine form (headers="en"): its SHA-256 is the round's roll_sha256, fixed when the
    round opened and checked by every evidence bundle since, so its bytes must never change.
    """
    names = round_pseudonyms(entries)
    return write_roster_csv([_ExportRow(e, names) for e in entries], headers="en")


NOT_ON_ROLL_ZH = "该房屋不在本轮表决名册中"


def check_on_roll(round_id: int, household_id: int | None, refusal: type) -> None:
    """Raise `refusal(422, …)` if a named household is not on the round's frozen roll (None: nobody named)."""
    if household_id is not None and db.session.scalar(select(RollEntry.id).where(
            RollEntry.round_id == round_id, RollEntry.household_id == household_id)) is None:
        raise refusal(422, NOT_ON_ROLL_ZH, {"household_id": [NOT_ON_ROLL_ZH]})
