"""Apply a parsed roster to an estate's roll: all or nothing, every import kept.

The current roll is brought in line with the file (added, removed, changed units);
removed units keep their row with `removed_at` so ballots and frozen snapshots
that refer to them stay intact, and the file itself is stored with its diff.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.log import record as audit
from ..extensions import db
from ..hundredths import two_places_str
from ..models.accounts import StaffUser
from ..models.estates import Building, Estate, Household, RosterImport, Voter
from ..roster.roster_import import RosterRow
from ..unit_labels import unit_label
from .operations import roll_totals

_FIELDS = ("area", "area_source", "status", "owner_key", "owner_name", "phones", "co_owners")


@dataclass(frozen=True)
class RosterSyncResult:
    households: int
    voters: int
    total_area: Decimal
    added: list[str]
    removed: list[str]
    changed: list[str]
    import_id: int

    def summary(self) -> dict:
        return {
            "households": self.households, "voters": self.voters,
            "total_area": self.total_area, "added": len(self.added),
            "removed": len(self.removed), "changed": len(self.changed), "import_id": self.import_id,
        }


def _current_values(household: Household) -> dict:
    voter = household.voter
    return {
        "area": household.area, "area_source": household.area_source, "status": household.status,
        "owner_key": voter.owner_key if voter else "", "owner_name": household.owner_name,
        "phones": voter.phone_list if voter else (), "co_owners": household.co_owner_list,
    }


def _row_values(row: RosterRow) -> dict:
    return {name: getattr(row, name) for name in _FIELDS}


def apply_roster(estate: Estate, rows: list[RosterRow], *, actor_id: int | None, filename: str,
                 content: bytes, now: datetime) -> RosterSyncResult:
    """Bring the estate's roll in line with `rows` (already validated); flushes, does not commit."""
    # Serialise imports of one estate: the second waits for the first to commit.
    db.session.execute(select(Estate.id).where(Estate.id == estate.id).with_for_update())

    buildings = {b.name: b for b in db.session.scalars(select(Building).where(Building.estate_id == estate.id))}
    voters = {v.owner_key: v for v in db.session.scalars(select(Voter).where(Voter.estate_id == estate.id))}
    existing = {
        (h.building.name, h.unit, h.room): h
        for h in db.session.scalars(
            select(Household).where(Household.estate_id == estate.id)
            .options(joinedload(Household.building), joinedload(Household.voter))
        )
    }

    # What each flat was before any owner below is renamed: a changed name or phone changes every flat of its owner.
    was = {key: _current_values(h) for key, h in existing.items() if h.removed_at is None}
    for row in rows:
        if row.owner_key:
            voter = voters.get(row.owner_key)
            phones = ";".join(row.phones)
            if voter is None:
                voter = Voter(estate_id=estate.id, owner_key=row.owner_key, name=row.owner_name, phones=phones)
                db.session.add(voter)
                voters[row.owner_key] = voter
            else:
                voter.name, voter.phones = row.owner_name, phones
        if row.building not in buildings:
            buildings[row.building] = Building(estate_id=estate.id, name=row.building)
            db.session.add(buildings[row.building])
    db.session.flush()

    added, changed, seen = [], [], set()
    for row in rows:
        key = (row.building, row.unit, row.room)
        seen.add(key)
        household = existing.get(key)
        values = _row_values(row)
        if household is None:
            household = Household(estate_id=estate.id, building=buildings[row.building], unit=row.unit, room=row.room)
            db.session.add(household)
            added.append(unit_label(*key))
        elif household.removed_at is not None:
            added.append(unit_label(*key))
        elif was[key] != values:
            changed.append(unit_label(*key))
        household.removed_at = None
        household.area, household.area_source, household.status = row.area, row.area_source, row.status
        household.voter = voters[row.owner_key] if row.owner_key else None
        household.holder_name = "" if row.owner_key else row.owner_name  # the developer's name, kept
        household.co_owners = ";".join(row.co_owners)

    removed = []
    for key, household in existing.items():
        if key not in seen and household.removed_at is None:
            household.removed_at = now
            removed.append(unit_label(*key))
    db.session.flush()

    totals = roll_totals(estate.id)
    record = RosterImport(
        estate_id=estate.id, actor_id=actor_id, created_at=now, filename=filename[:255],
        sha256=hashlib.sha256(content).hexdigest(), content=content,
        households=totals.households, voters=totals.voters, total_area=totals.total_area,
        added=len(added), removed=len(removed), changed=len(changed),
        diff_json=json.dumps({"added": added, "removed": removed, "changed": changed}, ensure_ascii=False),
    )
    db.session.add(record)
    db.session.flush()
    actor = db.session.get(StaffUser, actor_id).username if actor_id else "system"
    audit(estate.id, "roster_imported", f"roster_import:{record.id}", actor=actor, at=now, data={
        "file_sha256": record.sha256, "households": totals.households, "voters": totals.voters,
        "total_area": two_places_str(totals.total_area), "added": len(added), "removed": len(removed),
        "changed": len(changed)})
    return RosterSyncResult(totals.households, totals.voters, totals.total_area, added, removed, changed, record.id)
