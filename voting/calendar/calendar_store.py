"""Loaded calendar years (CalendarYear rows) ⇄ the pure WorkingCalendar.

Rows are never updated: loading a year again adds a row, and the newest row
(highest id) of each year applies, so the history of what staff entered stays.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ..audit.log import record as audit
from ..extensions import db
from ..models.calendar import CalendarYear
from .working_days import WorkingCalendar, YearSchedule, validate_schedule


def _dates(text: str) -> list[date]:
    return [date.fromisoformat(d) for d in json.loads(text)]


def _newest_rows() -> list[CalendarYear]:
    newest = select(func.max(CalendarYear.id)).group_by(CalendarYear.year)
    return list(db.session.scalars(select(CalendarYear).where(CalendarYear.id.in_(newest)).order_by(CalendarYear.year)))


def schedule_of(row: CalendarYear) -> YearSchedule:
    return validate_schedule(row.year, _dates(row.holidays), _dates(row.makeup_workdays))


def load_calendar() -> WorkingCalendar:
    """The calendar every period is computed with: the package plus the newest row of each loaded year."""
    return WorkingCalendar({row.year: schedule_of(row) for row in _newest_rows()})


def store_year(year: int, holidays: list[date], makeup_workdays: list[date], source: str,
               user_id: int | None, now: datetime, actor: str = "system") -> CalendarYear:
    """Validate and add a schedule row for `year` (raises ValueError/TypeError in Chinese); flushes.

    `actor` is the username recorded in the audit log.
    """
    schedule = validate_schedule(year, holidays, makeup_workdays)
    row = CalendarYear(
        year=year,
        holidays=json.dumps(sorted(d.isoformat() for d in schedule.holidays)),
        makeup_workdays=json.dumps(sorted(d.isoformat() for d in schedule.makeup_workdays)),
        source=source, loaded_at=now, loaded_by_id=user_id,
    )
    db.session.add(row)
    db.session.flush()
    # Every period computed from now on depends on this load: keep it in the global audit chain.
    audit(None, "calendar_year_loaded", f"calendar_year:{year}", actor=actor, at=now,
          data={"row": row.id, "holidays": len(schedule.holidays), "makeup_workdays": len(schedule.makeup_workdays),
                "source": source})
    return row


@dataclass(frozen=True)
class LoadedYear:
    """The schedule in force for a year (its newest row) and how many times the year was loaded."""

    row: CalendarYear
    revisions: int

    @property
    def holidays(self) -> list[date]:
        return _dates(self.row.holidays)

    @property
    def makeup_workdays(self) -> list[date]:
        return _dates(self.row.makeup_workdays)


def revisions(year: int) -> int:
    """How many times `year` was loaded."""
    return db.session.scalar(select(func.count()).where(CalendarYear.year == year))


def loaded_years() -> list[LoadedYear]:
    """The schedule in force for every loaded year, with how many times it was loaded."""
    counts = dict(db.session.execute(select(CalendarYear.year, func.count()).group_by(CalendarYear.year)).all())
    return [LoadedYear(row, counts[row.year]) for row in _newest_rows()]
