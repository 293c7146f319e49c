"""Staff pages: the street dashboard (/streets, /streets/<id>) and downloads of reports and bundles."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import login_required

from ..accounts.auth import current_staff
from ..china_time import cst_today
from ..clock import now
from ..extensions import db
from .api import exportable_round
from .exports import district_export, export_bundle, export_report, street_export
from .street_dashboard import COLUMNS, district_summary, street_or_404, street_summary, visible_streets

bp = Blueprint("evidence_pages", __name__)


@bp.route("/streets")
@login_required
def street_index():
    """District: every street; a street office goes straight to its own street."""
    user = current_staff()
    if user.role == "street":
        return redirect(url_for("evidence_pages.street_page", street_id=user.street_id))
    if user.role != "district":
        abort(404)
    moment = now()
    summaries = [street_summary(s, cst_today(moment), moment) for s in visible_streets(user)]
    return render_template("evidence/streets.html", summaries=summaries, district=district_summary(summaries))


@bp.route("/streets/district.xlsx")
@login_required
def district_download():
    """The district's dashboard as XLSX: each street's totals and the district's."""
    user = current_staff()
    if user.role != "district":
        abort(404)
    today = cst_today(now())
    export = district_export(district_summary([street_summary(s, today, now()) for s in visible_streets(user)]), user, now())
    db.session.commit()
    return export.response()


@bp.route("/streets/<int:street_id>")
@login_required
def street_page(street_id):
    summary = street_summary(street_or_404(current_staff(), street_id), cst_today(now()), now())
    return render_template("evidence/street.html", summary=summary, columns=COLUMNS)


@bp.route("/streets/<int:street_id>/summary.<any(xlsx, csv):fmt>")
@login_required
def street_download(street_id, fmt):
    summary = street_summary(street_or_404(current_staff(), street_id), cst_today(now()), now())
    export = street_export(summary, fmt, current_staff(), now())
    db.session.commit()
    return export.response()


@bp.route("/rounds/<int:round_id>/report.<any(pdf, xlsx, csv):fmt>")
@login_required
def report_download(round_id, fmt):
    export = export_report(exportable_round(round_id), fmt, current_staff(), now())
    db.session.commit()
    return export.response()


@bp.route("/rounds/<int:round_id>/evidence.zip")
@login_required
def bundle_download(round_id):
    export = export_bundle(exportable_round(round_id), current_staff(), now())
    db.session.commit()
    return export.response()
