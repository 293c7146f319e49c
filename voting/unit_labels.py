"""How a unit is named to people (building-unit-room, skipping an empty stairwell unit) and ordered."""
import re

_DIGITS = re.compile(r"([0-9]+)")


def unit_label(building: str, unit: str, room: str) -> str:
    """'3-1-502', or '3-502' when the building has no stairwell units."""
    return "-".join(part for part in (building, unit, room) if part)


def natural_key(text: str) -> tuple:
    """Sort key that orders digit runs by value: "2" < "10", "2-1" < "2-10" < "10-1".

    Letters compare case-insensitively; the raw text breaks ties so the order is total.
    """
    parts = tuple((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk.casefold())
                  for chunk in _DIGITS.split(text) if chunk)
    return parts, text
