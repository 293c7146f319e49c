"""BALLOTS.csv: the ballots file of a recount or an evidence bundle (pure).

Columns (English or Chinese headers, any order, case-insensitive English):
building/楼幢, unit/单元, room/室号, choice/表决意见, channel/渠道, cast_at/表决时间,
and optionally status/状态, receipt/回执码, household_id/房屋编号, seq/序号,
signed_at/签署时间, items/改造项目. Unknown columns are ignored.

- choice: agree/disagree/abstain or 同意/不同意/弃权; in a satisfaction survey's file
  satisfied/basically_satisfied/dissatisfied or 满意/基本满意/不满意 (the count of
  each kind refuses the other kind's answers);
- channel: online/paper/proxy or 线上/纸质/委托;
- cast_at: ISO 8601 ("2026-03-01T09:30:00+08:00", "Z" allowed). A time without
  an offset is read as Asia/Shanghai: paper ballots are typed in by community
  workers in China, and China has had no daylight saving since 1991, so the
  reading is unambiguous. The writer always emits the offset.
- status: empty, counted, duplicate, superseded, pending_confirmation, rejected.
- household_id, seq: the service's unit id and the voter's sequence number (1 for the
  first ballot, 2 for the next…), which its audit chain records for each receipt; empty
  or absent in a file typed by hand. A recount ignores them.
- signed_at: when the owner signed a paper (纸质) or proxy (委托) ballot, as its photo
  shows, in the same ISO 8601 form as cast_at; empty for online ballots (and for paper
  ballots entered before signed times were recorded). A ballot stands by when it was
  *expressed*: its signed_at when given, else its cast_at (tally.standing): under policy
  "last" a paper ballot signed before the owner's later online ballot does not replace
  it, even if it was entered (cast_at) after it. cast_at stays when the ballot entered
  the ledger and breaks ties.
- items: the ballot's answers to the round's item questions (改造项目意向), as
  ``code=answer`` pairs joined by ``;``, e.g. ``U-B-06=agree;U-P-01=disagree``; the
  answer is agree/disagree/abstain or 同意/不同意/弃权; empty for none (and in a 多选
  round an unticked item is left out). The writer emits the column only when some
  ballot answered items, codes in sorted order.

Rows are numbered as in a spreadsheet: the header is row 1. Errors name the
column by its canonical English name and carry a Chinese message; every
problem in the file is reported at once.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..labels_zh import CHANNEL_ZH, CHOICE_ZH, SATISFACTION_ZH
from ..unit_labels import unit_label
from .satisfaction import SATISFACTION_CHOICES
from .tally import CHANNELS, CHOICES

SHANGHAI = ZoneInfo("Asia/Shanghai")
REQUIRED = ("building", "unit", "room", "choice", "channel", "cast_at")
OPTIONAL = ("status", "receipt", "household_id", "seq", "signed_at", "items")
COLUMNS = REQUIRED + OPTIONAL
CHINESE = {"building": "楼幢", "unit": "单元", "room": "室号", "choice": "表决意见",
           "channel": "渠道", "cast_at": "表决时间", "status": "状态", "receipt": "回执码",
           "household_id": "房屋编号", "seq": "序号", "signed_at": "签署时间", "items": "改造项目"}
_HEADERS = {**{c: c for c in COLUMNS}, **{zh: c for c, zh in CHINESE.items()}}
# The codes, or the words the reports print for them.
_CHOICES = {**{c: c for c in CHOICES}, **{CHOICE_ZH[c]: c for c in CHOICES},
            **{c: c for c in SATISFACTION_CHOICES}, **{SATISFACTION_ZH[c]: c for c in SATISFACTION_CHOICES}}
_CHANNELS = {**{c: c for c in CHANNELS}, **{CHANNEL_ZH[c]: c for c in CHANNELS}}
COUNTABLE_STATUSES = frozenset({"", "counted", "duplicate", "superseded"})
STATUSES = COUNTABLE_STATUSES | {"pending_confirmation", "rejected"}
# Spreadsheet programs run cells starting with these as formulas; the writer
# prefixes an apostrophe and the parser removes it, so values round-trip.
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class BallotRow:
    """One ballot line; choice/channel canonical English, cast_at aware."""

    row: int
    building: str
    unit: str
    room: str
    choice: str
    channel: str
    cast_at: datetime
    status: str = ""
    receipt: str = ""
    household_id: int | None = None
    seq: int | None = None
    signed_at: datetime | None = None
    items: tuple[tuple[str, str], ...] = ()  # (code, answer) pairs, sorted by code

    @property
    def label(self) -> str:
        """'3-1-101' (building-unit-room, empty unit skipped), as the roll labels units."""
        return unit_label(self.building, self.unit, self.room)


class BallotsFileError(ValueError):
    """Every problem in the file, as (row, column, Chinese message) triples.

    row 0 means the file as a whole (e.g. its encoding); column "" means the row.
    """

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = list(errors)
        super().__init__("；".join(_describe(*error) for error in self.errors))


def _describe(row: int, column: str, message: str) -> str:
    where = "文件" if row == 0 else f"第{row}行" + (f" {column}" if column else "")
    return f"{where}：{message}"


def countable(row: BallotRow | str) -> bool:
    """Whether a row (or a status string) is a real ballot for the recount.

    counted/duplicate/superseded and empty are ballots (the recount decides
    again which one counts); pending_confirmation and rejected are not.
    """
    status = row if isinstance(row, str) else row.status
    return status in COUNTABLE_STATUSES


def _decode(data: bytes) -> str:
    # UTF-8 is tried first because GB18030 would "decode" UTF-8 bytes into
    # mojibake without complaint; the reverse mistake is practically impossible.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise BallotsFileError([(0, "", "无法识别文件编码，请另存为 UTF-8 或 GB18030/GBK 编码的 CSV")]) from None


def _cell(value: str) -> str:
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment


def _header_map(header: list[str], errors: list) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = _HEADERS.get(raw.strip().lower())
        if name is None:
            continue
        if name in positions:
            errors.append((1, name, f"表头重复：“{raw.strip()}”"))
        positions[name] = index
    for name in REQUIRED:
        if name not in positions:
            errors.append((1, name, f"缺少必填列“{CHINESE[name]}”（{name}）"))
    return positions


def _parse_row(number: int, cells: list[str], positions: dict[str, int], errors: list):
    def get(name: str) -> str:
        index = positions.get(name)
        return _cell(cells[index]) if index is not None and index < len(cells) else ""

    values = {}
    for name in ("building", "unit", "room"):
        values[name] = get(name)
        # A building without stairwell units has an empty unit, as in the roster.
        if not values[name] and name != "unit":
            errors.append((number, name, f"{CHINESE[name]}不能为空"))
    choice, channel, cast_at, status = get("choice"), get("channel"), get("cast_at"), get("status")
    values["choice"] = _CHOICES.get(choice.lower())
    if values["choice"] is None:
        errors.append((number, "choice",
                       f"表决意见“{choice}”无法识别，应为 {'/'.join(CHOICE_ZH.values())}（{'/'.join(CHOICES)}），"
                       f"满意度调查为 {'/'.join(SATISFACTION_ZH.values())}"))
    values["channel"] = _CHANNELS.get(channel.lower())
    if values["channel"] is None:
        errors.append((number, "channel",
                       f"渠道“{channel}”无法识别，应为 {'/'.join(CHANNEL_ZH.values())}（{'/'.join(CHANNELS)}）"))
    values["cast_at"] = _parse_time(cast_at)
    if values["cast_at"] is None:
        errors.append((number, "cast_at",
                       f"表决时间“{cast_at}”格式不正确，应为 ISO 8601，如 2026-03-01T09:30:00+08:00"))
    values["status"] = status.lower()
    if values["status"] not in STATUSES:
        errors.append((number, "status", f"状态“{status}”无法识别，应为 {'/'.join(sorted(STATUSES - {''}))} 或留空"))
    values["receipt"] = get("receipt")
    signed = get("signed_at")
    values["signed_at"] = _parse_time(signed) if signed else None
    if signed and values["signed_at"] is None:
        errors.append((number, "signed_at",
                       f"签署时间“{signed}”格式不正确，应为 ISO 8601，如 2026-03-01T17:30:00+08:00，或留空"))
    values["items"] = _parse_items(number, get("items"), errors)
    for name in ("household_id", "seq"):
        text = get(name)
        values[name] = int(text) if text.isascii() and text.isdigit() else None
        if text and values[name] is None:
            errors.append((number, name, f"{CHINESE[name]}“{text}”应为正整数或留空"))
    return BallotRow(row=number, **values)


def _parse_items(number: int, text: str, errors: list) -> tuple[tuple[str, str], ...]:
    """``U-B-06=agree;U-P-01=同意`` → (("U-B-06", "agree"), ("U-P-01", "agree")); problems into ``errors``."""
    pairs: dict[str, str] = {}
    for part in text.replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        code, sep, answer = part.partition("=")
        code, answer = code.strip(), _CHOICES.get(answer.strip().lower())
        if not sep or not code or answer is None:
            errors.append((number, "items", f"改造项目“{part}”格式不正确，应为 项目编号=同意/不同意/弃权，如 U-B-06=agree"))
        elif code in pairs:
            errors.append((number, "items", f"改造项目 {code} 重复"))
        else:
            pairs[code] = answer
    return tuple(sorted(pairs.items()))


def items_cell(items) -> str:
    """The items column's text for (code, answer) pairs (or a dict): sorted, ``;``-joined."""
    pairs = sorted(items.items()) if isinstance(items, dict) else sorted(items)
    return ";".join(f"{code}={answer}" for code, answer in pairs)


def parse_ballots_csv(data: bytes) -> list[BallotRow]:
    """Parse a BALLOTS.csv (UTF-8, UTF-8 with BOM, or GB18030/GBK).

    Blank lines are skipped but still counted in row numbers; rows are
    numbered as spreadsheet records (header = 1). Raises
    BallotsFileError listing every (row, column, message) problem.
    """
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    errors: list[tuple[int, str, str]] = []
    header = next(reader, None)
    if header is None:
        raise BallotsFileError([(1, "", "文件为空，缺少表头")])
    positions = _header_map(header, errors)
    if errors:
        raise BallotsFileError(errors)
    rows = []
    # Record numbers, not physical lines: a quoted cell with a line break is
    # still one spreadsheet row, and blank lines count as rows there too.
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            errors.append((number, "", f"该行有 {len(cells)} 列，多于表头的 {len(header)} 列"))
            continue
        rows.append(_parse_row(number, cells, positions, errors))
    if errors:
        raise BallotsFileError(errors)
    return rows


def _export_cell(value: str) -> str:
    return "'" + value if value[:1] in _FORMULA_START else value


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _signed(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def write_ballots_csv(rows) -> bytes:
    """Canonical BALLOTS.csv: UTF-8 with BOM (Excel opens it correctly), English
    headers incl. status, receipt, household_id, seq and signed_at (empty when None),
    times ISO 8601 with offset, and items when any row has item answers (rows without an
    ``items`` attribute have none). Parsing the output gives the same rows back (row
    numbers renumbered from 2)."""
    rows = list(rows)
    with_items = any(getattr(r, "items", ()) for r in rows)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS if with_items else COLUMNS[:-1])
    for r in rows:
        cells = [_export_cell(r.building), _export_cell(r.unit), _export_cell(r.room),
                 r.choice, r.channel, r.cast_at.isoformat(), r.status,
                 _export_cell(r.receipt), _number(r.household_id), _number(r.seq),
                 _signed(getattr(r, "signed_at", None))]
        writer.writerow(cells + [items_cell(getattr(r, "items", ()))] if with_items else cells)
    return out.getvalue().encode("utf-8-sig")
