"""The paper grace period (纸质票补录期) of a round, on the official calendar.

After `closes_at` nobody can vote online any more, but paper (入户签字) and proxy (委托)
ballots *signed before the close* may still be entered and confirmed by two workers
until the end of the `paper_grace_working_days`-th working day after the closing day,
24:00 Beijing time (calendar.working_days.grace_ends_at; 0 days: no grace period). The
round stays "open" meanwhile, its tally provisional (暂定（纸质票补录期至 …）);
`rounds close-due` closes it only once the period has ended, and a worker may close it
earlier by hand once every paper ballot is in. Past that end and still open, a round is
overdue (逾期未关闭), flagged on the street dashboard.
"""
from datetime import datetime, time, timedelta

from ..calendar.calendar_store import load_calendar
from ..calendar.working_days import UnknownYearError, WorkingCalendar, grace_ends_at
from ..china_time import format_cst, to_cst
from ..models.rounds import Round
from ..refusals import Refused

UNKNOWN_YEAR_ZH = "；请先由区里导入该年度节假日安排，纸质票补录期才能确定"


def paper_grace_ends_at(round_: Round, calendar: WorkingCalendar | None = None) -> datetime:
    """The instant the round's paper grace period ends (its `closes_at` when it has none).

    Refused (409, Chinese) when the official calendar does not cover the days it needs.
    """
    try:
        return grace_ends_at(calendar or load_calendar(), round_.closes_at, round_.paper_grace_working_days)
    except UnknownYearError as exc:
        raise Refused(409, f"{exc}{UNKNOWN_YEAR_ZH}") from None


def grace_end_or_none(round_: Round, calendar: WorkingCalendar | None = None) -> datetime | None:
    """paper_grace_ends_at, or None when the calendar cannot say yet (for display only)."""
    try:
        return paper_grace_ends_at(round_, calendar)
    except Refused:
        return None


def in_paper_grace(round_: Round, now: datetime, calendar: WorkingCalendar | None = None) -> bool:
    """Open, past its closing time, and the grace period not ended (unknown calendar: still in it)."""
    if round_.status != "open" or now < round_.closes_at:
        return False
    ends = grace_end_or_none(round_, calendar)
    return ends is None or now < ends


def overdue(round_: Round, now: datetime, calendar: WorkingCalendar | None = None) -> bool:
    """Still open after its grace period ended: the close-due process should have closed it (逾期未关闭)."""
    if round_.status != "open" or now < round_.closes_at:
        return False
    ends = grace_end_or_none(round_, calendar)
    return ends is not None and now >= ends


def grace_note_zh(round_: Round, now: datetime, calendar: WorkingCalendar | None = None) -> str | None:
    """'暂定（纸质票补录期至 2026-09-10 00:00）' during the grace period, else None."""
    if not in_paper_grace(round_, now, calendar):
        return None
    ends = grace_end_or_none(round_, calendar)
    return f"暂定（纸质票补录期至 {until_zh(ends)}）" if ends else "暂定（纸质票补录期，节假日安排未导入）"


def until_zh(ends: datetime) -> str:
    """A grace end as people read it: the midnight that ends a day is that day's '24:00'."""
    local = to_cst(ends)
    if local.time() == time(0):
        return f"{(local - timedelta(days=1)).date().isoformat()} 24:00"
    return format_cst(ends)
