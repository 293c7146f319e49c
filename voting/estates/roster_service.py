"""Roster import and export for an estate: parse, refuse or apply, and record."""
from urllib.parse import quote

from sqlalchemy import select

from ..audit.log import record as audit
from ..china_time import cst_today
from ..db_types import utcnow
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Estate
from ..models.rounds import Round
from ..privacy import looks_masked, mask_name, pseudonyms
from ..refusals import Refused
from ..roster.roster_export import write_roster_csv
from ..roster.roster_import import RosterRow, RowError, parse_roster
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
            [{"row": e.row, "column": e.column, "message": e.message} for e in errors],
        )
    return apply_roster(estate, parsed.rows, actor_id=actor.id, filename=filename, content=content, now=utcnow())


class _ExportRow:
    """A household in the shape write_roster_csv expects (the RosterRow attributes)."""

    def __init__(self, household, full: bool, pseudonym: dict[str, str], digits_hidden: bool = False):
        voter = household.voter
        name = voter.name if voter else ""
        phones = voter.phone_list if voter else ()
        co_owners = tuple(n for n in household.co_owners.split(";") if n)
        self.building, self.unit, self.room = household.building.name, household.unit, household.room
        self.area, self.area_source, self.status = household.area, household.area_source, household.status
        key = voter.owner_key if voter else ""
        self.owner_key = key if full or not key else pseudonym[key]
        self.owner_name = name if full else mask_name(name)
        self.phones = phones if full else tuple(phone_for(p, digits_hidden) for p in phones)
        self.co_owners = co_owners if full else tuple(mask_name(n) for n in co_owners)


def export_roster(estate: Estate, actor: StaffUser, *, full: bool) -> tuple[bytes, str]:
    """(CSV bytes, URL-quoted file name) of the current roll; masked unless `full`.

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
          data={"full": full, "households": len(rows)})
    filename = quote(f"{estate.name}-{kind}-{cst_today(utcnow()).isoformat()}.csv")
    return write_roster_csv(rows), filename


def open_round_blocking_roster(estate_id: int) -> str | None:
    """A Chinese reason if the estate's roll is frozen by an open round, else None."""
    title = db.session.scalar(select(Round.title).where(Round.estate_id == estate_id, Round.status == "open"))
    return f"“{title}”正在表决，名册已冻结，表决截止前不能重新导入" if title else None
