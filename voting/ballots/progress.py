"""Live progress of an open round for the workers who close the gap (operation, read-only).

Figures come from the service's tally path (`live_tally`, `live_gap`): this module
adds no rule of its own. It maps the tally's voter pseudonyms ("owner:V0003") back
to the frozen roll, so workers see rooms, owner names and phones — in full, since it
is their own roll and they must call people; nothing here is exported or published.
"""
from decimal import Decimal

from ..hundredths import two_places_str
from ..labels_zh import check_title_zh
from ..models.rounds import RollEntry, Round
from ..rounds.frozen_roll import roll_entries, roll_units
from ..rounds.round_tally import live_gap, live_tally, round_rule
from ..tally.tally import DEVELOPER, voter_key

DEVELOPER_ZH = "开发商（未售或未交付房屋）"
FIGURES = ("total", "participating", "agree", "disagree", "abstain", "not_voted")


def _voters(entries: list[RollEntry]) -> dict[str, list[RollEntry]]:
    """The tally's voter key (pseudonymised, as in `live_gap`) → that voter's units in roll order."""
    voters: dict[str, list[RollEntry]] = {}
    for entry, unit in zip(entries, roll_units(entries)):
        voters.setdefault(voter_key(unit), []).append(entry)
    return voters


def _unit(e: RollEntry) -> dict:
    return {"household_id": e.household_id, "label": e.label, "building": e.building, "unit": e.unit,
            "room": e.room, "area": two_places_str(e.area)}


def _contact(key: str, units: list[RollEntry]) -> dict:
    first = units[0]
    name = DEVELOPER_ZH if key == DEVELOPER else first.owner_name
    return {"owner_name": name, "phones": [p for p in first.phones.split(";") if p]}


def _area_needed(checks: list[dict]) -> str:
    """The largest extra agreeing area any check asks for ("0.00" when no area check is short)."""
    return two_places_str(max((Decimal(c["area_needed"]) for c in checks), default=0))


def round_progress(round_: Round, building: str | None = None, canvass_limit: int | None = 50) -> dict:
    """Participation, agreement and the gap per check, the call list and the door-to-door list.

    Estate-wide figures always (the checks are estate-wide); `building` narrows the
    call list (`canvass`: not-voted voters with a unit there, largest area first, at
    most `canvass_limit`, None for all) and the per-building lists (`buildings`).
    A voter counts as voted in every building where they own a unit once any one
    of their ballots stands, as the tally counts them.
    """
    entries = roll_entries(round_.id)
    voters = _voters(entries)
    tally = live_tally(round_)
    gap = live_gap(round_, canvass_limit=None)
    not_voted = {v["voter"] for v in gap["canvass"]}
    # The tally lists the rule's checks in the rule's order: the titles follow from the rule.
    checks = [{**c, "label_zh": check_title_zh(r.measure, r.numerator, r.denominator),
               "heads_needed": g["heads_needed"], "area_needed": g["area_needed"], "reachable": g["reachable"]}
              for c, g, r in zip(tally["checks"], gap["checks"], round_rule(round_).checks)]
    canvass = []
    for v in gap["canvass"]:
        units = voters[v["voter"]]
        if building and not any(u.building == building for u in units):
            continue
        canvass.append({"voter": v["voter"], "area": v["area"], **_contact(v["voter"], units),
                        "units": [_unit(u) for u in units]})
    return {
        "round_id": round_.id, "status": round_.status, "rule": tally["rule"], "policy": tally["policy"],
        "building": building, **{name: tally[name] for name in FIGURES},
        "passed": tally["passed"], "reachable": gap["reachable"], "heads_needed": gap["heads_needed"],
        "area_needed": _area_needed(checks), "checks": checks,
        "canvass_total": len(canvass),
        "canvass": canvass if canvass_limit is None else canvass[:canvass_limit],
        "buildings": _buildings(entries, voters, not_voted, building),
    }


def _buildings(entries: list[RollEntry], voters: dict[str, list[RollEntry]], not_voted: set[str],
               only: str | None) -> list[dict]:
    """Per building in roll order: units voted / not voted, and the not-voted rooms with contacts."""
    key_of = {e.household_id: key for key, units in voters.items() for e in units}
    buildings: dict[str, dict] = {}
    for e in entries:
        if only and e.building != only:
            continue
        row = buildings.setdefault(e.building, {"building": e.building, "households": 0, "voted_households": 0,
                                                "not_voted_households": 0, "not_voted_area": Decimal("0.00"),
                                                "not_voted_units": []})
        row["households"] += 1
        key = key_of[e.household_id]
        if key in not_voted:
            row["not_voted_households"] += 1
            row["not_voted_area"] += e.area
            row["not_voted_units"].append({**_unit(e), "voter": key, **_contact(key, voters[key])})
        else:
            row["voted_households"] += 1
    for row in buildings.values():
        row["not_voted_area"] = two_places_str(row["not_voted_area"])
    return list(buildings.values())


def progress_summary(round_: Round) -> dict | None:
    """The few big numbers for the round page; None unless the round is open."""
    if round_.status != "open":
        return None
    tally = live_tally(round_)
    gap = live_gap(round_, canvass_limit=0)
    return {"passed": tally["passed"], "reachable": gap["reachable"], "heads_needed": gap["heads_needed"],
            "area_needed": _area_needed(gap["checks"]), "participating": tally["participating"],
            "agree": tally["agree"], "total": tally["total"]}
