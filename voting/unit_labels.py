"""How a unit is named to people: building-unit-room, skipping an empty stairwell unit."""


def unit_label(building: str, unit: str, room: str) -> str:
    """'3-1-502', or '3-502' when the building has no stairwell units."""
    return "-".join(part for part in (building, unit, room) if part)
