"""Working-day periods on China's official calendar (notices/working_days.py).

Expected dates are read by hand from the State Council schedules as carried by
chinesecalendar 1.11.0 (constants.py), with the weekday worked out from the
month grid; each case spells out the count in a comment. The code under test
is never used to produce an expected value.
"""
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings, strategies as st

from voting.calendar.working_days import (UnknownYearError, WorkingCalendar, YearSchedule, format_period_zh,
                                          validate_schedule)

CAL = WorkingCalendar()


def fictional_2027() -> YearSchedule:
    """A plausible, made-up 2027 schedule (the real one is not in the package).

    2027-01-01 is a Friday: 元旦 Fri 1 – Sun 3 Jan, no make-up day.
    春节 (New Year's Day of the lunar calendar is Sat 2027-02-06): off Sat 6 –
    Sun 14 Feb, make-up working Saturday 20 Feb.
    """
    holidays = {date(2027, 1, d) for d in (1, 2, 3)} | {date(2027, 2, d) for d in range(6, 15)}
    return validate_schedule(2027, holidays, {date(2027, 2, 20)})


# --- is_workday / covers ---------------------------------------------------

@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 10), True),   # Saturday, make-up day for National Day 2026
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 10, 1), False),   # National Day, a Thursday
        (date(2026, 1, 4), True),     # Sunday, make-up day for New Year 2026
        (date(2026, 2, 14), True),    # Saturday, make-up day for Spring Festival 2026
        (date(2026, 2, 23), False),   # Monday, last day of Spring Festival 2026
        (date(2026, 3, 2), True),     # ordinary Monday
    ],
)
def test_is_workday_reads_official_schedule(day, expected):
    assert CAL.is_workday(day) is expected


def test_covers_package_years_only():
    assert CAL.covers(2004) and CAL.covers(2026)
    assert not CAL.covers(2003)
    assert not CAL.covers(2027)
    assert WorkingCalendar({2027: fictional_2027()}).covers(2027)


@pytest.mark.parametrize("day", [date(2027, 1, 4), date(2003, 12, 31)])
def test_is_workday_unknown_year_raises(day):
    with pytest.raises(UnknownYearError) as info:
        CAL.is_workday(day)
    assert info.value.year == day.year
    assert f"{day.year}年的法定节假日安排尚未录入" in str(info.value)


def test_datetime_is_refused():
    # A datetime never equals a date, so it would slip past every holiday set.
    with pytest.raises(TypeError):
        CAL.is_workday(datetime(2026, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        CAL.add_working_days(datetime(2026, 9, 30, 9, 0), 5)


# --- add_working_days: real dates ------------------------------------------

@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # National Day 2026: start Wed 9-30 (not counted); 10-1..10-7 off;
        # Thu 10-8 (1), Fri 10-9 (2), make-up Sat 10-10 (3), Sun 10-11 off,
        # Mon 10-12 (4), Tue 10-13 (5).
        (date(2026, 9, 30), 5, date(2026, 10, 13)),
        # Spring Festival 2026: start Fri 2-13; make-up Sat 2-14 (1);
        # 2-15..2-23 off; Tue 2-24 (2), 2-25 (3), 2-26 (4), Fri 2-27 (5).
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        # Make-up SUNDAY 2026-09-20 (for National Day 2026): start Fri 9-18;
        # Sat 9-19 off; Sun 9-20 (1); Mon 9-21 (2); Tue 9-22 (3).
        # (A count that drops make-up weekend days would give 9-23.)
        (date(2026, 9, 18), 3, date(2026, 9, 22)),
        # Make-up SUNDAY 2025-09-28 (for National Day 2025): start Fri 9-26;
        # Sat 9-27 off; Sun 9-28 (1).
        (date(2025, 9, 26), 1, date(2025, 9, 28)),
        # New Year 2026 across the year end: start Wed 2025-12-31;
        # 2026-01-01..01-03 off; make-up Sun 1-4 (1); Mon 1-5 (2), 1-6 (3),
        # 1-7 (4), Thu 1-8 (5).
        (date(2025, 12, 31), 5, date(2026, 1, 8)),
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
        # National Day 2025: start Tue 9-30; 10-1..10-8 off (incl. Mid-autumn
        # 10-6); Thu 10-9 (1), Fri 10-10 (2), make-up Sat 10-11 (3),
        # Sun 10-12 off, Mon 10-13 (4), Tue 10-14 (5).
        (date(2025, 9, 30), 5, date(2025, 10, 14)),
        # Start ON a holiday (Sat 2026-10-03, National Day): 10-4..10-7 off;
        # 10-8 (1), 10-9 (2), 10-10 (3), 10-12 (4), 10-13 (5).
        (date(2026, 10, 3), 5, date(2026, 10, 13)),
        # Start on a Spring Festival weekday (Tue 2026-02-17): next working
        # day is Tue 2-24.
        (date(2026, 2, 17), 1, date(2026, 2, 24)),
        # Start on an ordinary weekend (Sat 2026-06-06): Sun 6-7 off;
        # Mon 6-8 (1) .. Fri 6-12 (5).
        (date(2026, 6, 6), 5, date(2026, 6, 12)),
        # Start on a make-up Saturday (2026-10-10, itself a working day): it is
        # still not counted; Sun 10-11 off; Mon 10-12 (1).
        (date(2026, 10, 10), 1, date(2026, 10, 12)),
        # n = 1 on ordinary weeks: Mon 2026-03-02 -> Tue 3-03;
        # Fri 2026-03-06 -> Mon 3-09.
        (date(2026, 3, 2), 1, date(2026, 3, 3)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),
        # Up to the last known day: Mon 2026-12-28; 12-29 (1), 12-30 (2),
        # Thu 12-31 (3) -- never looks into 2027.
        (date(2026, 12, 28), 3, date(2026, 12, 31)),
    ],
)
def test_add_working_days_real_dates(start, days, expected):
    assert CAL.add_working_days(start, days) == expected


def test_period_reaching_unknown_year_raises_naming_it():
    # Mon 2026-12-28: 12-29, 12-30, 12-31 are the 1st-3rd; the 4th is in 2027.
    with pytest.raises(UnknownYearError) as info:
        CAL.add_working_days(date(2026, 12, 28), 5)
    assert info.value.year == 2027
    assert "2027年" in str(info.value)


def test_loaded_2027_schedule_is_used():
    cal = WorkingCalendar({2027: fictional_2027()})
    # 12-29 (1), 12-30 (2), 12-31 (3); 2027-01-01..01-03 off (fictional);
    # Mon 2027-01-04 (4), Tue 01-05 (5).
    assert cal.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)
    # Fri 2027-02-05; 2-06..2-14 off; Mon 2-15 (1), Tue 2-16 (2).
    assert cal.add_working_days(date(2027, 2, 5), 2) == date(2027, 2, 16)
    # Fri 2027-02-19; make-up Sat 2-20 (1).
    assert cal.add_working_days(date(2027, 2, 19), 1) == date(2027, 2, 20)
    # 2028 is still unknown.
    with pytest.raises(UnknownYearError) as info:
        cal.is_workday(date(2028, 1, 3))
    assert info.value.year == 2028


def test_extra_year_overrides_package():
    # A (fictional) corrected 2026 where only 1 January is a holiday:
    # Wed 9-30; Thu 10-1 (1), Fri 10-2 (2), Mon 10-5 (3), 10-6 (4), Wed 10-7 (5).
    cal = WorkingCalendar({2026: validate_schedule(2026, {date(2026, 1, 1)}, set())})
    assert cal.add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 7)
    assert cal.is_workday(date(2026, 10, 10)) is False  # no longer a make-up day


@pytest.mark.parametrize("days", [0, -1, True, 1.5, "5"])
def test_add_working_days_rejects_bad_counts(days):
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 3, 2), days)


def test_calendar_rejects_mismatched_year_key():
    with pytest.raises(ValueError):
        WorkingCalendar({2028: fictional_2027()})
    with pytest.raises(TypeError):
        WorkingCalendar({2027: {"holidays": []}})


# --- property: agrees with the package's own day-by-day table ---------------

@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 10, 31)),
    days=st.integers(min_value=1, max_value=30),
)
def test_add_working_days_matches_package_table(start, days):
    end = CAL.add_working_days(start, days)
    # Oracle: the package's is_workday (which counts make-up weekend days).
    between = [start + timedelta(n) for n in range(1, (end - start).days + 1)]
    assert chinese_calendar.is_workday(end)
    assert sum(chinese_calendar.is_workday(d) for d in between) == days


# --- working_days_remaining --------------------------------------------------

# Period from Wed 2026-09-30 for 5 working days: 10-8, 10-9, 10-10, 10-12, 10-13.
@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 9, 28), 5),   # before the notice is posted
        (date(2026, 9, 30), 5),   # the starting day is not counted
        (date(2026, 10, 3), 5),   # holiday: all five still ahead
        (date(2026, 10, 8), 5),   # first working day: today counts (runs to 24:00)
        (date(2026, 10, 9), 4),   # 10-9, 10-10, 10-12, 10-13
        (date(2026, 10, 11), 2),  # Sunday: 10-12, 10-13
        (date(2026, 10, 13), 1),  # last day: "还剩 1 个工作日（含今日）"
        (date(2026, 10, 14), 0),  # over
    ],
)
def test_working_days_remaining(today, expected):
    assert CAL.working_days_remaining(date(2026, 9, 30), date(2026, 10, 13), today) == expected


def test_working_days_remaining_rejects_empty_period():
    with pytest.raises(ValueError):
        CAL.working_days_remaining(date(2026, 9, 30), date(2026, 9, 30), date(2026, 9, 30))


def test_working_days_remaining_unknown_year():
    with pytest.raises(UnknownYearError):
        CAL.working_days_remaining(date(2026, 12, 28), date(2027, 1, 6), date(2026, 12, 30))


# --- format_period_zh --------------------------------------------------------

def test_format_period_zh():
    assert (
        format_period_zh(date(2026, 9, 30), 5, date(2026, 10, 13))
        == "公示期：2026-09-30 起 5 个工作日，至 2026-10-13 止"
    )
    assert format_period_zh(date(2026, 9, 30), 5, date(2026, 10, 13), label="表决期").startswith(
        "表决期：2026-09-30"
    )


def test_format_period_zh_rejects_nonsense():
    with pytest.raises(ValueError):
        format_period_zh(date(2026, 9, 30), 0, date(2026, 10, 13))
    with pytest.raises(ValueError):
        format_period_zh(date(2026, 10, 13), 5, date(2026, 9, 30))


# --- validate_schedule -------------------------------------------------------

NEW_YEAR_2027 = {date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}


def test_validate_schedule_accepts_and_freezes():
    schedule = validate_schedule(2027, list(NEW_YEAR_2027), [date(2027, 2, 20)])
    assert isinstance(schedule.holidays, frozenset)
    assert isinstance(schedule.makeup_workdays, frozenset)
    assert schedule.year == 2027


@pytest.mark.parametrize(
    ("year", "holidays", "makeup", "fragment"),
    [
        # a date outside the year
        (2027, NEW_YEAR_2027 | {date(2026, 12, 31)}, set(), "不在 2027 年内"),
        (2027, NEW_YEAR_2027, {date(2028, 1, 1)}, "不在 2027 年内"),
        # make-up day on a weekday (Mon 2027-01-04)
        (2027, NEW_YEAR_2027, {date(2027, 1, 4)}, "不是周六或周日"),
        # same day in both sets (Sat 2027-01-02)
        (2027, NEW_YEAR_2027, {date(2027, 1, 2)}, "同时被录入"),
        # empty / incomplete entry: no 元旦
        (2027, set(), set(), "元旦"),
        (2027, {date(2027, 2, 8)}, set(), "元旦"),
        # implausible years
        (207, set(), set(), "年份"),
        (True, set(), set(), "年份"),
        ("2027", set(), set(), "年份"),
    ],
)
def test_validate_schedule_rejections(year, holidays, makeup, fragment):
    with pytest.raises(ValueError) as info:
        validate_schedule(year, holidays, makeup)
    assert fragment in str(info.value)


def test_validate_schedule_rejects_datetimes():
    with pytest.raises(TypeError):
        validate_schedule(2027, NEW_YEAR_2027 | {datetime(2027, 2, 8)}, set())


def test_year_schedule_cannot_bypass_checks():
    with pytest.raises(ValueError):
        YearSchedule(2027, frozenset(NEW_YEAR_2027), frozenset({date(2027, 1, 4)}))


# --- The paper grace period after a vote closes (grace_ends_at) ----------------------------------------------

def test_paper_grace_ends_at_midnight_after_the_nth_working_day_after_the_closing_day():
    from datetime import datetime, timedelta, timezone

    from voting.calendar.working_days import WorkingCalendar, grace_ends_at

    beijing = timezone(timedelta(hours=8))
    calendar = WorkingCalendar()
    friday_evening = datetime(2026, 9, 4, 18, 0, tzinfo=beijing)
    assert grace_ends_at(calendar, friday_evening, 1) == datetime(2026, 9, 8, 0, 0, tzinfo=beijing)  # Monday, 24:00
    assert grace_ends_at(calendar, friday_evening, 2) == datetime(2026, 9, 9, 0, 0, tzinfo=beijing)
    assert grace_ends_at(calendar, friday_evening, 0) == friday_evening  # no grace period
    # The closing day is the Beijing date: 23:30 UTC on Sept 4 is already Saturday Sept 5 in Hangzhou.
    assert grace_ends_at(calendar, datetime(2026, 9, 4, 23, 30, tzinfo=timezone.utc), 1) == datetime(
        2026, 9, 8, 0, 0, tzinfo=beijing)
    # National Day holidays (2026-10-01…07) are skipped: the first working day after them is 10-08.
    assert grace_ends_at(calendar, datetime(2026, 9, 30, 18, 0, tzinfo=beijing), 1) == datetime(
        2026, 10, 9, 0, 0, tzinfo=beijing)
    for bad in (-1, True, 1.0):
        with pytest.raises(ValueError):
            grace_ends_at(calendar, friday_evening, bad)
