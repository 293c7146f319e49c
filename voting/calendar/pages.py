"""Staff page of the district's holiday calendar: the yearly schedule typed in as dates."""
import re
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import clock
from ..accounts.auth import current_staff
from ..extensions import db
from .calendar_store import loaded_years, store_year
from .schemas import CalendarYearInSchema

bp = Blueprint("calendar_pages", __name__)

_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:~|～|至|到|—)\s*(\d{4}-\d{1,2}-\d{1,2}))?(?:\s.*)?$")
_MAX_RANGE_DAYS = 31  # no holiday stretch is longer; a longer range is a typo


def _iso(text: str) -> date:
    year, month, day = (int(p) for p in text.split("-"))
    return date(year, month, day)


def parse_date_lines(text: str, label: str) -> tuple[list[date], list[str]]:
    """Dates typed one per line ("2027-01-01", "2027-10-01~2027-10-07", text after a space ignored)."""
    days: list[date] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        try:
            if match is None:
                raise ValueError
            first = _iso(match.group(1))
            last = _iso(match.group(2)) if match.group(2) else first
        except ValueError:
            errors.append(f"{label}第 {number} 行“{line}”不是日期（格式 2027-10-01，或 2027-10-01~2027-10-07）")
            continue
        if not 0 <= (last - first).days <= _MAX_RANGE_DAYS:
            errors.append(f"{label}第 {number} 行的日期范围不对（应从早到晚，且不超过 {_MAX_RANGE_DAYS} 天）")
            continue
        days.extend(first + timedelta(days=i) for i in range((last - first).days + 1))
    return days, errors


def _messages(errors) -> list[str]:
    """A marshmallow field's errors (a list, or a dict of list items' errors) as flat messages."""
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    return list(errors or [])


def _district_only() -> None:
    if current_staff().role != "district":
        abort(403, description="只有区住建局可以录入法定节假日安排")


def _calendar_page(status: int = 200, form: dict | None = None, errors: list[str] | None = None):
    return render_template("calendar/calendar.html", years=loaded_years(), form=form or {},
                           errors=errors or []), status


@bp.route("/calendar", methods=["GET"])
@login_required
def calendar_page():
    _district_only()
    return _calendar_page()


@bp.route("/calendar", methods=["POST"])
@login_required
def calendar_load():
    _district_only()
    form = {k: request.form.get(k, "") for k in ("year", "holidays", "makeup_workdays", "source")}
    holidays, errors = parse_date_lines(form["holidays"], "放假日期")
    makeups, more = parse_date_lines(form["makeup_workdays"], "调休上班日期")
    errors += more
    year = int(form["year"]) if form["year"].strip().isdigit() else None
    if year is None:
        errors.insert(0, "请填写年份，例如 2027")
    # The dates are typed as lines here; what they become is checked by the API's own schema.
    checked = CalendarYearInSchema().validate({"holidays": [d.isoformat() for d in holidays],
                                               "makeup_workdays": [d.isoformat() for d in makeups],
                                               "source": form["source"].strip()})
    errors += [m for field in ("holidays", "makeup_workdays", "source") for m in _messages(checked.get(field))]
    if not errors:
        try:
            store_year(year, holidays, makeups, form["source"].strip(), current_staff().id, clock.now(),
                       actor=current_staff().username)
        except (ValueError, TypeError) as exc:
            db.session.rollback()
            errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"已录入 {year} 年的放假安排：放假 {len(set(holidays))} 天，调休上班 {len(set(makeups))} 天")
            return redirect(url_for("calendar_pages.calendar_page"))
    return _calendar_page(422, form, errors)
