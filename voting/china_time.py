"""China Standard Time display: times are stored in UTC and shown in Asia/Shanghai."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

CST = ZoneInfo("Asia/Shanghai")


def to_cst(moment: datetime) -> datetime:
    """An aware datetime converted to China Standard Time."""
    return moment.astimezone(CST)


def format_cst(moment: datetime | None) -> str:
    """'2026-09-30 14:05' in China Standard Time; '' for None."""
    return "" if moment is None else to_cst(moment).strftime("%Y-%m-%d %H:%M")


def cst_today(now: datetime) -> date:
    """The calendar date in China for the aware instant `now`."""
    return to_cst(now).date()
