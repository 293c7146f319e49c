"""Write the owner roster (业主名册) back out, in the exact format parse_roster reads; and its blank template.

Pure: takes row objects, returns bytes. The output carries owners' names and phones in
clear (it is the community's working copy for re-import), so callers must restrict who
may download it; anything published must mask them instead.

Two header forms (HEADER_FORMS): "zh", the default, is what a community worker reads — the
Chinese header row and the Chinese words for area_source and status (不动产登记, 已售…);
"en" is the machine form — the column codes and the English codes. parse_roster reads both,
so either form round-trips.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from voting.hundredths import two_places_str
from voting.labels_zh import AREA_SOURCE_ZH, HOLDING_STATUS_ZH
from voting.roster.roster_import import (AREA_SOURCES, COLUMN_ZH, COLUMNS, EXAMPLE_OWNER_KEY, HOLDING_STATUSES,
                                         MAX_UNIT_AREA)
from voting.unit_labels import natural_key
from voting.xlsx_writer import xlsx_bytes

HEADER_FORMS = ("zh", "en")
EXPORT_HEADERS = COLUMNS  # canonical English headers in canonical order, co_owners last (the "en" form)
ZH_HEADERS = tuple(COLUMN_ZH[c] for c in COLUMNS)
TEMPLATE_ROWS = 2000  # the template's drop-downs cover this many data rows
TEMPLATE_SHEET = "名册"


def roster_header(headers: str = "zh") -> tuple[str, ...]:
    """The header row of the given form ("zh" or "en")."""
    return ZH_HEADERS if headers == "zh" else EXPORT_HEADERS


def roster_cells(r, headers: str = "zh") -> list[str]:
    """One row's cells in column order: area with two decimals, phones and co-owners joined with ';',
    area_source and status as Chinese words ("zh") or English codes ("en")."""
    area_source = AREA_SOURCE_ZH[r.area_source] if headers == "zh" else r.area_source
    status = HOLDING_STATUS_ZH[r.status] if headers == "zh" else r.status
    return [r.building, r.unit, r.room, two_places_str(r.area), area_source, r.owner_key, r.owner_name,
            ";".join(r.phones), status, ";".join(r.co_owners)]


def write_roster_csv(rows: Iterable, headers: str = "zh") -> bytes:
    """Return the roster as UTF-8 CSV with a BOM (so Excel opens Chinese correctly) and CRLF line ends.

    rows: objects with RosterRow's attributes (``row`` is not used). Columns are the ten
    roster columns in canonical order, co_owners last, headed as `headers` says ("zh": 楼幢,
    单元…, values in Chinese; "en": building, unit…, values as codes); area is written with
    exactly two decimals in m² ("86.50"); phones and co-owners are joined with ";". Rows are
    ordered by building, unit, room with a natural sort.
    parse_roster(write_roster_csv(rows, headers), "x.csv") gives back equal rows, in either form.
    """
    ordered = sorted(rows, key=lambda r: (natural_key(r.building), natural_key(r.unit), natural_key(r.room)))
    out = io.StringIO()
    writer = csv.writer(out)  # default dialect: minimal quoting, "\r\n" line ends
    writer.writerow(roster_header(headers))
    for r in ordered:
        writer.writerow(roster_cells(r, headers))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


EXAMPLE_ROW = ["1", "1", "101", Decimal("86.50"), AREA_SOURCE_ZH["register"], EXAMPLE_OWNER_KEY, "张三",
               "13812345678;0571-87654321", HOLDING_STATUS_ZH["owned"], "李四"]
TEMPLATE_NOTES = [
    ["名册模板填写说明"],
    ["一行填写一套房屋（专有部分）。同一业主名下有几套房屋，就填几行，业主标识相同。"],
    ["第 2 行是示例，填写前请删除；不删除时导入会提示“示例行”。"],
    ["楼幢、室号、专有部分面积、面积依据、产权状态必须填写；已售房屋还须填写业主标识和业主姓名。"],
    ["单元：没有单元的楼可不填。"],
    [f"专有部分面积：平方米，大于 0，最多两位小数，不超过 {MAX_UNIT_AREA}。"],
    ["面积依据：" + " / ".join(AREA_SOURCE_ZH[s] for s in AREA_SOURCES) + "（实测、合同为暂定面积）。"],
    ["业主标识：区分业主的编号（如 Y0001），不要填身份证号。"],
    ["联系电话：手机号或座机号（座机写区号，如 0571-87654321）；多个号码用“;”分开。座机号只保存和显示，不发短信。"],
    ["产权状态：" + " / ".join(HOLDING_STATUS_ZH[s] for s in HOLDING_STATUSES) + "。开发商的房屋可不填业主标识和姓名。"],
    ["共有人：可不填；多个姓名用“;”分开。"],
]


def roster_template_xlsx() -> bytes:
    """A blank roster to fill in: Excel, the Chinese header row, one example row (EXAMPLE_ROW,
    which the import refuses until it is deleted), drop-down lists on 面积依据 and 产权状态 and a
    number check on 专有部分面积 for TEMPLATE_ROWS rows; a second sheet explains each column."""
    last = TEMPLATE_ROWS + 1
    letter = {c: chr(ord("A") + i) for i, c in enumerate(COLUMNS)}
    return xlsx_bytes(
        [(TEMPLATE_SHEET, [list(ZH_HEADERS), EXAMPLE_ROW]), ("填写说明", TEMPLATE_NOTES)],
        choices={TEMPLATE_SHEET: [
            (f"{letter['area_source']}2:{letter['area_source']}{last}", tuple(AREA_SOURCE_ZH[s] for s in AREA_SOURCES)),
            (f"{letter['status']}2:{letter['status']}{last}", tuple(HOLDING_STATUS_ZH[s] for s in HOLDING_STATUSES)),
        ]},
        decimals={TEMPLATE_SHEET: [(f"{letter['area']}2:{letter['area']}{last}", Decimal("0.01"), MAX_UNIT_AREA)]},
    )
