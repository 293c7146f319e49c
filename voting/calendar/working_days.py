"""China's official working-day calendar for notice periods (公示期).

Working days are fixed each year by a State Council General Office notice
(国务院办公厅关于某年部分节假日安排的通知): statutory holidays, which may fall on
weekdays, and make-up working days (调休) on Saturdays/Sundays. The bundled
``chinese_calendar`` package carries those tables for the years it knows
(1.11.0: 2004–2026); for any other year staff enter the notice as a
:class:`YearSchedule`, which then also overrides the package for that year.

We never guess a year nobody has entered: a weekday-only fallback would silently
shorten or lengthen a legally required period, so such a year raises
:class:`UnknownYearError`.

Counting rule (Civil Code Art. 201): the starting day is not counted; a period of
n working days ends at 24:00 of the n-th working day after the starting day. That
day is a working day by construction, so the Art. 203 holiday extension never
applies to a working-day period.

Pure module: no clock, callers pass ``today``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, Mapping

import chinese_calendar

from ..china_time import CST as _CST

_ONE_DAY = timedelta(days=1)
# Years covered by the installed package, read from its own data rather than
# hard-coded so that upgrading the package extends coverage automatically.
_PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
_PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year


def _check_plain_date(value: object, what: str) -> date:
    # datetime is a subclass of date but never equal to one, so it would miss
    # every set lookup; it also hides a time-zone question. Refuse it.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what}必须是日期（date），不能是 {type(value).__name__}")
    return value


class UnknownYearError(Exception):
    """The calendar has no holiday schedule for ``year``; no date is guessed."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的法定节假日安排尚未录入，无法计算工作日；"
            f"请区住建局管理员先录入该年国务院办公厅通知的放假安排"
        )


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule, as published by the State Council.

    ``holidays``: days off under the notice (may include weekends inside a
    holiday stretch, and weekdays). ``makeup_workdays``: Saturdays/Sundays that
    are working days (调休). Every other day follows the Mon–Fri rule.
    Checked on construction, so an invalid schedule cannot exist.
    """

    year: int
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise ValueError(f"年份必须是整数：{self.year!r}")
        if not 2000 <= self.year <= 2099:
            # Catches typos such as 207 or 20270; the service has no other era.
            raise ValueError(f"年份 {self.year} 不在 2000—2099 之间，请检查")
        # Accept any iterable from callers but store frozensets (hashable, immutable).
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        for label, days in (("法定节假日", self.holidays), ("调休工作日", self.makeup_workdays)):
            for day in days:
                _check_plain_date(day, label)
                if day.year != self.year:
                    raise ValueError(f"{label} {day.isoformat()} 不在 {self.year} 年内")
        for day in self.makeup_workdays:
            if day.weekday() < 5:
                raise ValueError(
                    f"调休工作日 {day.isoformat()} 不是周六或周日；工作日本来就上班，无需调休"
                )
        both = sorted(self.holidays & self.makeup_workdays)
        if both:
            listed = "、".join(d.isoformat() for d in both)
            raise ValueError(f"{listed} 同时被录入为法定节假日和调休工作日，请核对通知")
        new_year = date(self.year, 1, 1)
        if new_year not in self.holidays:
            # 元旦 (1 January) is a statutory holiday every year under
            # 《全国年节及纪念日放假办法》; its absence means the notice was not
            # entered (e.g. an empty list), which must not pass as "no holidays".
            raise ValueError(
                f"{self.year}年的法定节假日未包含元旦（{new_year.isoformat()}），"
                f"请按国务院办公厅通知完整录入"
            )


def validate_schedule(
    year: int, holidays: Iterable[date], makeup_workdays: Iterable[date]
) -> YearSchedule:
    """Build a checked :class:`YearSchedule` from plain data entered by staff.

    Raises ``ValueError`` (Chinese message) if the year is not an integer in
    2000–2099, a date lies outside ``year``, a make-up day is a weekday, a date
    is in both sets, or 1 January is missing from the holidays; ``TypeError`` if
    an entry is not a ``date`` (a ``datetime`` is refused).
    """
    return YearSchedule(year, frozenset(holidays), frozenset(makeup_workdays))


class WorkingCalendar:
    """Official working days from the package plus staff-entered years.

    ``extra_years`` maps year → :class:`YearSchedule`; an entry replaces the
    package's data for that year (e.g. a year the package does not cover yet).
    """

    def __init__(self, extra_years: Mapping[int, YearSchedule] | None = None):
        self._extra: dict[int, YearSchedule] = {}
        for year, schedule in (extra_years or {}).items():
            if not isinstance(schedule, YearSchedule):
                raise TypeError(f"{year}年的安排必须是 YearSchedule")
            if schedule.year != year:
                raise ValueError(f"键 {year} 与安排中的年份 {schedule.year} 不一致")
            self._extra[year] = schedule

    def covers(self, year: int) -> bool:
        """True if working days of ``year`` are known (entered or in the package)."""
        return year in self._extra or _PACKAGE_FIRST_YEAR <= year <= _PACKAGE_LAST_YEAR

    def is_workday(self, day: date) -> bool:
        """True if ``day`` is an official working day (make-up weekend days included).

        Raises :class:`UnknownYearError` if the year is not covered.
        """
        _check_plain_date(day, "日期")
        schedule = self._extra.get(day.year)
        if schedule is not None:
            if day in schedule.makeup_workdays:
                return True
            if day in schedule.holidays:
                return False
            return day.weekday() < 5
        if not self.covers(day.year):
            raise UnknownYearError(day.year)
        # The package's is_workday counts make-up Saturdays/Sundays as working
        # days (unlike get_workdays(include_weekends=False), which drops them).
        return chinese_calendar.is_workday(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The date of the ``days``-th working day strictly after ``start``.

        Civil Code Art. 201: ``start`` itself is not counted, whatever it is
        (working day, weekend or holiday); the period ends at 24:00 of the
        returned date. ``days`` must be an integer ≥ 1 (``ValueError``).
        Raises :class:`UnknownYearError` naming the first uncovered year the
        count reaches.
        """
        _check_plain_date(start, "起始日")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"工作日天数必须是不小于 1 的整数：{days!r}")
        day, counted = start, 0
        while counted < days:
            day += _ONE_DAY
            if self.is_workday(day):
                counted += 1
        return day

    def working_days_remaining(self, start: date, ends_on: date, today: date) -> int:
        """Working days of the period (``start``, ``ends_on``] not yet over on ``today``.

        Rule, as a notice board says "还剩 N 个工作日（含今日）": a period's
        working days are those after ``start`` up to and including ``ends_on``;
        one is still remaining if it is ``today`` or later, because the period
        runs until 24:00 of its last day. So:

        - on or before ``start``: every working day of the period;
        - on a working day inside the period: today plus the later ones
          (the last day itself shows 1);
        - on a weekend/holiday inside the period: the working days after today;
        - after ``ends_on``: 0.

        ``ends_on`` must be after ``start`` (``ValueError``).
        """
        for value, what in ((start, "起始日"), (ends_on, "截止日"), (today, "今日")):
            _check_plain_date(value, what)
        if ends_on <= start:
            raise ValueError(f"截止日 {ends_on.isoformat()} 必须晚于起始日 {start.isoformat()}")
        day = max(start + _ONE_DAY, today)
        remaining = 0
        while day <= ends_on:
            if self.is_workday(day):
                remaining += 1
            day += _ONE_DAY
        return remaining


def grace_ends_at(calendar: WorkingCalendar, closes_at: datetime, days: int) -> datetime:
    """The end of a grace period of ``days`` working days after a vote closing at ``closes_at``.

    The closing day (its Beijing date) is not counted (Art. 201, as for every period
    here); the period ends at 24:00 Beijing time of the ``days``-th working day after it,
    returned as the aware instant of that midnight (the grace period is
    ``closes_at`` ≤ t < the result; its last day is inclusive). ``days`` = 0: no grace
    period, the result is ``closes_at`` itself. E.g. a vote closing Friday 2026-09-04
    18:00 with 1 day: Monday 09-07 is the working day, so the period ends 2026-09-08
    00:00 (+08:00). ``days`` must be an integer ≥ 0 (ValueError); raises
    :class:`UnknownYearError` when the count reaches a year the calendar does not cover.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"工作日天数必须是不小于 0 的整数：{days!r}")
    if closes_at.tzinfo is None:
        raise ValueError("截止时间必须带时区")
    if days == 0:
        return closes_at
    last_day = calendar.add_working_days(closes_at.astimezone(_CST).date(), days)
    return datetime.combine(last_day + _ONE_DAY, time(0), tzinfo=_CST)


def format_period_zh(start: date, days: int, ends_on: date, label: str = "公示期") -> str:
    """One line for a notice: '公示期：2026-09-30 起 5 个工作日，至 2026-10-13 止'.

    Pure formatting; ``ends_on`` should come from
    :meth:`WorkingCalendar.add_working_days`. ``label`` lets a vote reuse it
    (e.g. '表决期').
    """
    _check_plain_date(start, "起始日")
    _check_plain_date(ends_on, "截止日")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"工作日天数必须是不小于 1 的整数：{days!r}")
    if ends_on <= start:
        raise ValueError(f"截止日 {ends_on.isoformat()} 必须晚于起始日 {start.isoformat()}")
    return f"{label}：{start.isoformat()} 起 {days} 个工作日，至 {ends_on.isoformat()} 止"
