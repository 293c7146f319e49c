"""One flat, however a roster spells it: the key the roster import compares rows by.

Pure: strings in, strings out. Community workers type the same flat many ways:
"1" and "1幢" (or 栋, 号楼, 号), unit "1", "01" and "1单元", room "101" and "101室"
(or 号), in full-width digits "１０１" from a Chinese input method. Compared as typed,
such rows imported as separate households and their area was counted twice. Here
each part is reduced to what identifies it:

- NFKC (full-width digits and letters become ASCII), case folded, spaces removed;
- the suffix word of the part is dropped: building 幢/栋/号楼/号, unit 单元, room 室/号
  (only at the end, and only when something is left: "号" alone stays "号");
- leading zeros of every run of digits are dropped ("01" → "1", "0101" → "101",
  "A01" → "a1"); a run of zeros alone stays "0".

What was typed is what is stored and printed; the key only decides "same flat".
"""
import re
import unicodedata

_SUFFIXES = {
    "building": ("号楼", "幢", "栋", "号"),  # longest first: "3号楼" is building 3, not "3号" + "楼"
    "unit": ("单元",),
    "room": ("室", "号"),
}
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_SPACE = re.compile(r"\s+")


def part_key(kind: str, text: str) -> str:
    """The comparable form of one part of a flat's address; `kind` is "building", "unit" or "room".

    "" stays "" (a building without stairwell units). One suffix word at most is dropped.
    """
    plain = _SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    for suffix in _SUFFIXES[kind]:
        if plain.endswith(suffix) and len(plain) > len(suffix):
            plain = plain[:-len(suffix)]
            break
    return _LEADING_ZEROS.sub("", plain)


def flat_key(building: str, unit: str, room: str) -> tuple[str, str, str]:
    """(building, unit, room) keys of a flat: equal for two spellings of the same flat."""
    return part_key("building", building), part_key("unit", unit), part_key("room", room)
