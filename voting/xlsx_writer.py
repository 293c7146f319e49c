"""The one XLSX writer of the service: every spreadsheet it makes goes through `xlsx_bytes`.

Pure: plain rows in, bytes out. No cell it writes is ever a formula. openpyxl turns
any string starting with "=" into a formula cell, and Excel and WPS treat text
starting with + - @ (and, after editing, tab or CR) as one too, so an estate named
=HYPERLINK("http://evil.example/x","点我") would become a live link in the street
office's workbook. Here every text is written as a string cell (t="inlineStr"),
and text that *looks* like a formula also carries Excel's quote prefix (the "'"
shown in the formula bar), so re-typing the cell keeps it text.

Decimal and int stay numbers (bool is text: True is not 1 on a tally sheet); None is
an empty string cell.
"""
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.datavalidation import DataValidation

# What spreadsheet programs read as the start of a formula (or, for tab and CR, what
# they strip before reading one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True if a spreadsheet could read `text` as a formula: it starts with = + - @, tab or CR."""
    return text[:1] in FORMULA_START


def xlsx_bytes(sheets: list[tuple[str, list[list]]], choices: dict[str, list[tuple[str, tuple[str, ...]]]] | None = None,
               decimals: dict[str, list[tuple[str, Decimal, Decimal]]] | None = None) -> bytes:
    """A workbook of (sheet title, rows): numbers as number cells, everything else as string cells.

    Write-only mode: a 10,000-row sheet streams instead of building a cell tree.
    choices: sheet title → [(cell range like "E2:E2000", allowed texts)], a drop-down list that
    refuses anything else (Excel's data validation; the texts may hold no comma or quote).
    decimals: sheet title → [(cell range, least, most)], a number between the two.
    Data validation is a rule on cells, not a formula in one: no cell becomes a formula.
    """
    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for cells, options in (choices or {}).get(title, []):
            if any(ch in option for option in options for ch in ',"'):
                raise ValueError(f"a drop-down choice holds a comma or quote: {options!r}")
            rule = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                                  showErrorMessage=True, error="请从下拉列表中选择", errorTitle="填写有误")
            rule.add(cells)
            sheet.data_validations.append(rule)
        for cells, least, most in (decimals or {}).get(title, []):
            rule = DataValidation(type="decimal", operator="between", formula1=str(least), formula2=str(most),
                                  allow_blank=True, showErrorMessage=True, errorTitle="填写有误",
                                  error=f"请填写 {least} 到 {most} 之间的数字，最多两位小数")
            rule.add(cells)
            sheet.data_validations.append(rule)
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet, value):
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # openpyxl made it "f" if it starts with "="; a string it stays
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell
