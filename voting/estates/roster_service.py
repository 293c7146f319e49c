"""Roster import and export for an estate: parse, refuse or apply, and record; one household corrected."""
import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select

from ..audit.log import record as audit
from ..china_time import cst_today
from ..db_types import utcnow
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Estate, Household
from ..models.rounds import Round
from ..privacy import hide_digits, looks_masked, mask_name, mask_phone_digits, pseudonyms
from ..refusals import Refused
from ..roster.roster_export import roster_cells, roster_header, roster_template_xlsx, write_roster_csv
from ..roster.roster_import import COLUMN_ZH, COLUMNS, RosterRow, RowError, parse_roster
from .operations import active_households
from .phone_secrecy import FULL_ROSTER_REFUSED_ZH, digits_hidden, phone_for
from .roster_sync import RosterSyncResult, apply_roster


class RosterRefused(Refused):
    """A roster file or change that is not taken (errors: the file's rows and columns)."""


def _masked_value_errors(rows: list[RosterRow]) -> list[RowError]:
    # A masked export re-imported would overwrite real names with 张*明: refuse it.
    return [
        RowError(row.row, "owner_name", "姓名含有 * 号，像是脱敏导出的名册；请导出完整名册修改后再导入")
        for row in rows
        if looks_masked(row.owner_name) or any(looks_masked(n) for n in row.co_owners)
    ]


def error_row(e: RowError) -> dict:
    """One problem of a file as the API and the page show it: `column` the code, `column_zh` its header word."""
    return {"row": e.row, "column": e.column, "column_zh": COLUMN_ZH.get(e.column, ""), "message": e.message}


def import_roster(estate: Estate, actor: StaffUser, filename: str, content: bytes) -> RosterSyncResult:
    """Validate and apply an uploaded roster; raises RosterRefused (nothing written) on any problem."""
    blocked = open_round_blocking_roster(estate.id)
    if blocked:
        raise RosterRefused(409, blocked)
    parsed = parse_roster(content, filename)
    errors = list(parsed.errors) or _masked_value_errors(parsed.rows)
    if errors:
        raise RosterRefused(
            422, f"名册有 {len(errors)} 处问题，未导入任何数据；请按行号修改后重新上传",
            [error_row(e) for e in errors],
        )
    return apply_roster(estate, parsed.rows, actor_id=actor.id, filename=filename, content=content, now=utcnow())


def roster_template() -> tuple[bytes, str]:
    """(XLSX bytes, URL-quoted file name) of the blank roster to fill in (roster_export.roster_template_xlsx)."""
    return roster_template_xlsx(), quote("业主名册模板.xlsx")


# What a correction may change: everything of a row but the flat itself (building, unit, room: to
# move or rename a flat, re-import the roster, since ballots and frozen rolls name the flat).
CORRECTABLE = COLUMNS[3:]  # area, area_source, owner_key, owner_name, phone, status, co_owners


@dataclass(frozen=True)
class Correction:
    household_id: int
    label: str
    result: RosterSyncResult


def household_form(h: Household) -> dict:
    """The CORRECTABLE cells of a flat as the correction form shows them (the full roster's text, in Chinese)."""
    cells = dict(zip(COLUMNS, roster_cells(_ExportRow(h, True, {}), "zh")))
    return {c: cells[c] for c in CORRECTABLE}


def _private_view(h: Household) -> dict:
    """A household's roster values as the audit chain may hold them: names and numbers masked, no owner key."""
    voter = h.voter
    return {"area": str(h.area), "area_source": h.area_source, "status": h.status,
            "owner_name": mask_name(h.owner_name), "phones": [mask_phone_digits(p) for p in (voter.phone_list if voter else ())],
            "co_owners": [mask_name(n) for n in h.co_owner_list]}


def correct_household(estate: Estate, household_id: int, actor: StaffUser, typed: dict, reason: str,
                      now: datetime) -> Correction:
    """Correct one flat of the roll between rounds, with exactly the checks of an import.

    typed: the CORRECTABLE columns as a worker types them (text, as in a roster cell; Chinese
    words or codes). The whole roll is written out as a roster with this flat's row replaced, and
    that roster goes through parse_roster and apply_roster like an uploaded file: it is kept as a
    RosterImport ("单户更正 …") with its diff, and the audit chain gets `household_corrected` with
    the masked values before and after. The owner's name and phones belong to the owner: if the
    owner key stays, they change on every flat of that owner; if the flat moves to another owner
    key, that owner's name must match (the import's check). Raises RosterRefused: 409 while a round
    is open (the roll is frozen), 404 for a flat not on the roll, 422 with
    [{row, column, column_zh, message}] when a check fails or nothing was changed.
    """
    blocked = open_round_blocking_roster(estate.id)
    if blocked:
        raise RosterRefused(409, blocked.replace("不能重新导入", "不能更正"))
    # Read the roll under the import's lock, so two corrections (or an import) cannot each start from the old roll.
    db.session.execute(select(Estate.id).where(Estate.id == estate.id).with_for_update())
    households = active_households(estate.id)
    target = next((h for h in households if h.id == household_id), None)
    if target is None:
        raise RosterRefused(404, "名册中没有这套房屋（可能已在重新导入时删除）")
    before = _private_view(target)
    old_key = target.voter.owner_key if target.voter else ""
    table = [roster_cells(_ExportRow(h, True, {}), "zh") for h in households]
    labels = {n: h.label for n, h in enumerate(households, 2)}
    at = households.index(target)
    mine = table[at]
    for index, column in enumerate(COLUMNS):
        if column in typed:
            mine[index] = typed[column]
    name_at, phone_at = COLUMNS.index("owner_name"), COLUMNS.index("phone")
    new_key = mine[COLUMNS.index("owner_key")].strip()
    same_owner = [cells for h, cells in zip(households, table)
                  if new_key and h is not target and h.voter and h.voter.owner_key == new_key]
    for cells in same_owner:  # one owner, one name and one set of phones
        if new_key == old_key:
            cells[name_at], cells[phone_at] = mine[name_at], mine[phone_at]
        elif "phone" in typed:
            cells[phone_at] = mine[phone_at]
        else:
            mine[phone_at] = cells[phone_at]  # moved to an owner: that owner's phones
    at += 2  # the row number of the flat in the roster written below
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(roster_header("zh"))
    writer.writerows(table)
    content = ("\ufeff" + out.getvalue()).encode("utf-8")
    parsed = parse_roster(content, "correction.csv")
    errors = list(parsed.errors) or _masked_value_errors(parsed.rows)
    if errors:
        raise RosterRefused(422, f"{target.label}的更正有 {len(errors)} 处问题，没有保存任何改动",
                            [_correction_error(e, at, labels) for e in errors])
    row = next(r for r in parsed.rows if r.row == at)
    current = _ExportRow(target, True, {})
    if all(getattr(row, f) == getattr(current, f) for f in ("area", "area_source", "owner_key", "owner_name",
                                                                "phones", "status", "co_owners")):
        raise RosterRefused(422, f"{target.label}没有任何改动", [])
    result = apply_roster(estate, parsed.rows, actor_id=actor.id, filename=f"单户更正：{target.label}",
                          content=content, now=now)
    db.session.refresh(target)
    audit(estate.id, "household_corrected", f"household:{target.id}", actor=actor.username, at=now, data={
        "label": target.label, "before": before, "after": _private_view(target),
        "owner_key_changed": target.voter.owner_key != old_key if target.voter else bool(old_key),
        "reason": hide_digits(reason), "roster_import": result.import_id, "changed": result.changed})
    return Correction(target.id, target.label, result)


_ROW_REF = re.compile(r"第 (\d+) 行")


def _correction_error(e: RowError, at: int, labels: dict[int, str]) -> dict:
    """A problem of the correction in the words of the roll: flats by their labels, not by row numbers."""
    message = _ROW_REF.sub(lambda m: labels.get(int(m[1]), m[0]), e.message)
    if e.row != at and e.row in labels:
        message = f"{labels[e.row]}：{message}"
    return {"row": e.row, "column": e.column, "column_zh": COLUMN_ZH.get(e.column, ""), "message": message}


class _ExportRow:
    """A household in the shape write_roster_csv expects (the RosterRow attributes)."""

    def __init__(self, household, full: bool, pseudonym: dict[str, str], digits_hidden: bool = False):
        voter = household.voter
        name = household.owner_name
        phones = voter.phone_list if voter else ()
        co_owners = tuple(n for n in household.co_owners.split(";") if n)
        self.building, self.unit, self.room = household.building.name, household.unit, household.room
        self.area, self.area_source, self.status = household.area, household.area_source, household.status
        key = voter.owner_key if voter else ""
        self.owner_key = key if full or not key else pseudonym[key]
        self.owner_name = name if full else mask_name(name)
        self.phones = phones if full else tuple(phone_for(p, digits_hidden) for p in phones)
        self.co_owners = co_owners if full else tuple(mask_name(n) for n in co_owners)


def export_roster(estate: Estate, actor: StaffUser, *, full: bool, headers: str = "zh") -> tuple[bytes, str]:
    """(CSV bytes, URL-quoted file name) of the current roll; masked unless `full`.

    headers: "zh" (Chinese header row and words, what a worker opens) or "en" (the machine form).

    While a phone4 round is open, a community worker gets phones without their last digits
    and no full roster (RosterRefused 403): see phone_secrecy.py.
    """
    hidden = digits_hidden(estate.id, actor)
    if full and hidden:
        raise RosterRefused(403, FULL_ROSTER_REFUSED_ZH)
    households = active_households(estate.id)
    pseudonym = pseudonyms(h.voter.owner_key for h in households if h.voter)
    rows = [_ExportRow(h, full, pseudonym, hidden) for h in households]
    kind = "完整名册" if full else "名册-脱敏"
    audit(estate.id, "roster_exported", f"estate:{estate.id}", actor=actor.username, at=utcnow(),
          data={"full": full, "households": len(rows), "headers": headers})
    filename = quote(f"{estate.name}-{kind}-{cst_today(utcnow()).isoformat()}.csv")
    return write_roster_csv(rows, headers), filename


def open_round_blocking_roster(estate_id: int) -> str | None:
    """A Chinese reason if the estate's roll is frozen by an open round, else None."""
    title = db.session.scalar(select(Round.title).where(Round.estate_id == estate_id, Round.status == "open"))
    return f"“{title}”正在表决，名册已冻结，表决截止前不能重新导入" if title else None
