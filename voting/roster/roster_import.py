"""Parse and validate an uploaded owner roster (业主名册), CSV or Excel .xlsx.

Pure: bytes in, plain values out; no Flask, no database, no clock. The import is
all-or-nothing, so every problem is collected (never just the first) and phrased
in Chinese for the community worker who has to fix the spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import openpyxl
from openpyxl.utils import get_column_letter

from voting.hundredths import two_places

from ..labels_zh import AREA_SOURCE_ZH, HOLDING_STATUS_ZH
from ..phone_numbers import PhoneNumberError, roster_phone
from .flat_keys import flat_key

AREA_SOURCES = ("register", "survey", "contract")  # survey and contract are provisional
HOLDING_STATUSES = ("owned", "developer_unsold", "developer_undelivered")
MAX_UNIT_AREA = Decimal("1000.00")  # m²; larger is "implausibly large"
MAX_DATA_ROWS = 20000
# Bytes of all the parts of an .xlsx once unzipped. A roster at MAX_DATA_ROWS (ten columns) is
# about 11 MB; a small file that unzips past this is a zip bomb, refused before openpyxl inflates
# any of it. (zipfile never inflates a part past the size its header declares, so the sum bounds it.)
MAX_XLSX_EXPANDED = 32 * 1024 * 1024
MAX_FIELD_LEN = 100
MAX_CO_OWNERS_LEN = 500  # the co-owner cell holds several names of up to MAX_FIELD_LEN each

COLUMNS = ("building", "unit", "room", "area", "area_source", "owner_key", "owner_name", "phone", "status", "co_owners")
OPTIONAL_COLUMNS = frozenset({"unit", "phone", "co_owners"})
# The roster's header words (part of the file format, like ballots_file.CHINESE): exports and the
# template write them, the import accepts them beside the codes, error tables name columns by them.
COLUMN_ZH = dict(zip(COLUMNS, ("楼幢", "单元", "室号", "专有部分面积", "面积依据", "业主标识", "业主姓名", "联系电话", "产权状态", "共有人")))
_HEADER_ALIASES = {
    **{c: c for c in COLUMNS},
    **{c.replace("_", ""): c for c in COLUMNS},  # "area source" once spaces are squeezed out
    **{zh: c for c, zh in COLUMN_ZH.items()},
    "幢号": "building", "楼号": "building", "房号": "room", "面积": "area",
    "电话": "phone", "手机": "phone", "手机号": "phone", "共有人姓名": "co_owners",
}
# The codes, the labels (as the roster page shows them), and a worker's shorthand.
_AREA_SOURCE_ALIASES = {**{s: s for s in AREA_SOURCES}, **{AREA_SOURCE_ZH[s]: s for s in AREA_SOURCES},
                        "登记": "register"}
_STATUS_ALIASES = {**{s: s for s in HOLDING_STATUSES}, **{HOLDING_STATUS_ZH[s]: s for s in HOLDING_STATUSES}}
_COLUMN_ORDER = {c: i for i, c in enumerate(COLUMNS)}
_SEPARATORS = re.compile(r"[;；/、,，]")
_EDGE_SPACE = re.compile(r"^[\s\ufeff\u200b]+|[\s\ufeff\u200b]+$")
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_AREA_UNIT = re.compile(r"(平方米|平米|m2)$", re.IGNORECASE)  # NFKC has already turned ㎡ and m² into m2
_ID_CARD = re.compile(r"[0-9]{17}[0-9Xx]")
# Typed into a spreadsheet an ID number picks up spaces, hyphens and full-width digits
# (１２３…, NFKC makes them ASCII): none of them makes it any less an ID number.
_ID_SEPARATORS = re.compile(r"[\s\-]+")
_FORMULA_LEAD = ("=", "+", "-", "@")  # what Excel would execute when the roster is exported and reopened
_HEADER_SCAN = 10  # a title row like "某某小区业主名册" may sit above the header
_AREA_HINT = "面积必须是大于0的数字，最多两位小数（如 86.50）"

_EMPTY = "文件是空的：没有表头，也没有住户"
# The owner key of the template's example row (roster_export.EXAMPLE_ROW): a row carrying it is refused,
# so a template filled in below its example does not import a made-up household.
EXAMPLE_OWNER_KEY = "示例-请删除本行"


@dataclass(frozen=True)
class RosterRow:
    row: int                 # 1-based row as Excel shows it (header is row 1, first data row is 2)
    building: str
    unit: str                # may be "" (no stairwell unit)
    room: str
    area: Decimal            # m², quantized to 2 places, > 0
    area_source: str         # one of AREA_SOURCES
    owner_key: str           # may be "" only for developer_* statuses
    owner_name: str          # may be "" only for developer_* statuses
    phones: tuple[str, ...]  # as phone_numbers.roster_phone stores them: "13812345678", "0571-87654321"
    status: str              # one of HOLDING_STATUSES
    co_owners: tuple[str, ...]


@dataclass(frozen=True)
class RowError:
    row: int      # as RosterRow.row; the header row for header problems; 0 for whole-file problems
    column: str   # canonical column name, or "" for whole-row / whole-file problems
    message: str  # Chinese, for a community worker


@dataclass(frozen=True)
class RosterParseResult:
    rows: list[RosterRow]    # empty whenever errors is non-empty (all or nothing)
    errors: list[RowError]   # every problem found, sorted by (row, column order)


@dataclass(frozen=True)
class _Bad:
    """A spreadsheet cell unusable whatever its column (formula, date, error value)."""
    message: str


def parse_roster(data: bytes, filename: str) -> RosterParseResult:
    """Parse a roster upload; never raises, whatever the bytes.

    The type is chosen by the extension (.csv or .xlsx, any case) and checked against
    the content. CSV may be UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK,
    comma- or tab-separated. XLSX: first worksheet only; formula cells are refused.
    Row numbers are those Excel shows (for CSV: the record number); blank rows are
    skipped but still counted. The header is row 1 unless a title row sits above it (the
    first of the first 10 non-blank rows naming at least two known columns wins).
    Header problems stop the checks there: against a wrong header every data check is noise.
    Area is m², 0 < area <= MAX_UNIT_AREA (inclusive), at most 2 decimals ("86.500" is
    fine), returned quantized to 0.01. One error per cell; any error means rows == [].
    """
    try:
        kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if kind not in ("csv", "xlsx"):
            return _fail(0, "", "只接受 CSV（.csv）或 Excel（.xlsx）格式的名册文件")
        if not data:
            return _fail(0, "", _EMPTY)
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            return _fail(0, "", "这是旧版 Excel（.xls）或带密码的 Excel 文件，请去掉密码并“另存为” .xlsx 后重新上传")
        if kind == "xlsx":
            if not data.startswith(b"PK"):
                return _fail(0, "", "文件扩展名是 .xlsx，但内容不是 Excel 文件；如果是 CSV，请把扩展名改为 .csv")
            table = _read_xlsx(data)
        else:
            if data.startswith(b"PK"):
                return _fail(0, "", "文件扩展名是 .csv，但内容是 Excel 文件；请把扩展名改为 .xlsx，或在 Excel 中“另存为” CSV")
            table = _read_csv(data)
        if isinstance(table, RowError):
            return RosterParseResult([], [table])
        return _validate(table)
    except Exception:  # last line of defence: an upload must never become a 500
        return _fail(0, "", "文件无法解析，请检查格式后重新上传")


def _fail(row: int, column: str, message: str) -> RosterParseResult:
    return RosterParseResult([], [RowError(row, column, message)])


def _clean(text: str) -> str:
    return _EDGE_SPACE.sub("", text)


def _read_csv(data: bytes) -> list[tuple[int, list]] | RowError:
    text = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK, what Excel in China writes
        if b"\x00" in data:
            return RowError(0, "", "文件不是文本格式的 CSV，请在 Excel 中“另存为” CSV 后重新上传")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        return RowError(0, "", "无法识别文件编码，请在 Excel 中“另存为”UTF-8 或 GBK 编码的 CSV 后重新上传")
    text = text.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return _collect((n, [_clean(v) for v in record]) for n, record in enumerate(records, 1))
    except csv.Error:
        return RowError(0, "", "CSV 文件格式有误（可能有未配对的引号或内容过长），请在 Excel 中重新“另存为” CSV")


def _read_xlsx(data: bytes) -> list[tuple[int, list]] | RowError:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        expanded = 0  # not a readable zip: openpyxl below says so in the usual words
    if expanded > MAX_XLSX_EXPANDED:
        return RowError(0, "", f"Excel 文件解压后超过 {MAX_XLSX_EXPANDED // (1024 * 1024)} MB，不像是名册；"
                               "请只保留名册所在的工作表，“另存为” .xlsx 后重新上传")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it does not need
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # some tools write a wrong <dimension>, which would truncate rows
                # read-only mode fills missing rows with empty ones, so enumerate gives Excel's row numbers
                return _collect((n, [_xlsx_value(c) for c in cells]) for n, cells in enumerate(sheet.iter_rows(), 1))
            finally:
                workbook.close()
    except Exception:
        return RowError(0, "", "无法读取这个 Excel 文件（可能已损坏或不是 .xlsx），请在 Excel 中打开并“另存为” .xlsx 后重新上传")


def _collect(numbered_rows) -> list[tuple[int, list]]:
    """Keep the non-blank rows with their row numbers; stop once the row limit is surely exceeded."""
    table = []
    for n, cells in numbered_rows:
        if any(v != "" for v in cells):
            table.append((n, cells))
            if len(table) > MAX_DATA_ROWS + _HEADER_SCAN:
                break  # enough to report the limit without reading a huge file to the end
    return table


def _xlsx_value(cell) -> str | _Bad:
    value, kind = cell.value, getattr(cell, "data_type", "n")
    if kind == "f":
        return _Bad("单元格是公式，请复制后“选择性粘贴为数值”")
    if value is None:
        return ""
    if kind == "e":
        return _Bad(f"单元格是错误值 {value}，请改正")
    if isinstance(value, bool):
        return _Bad("单元格是“是/否”（TRUE/FALSE）类型，请改为文字")
    if isinstance(value, (datetime, date, time, timedelta)):
        return _Bad("单元格是日期/时间格式，请把单元格格式设为“文本”后重新填写")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel stores 101 as 101.0; repr keeps the shortest exact form, so 86.1 stays "86.1"
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        return _clean(value)
    return _Bad("单元格内容无法识别，请改为文字或数字")


def _header_column(text: object) -> str | None:
    key = re.sub(r"[\s\ufeff\u200b*]+", "", unicodedata.normalize("NFKC", str(text))).lower()
    if key in _HEADER_ALIASES:
        return _HEADER_ALIASES[key]
    # bilingual or annotated headers: "楼幢(building)", "专有部分面积（㎡）"
    found = {_HEADER_ALIASES[p] for p in re.split(r"[()\[\]【】/]", key) if p in _HEADER_ALIASES}
    return found.pop() if len(found) == 1 else None


def _label(column: str) -> str:
    return f"“{COLUMN_ZH[column]}”（{column}）"


def _validate(table: list[tuple[int, list]]) -> RosterParseResult:
    if not table:
        return _fail(0, "", _EMPTY)
    header_at, positions, errors = _read_header(table)
    if errors:
        return RosterParseResult([], _sorted(errors))
    data_rows = []
    for n, cells in table[header_at + 1:]:
        record = {c: cells[i] if i < len(cells) else "" for c, i in positions.items()}
        if any(v != "" for v in record.values()):  # text only in ignored columns (notes) counts as blank
            data_rows.append((n, record))
    if not data_rows:
        return _fail(0, "", "名册没有任何住户：只有表头，没有数据行")
    if len(data_rows) > MAX_DATA_ROWS:
        return _fail(0, "", f"名册超过 {MAX_DATA_ROWS} 行，请按小区分开上传")
    rows = []
    first_room: dict[tuple[str, ...], tuple[int, str]] = {}
    first_owner: dict[str, tuple[int, str]] = {}
    for n, record in data_rows:
        row_errors: list[RowError] = []
        values = _check_cells(n, record, row_errors)
        row_errors += _check_against_earlier_rows(n, values, first_room, first_owner)
        errors += row_errors
        if not errors:
            rows.append(RosterRow(row=n, **values))
    return RosterParseResult([], _sorted(errors)) if errors else RosterParseResult(rows, [])


def _read_header(table: list[tuple[int, list]]) -> tuple[int, dict[str, int], list[RowError]]:
    """Find the header (the first of the leading rows naming two known columns, else the first row).

    Returns its index in table, canonical column -> cell index, and the header errors.
    """
    header_at = next((i for i, (_, cells) in enumerate(table[:_HEADER_SCAN])
                      if len({_header_column(c) for c in cells if isinstance(c, str)} - {None}) >= 2), 0)
    header_row, cells = table[header_at]
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _header_column(cell) if isinstance(cell, str) else None
        if column in positions:
            first, again = get_column_letter(positions[column] + 1), get_column_letter(index + 1)
            errors.append(RowError(header_row, column,
                                   f"表头{_label(column)}出现了不止一次（第 {first} 列和第 {again} 列），请只保留一列"))
        elif column:  # unknown extra columns are ignored
            positions[column] = index
    errors += [RowError(header_row, c, f"缺少必需的列{_label(c)}，请在表头中加上")
               for c in COLUMNS if c not in positions and c not in OPTIONAL_COLUMNS]
    return header_at, positions, errors


def _check_against_earlier_rows(n: int, values: dict, first_room: dict, first_owner: dict) -> list[RowError]:
    """Duplicate flats (also spelled differently, see flat_keys) and owner keys with two names.

    Reported on the later row, naming the earlier one. first_room: flat key → (row, label) of
    its first row, and ("no unit" / "unit", building key, room key) → the same, to catch a
    room given with a stairwell unit in one row and without in another of the same building.
    """
    errors = []
    building, unit, room = values.get("building"), values.get("unit"), values.get("room")
    if building and room and unit is not None:
        label = f"楼幢“{building}” 单元“{unit}” 室号“{room}”" if unit else f"楼幢“{building}” 室号“{room}”（无单元）"
        key = flat_key(building, unit, room)
        if key in first_room:
            row, first_label = first_room[key]
            same = "" if first_label == label else f"（第 {row} 行写作{first_label}，写法不同）"
            errors.append(RowError(n, "room", f"{label}与第 {row} 行重复{same}，同一套房屋只能出现一次"))
        else:
            mine, other = ("unit", "no unit") if unit else ("no unit", "unit")
            clash = first_room.get((other, key[0], key[2]))
            if clash:
                errors.append(RowError(n, "unit", f"{label}与第 {clash[0]} 行的{clash[1]}可能是同一套房屋："
                                                  "同一幢楼的同一室号，一行填了单元、另一行没有填；请核对后统一填写单元"))
            first_room.setdefault((mine, key[0], key[2]), (n, label))
        first_room.setdefault(key, (n, label))
    owner_key, owner_name = values.get("owner_key"), values.get("owner_name")
    if owner_key and owner_name:
        first_row, first_name = first_owner.setdefault(owner_key, (n, owner_name))
        if first_name != owner_name:
            errors.append(RowError(n, "owner_name", f"业主标识“{owner_key}”在第 {first_row} 行的姓名是“{first_name}”，"
                                                    f"这里却是“{owner_name}”，同一业主的姓名必须一致"))
    return errors


def _sorted(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (e.row, _COLUMN_ORDER.get(e.column, -1)))


def _check_cells(n: int, record: dict, errors: list[RowError]) -> dict:
    """Check one data row's cells; return the parsed values of the cells that passed."""
    values: dict = {}

    def fail(column: str, message: str) -> None:
        errors.append(RowError(n, column, message))

    for column in COLUMNS:
        text = record.get(column, "")
        if isinstance(text, _Bad):
            fail(column, text.message)
            continue
        limit = MAX_CO_OWNERS_LEN if column == "co_owners" else MAX_FIELD_LEN
        if len(text) > limit:
            fail(column, f"{COLUMN_ZH[column]}内容过长（{len(text)} 个字符，最多 {limit} 个）")
            continue
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
            fail(column, f"{COLUMN_ZH[column]}含有换行符或不可见的控制字符，请删除后重试")
            continue
        if column in ("building", "unit", "room", "owner_key", "owner_name") and text.startswith(_FORMULA_LEAD):
            fail(column, f"{COLUMN_ZH[column]}不能以 = + - @ 开头（Excel 会把它当成公式）")
            continue
        value, message = _PARSERS.get(column, _parse_text)(column, text)
        if message:
            fail(column, message)
        else:
            values["phones" if column == "phone" else column] = value
    status = values.get("status")
    for column in ("owner_key", "owner_name"):
        if status == "owned" and values.get(column) == "":
            fail(column, f"{COLUMN_ZH[column]}未填写：产权状态为“已售”的房屋必须填写")
    return values


def _parse_text(column: str, text: str) -> tuple[str, str | None]:
    if text == "" and column in ("building", "room"):
        return "", f"{COLUMN_ZH[column]}未填写"
    if column == "owner_key" and text == EXAMPLE_OWNER_KEY:
        return "", "这是名册模板中的示例行，请删除这一行后重新上传"
    if column == "owner_key" and _ID_CARD.fullmatch(_ID_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))):
        # PIPL: ID numbers must never be stored in clear; owner_key is meant to be opaque
        return "", "业主标识不能直接使用身份证号（个人信息保护），请改用编号"
    return text, None


def _parse_area(column: str, text: str) -> tuple[Decimal | None, str | None]:
    if text == "":
        return None, f"面积未填写。{_AREA_HINT}"
    plain = _AREA_UNIT.sub("", re.sub(r"\s", "", unicodedata.normalize("NFKC", text)))
    match = _NUMBER.fullmatch(plain)
    if not match or not (match[2] or match[3]):
        return None, f"面积“{text}”不是数字。{_AREA_HINT}"
    sign, whole, fraction = match[1], match[2] or "0", match[3] or ""
    value = Decimal(f"{sign}{whole}.{fraction or '0'}")
    if value <= 0:
        return None, f"面积“{text}”必须大于0。{_AREA_HINT}"
    if len(fraction.rstrip("0")) > 2:
        return None, f"面积“{text}”超过两位小数。{_AREA_HINT}"
    value = two_places(value)  # exact however many digits were given
    if value > MAX_UNIT_AREA:
        return None, f"面积 {value} 平方米过大，请核对（单套不超过 {MAX_UNIT_AREA} 平方米）"
    return value, None


def _parse_choice(column: str, text: str) -> tuple[str | None, str | None]:
    aliases, labels = ((_AREA_SOURCE_ALIASES, AREA_SOURCE_ZH) if column == "area_source"
                       else (_STATUS_ALIASES, HOLDING_STATUS_ZH))
    allowed = " / ".join(labels.values())
    if text == "":
        return None, f"{COLUMN_ZH[column]}未填写，可填：{allowed}"
    value = aliases.get(unicodedata.normalize("NFKC", text).lower())
    return (value, None) if value else (None, f"{COLUMN_ZH[column]}“{text}”无法识别，可填：{allowed}")


def _parse_phones(column: str, text: str) -> tuple[tuple[str, ...] | None, str | None]:
    phones: list[str] = []
    bad: list[str] = []
    for part in (p.strip() for p in _SEPARATORS.split(text)):
        if not part:
            continue
        try:
            number, _kind = roster_phone(part)
        except PhoneNumberError:
            bad.append(part)
            continue
        if number not in phones:
            phones.append(number)
    if bad:
        return None, (f"联系电话“{'、'.join(bad)}”不是有效的电话号码：手机号为11位、以1开头；"
                      "座机号写区号和号码（如 0571-87654321）；多个号码用“;”分开")
    return tuple(phones), None


def _parse_co_owners(column: str, text: str) -> tuple[tuple[str, ...] | None, str | None]:
    names = tuple(name for name in (p.strip() for p in _SEPARATORS.split(text)) if name)
    for name in names:
        if len(name) > MAX_FIELD_LEN:
            return None, f"共有人姓名“{name[:10]}…”过长（最多 {MAX_FIELD_LEN} 个字符）"
        if name.startswith(_FORMULA_LEAD):
            return None, f"共有人姓名“{name}”不能以 = + - @ 开头（Excel 会把它当成公式）"
    return names, None


_PARSERS = {"area": _parse_area, "area_source": _parse_choice, "status": _parse_choice,
            "phone": _parse_phones, "co_owners": _parse_co_owners}
