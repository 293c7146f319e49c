"""/api/v1: tally reports (PDF, XLSX, CSV), the evidence bundle, and the public key that checks it."""
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..accounts.auth import api_login_required, current_staff
from ..accounts.jurisdiction import round_or_404
from ..audit.keys import key_fingerprint, public_key_pem
from ..audit.signing import signing_key
from ..china_time import cst_today
from ..clock import now
from ..extensions import db
from ..models.rounds import Round
from .exports import NOT_FROZEN_ZH, REPORT_FORMATS, district_export, export_bundle, export_report, street_export
from .schemas import DistrictSummarySchema, StreetSchema, StreetSummarySchema
from .street_dashboard import district_summary, street_or_404, street_summary, visible_streets

blp = Blueprint("evidence", __name__, url_prefix="/api/v1", description="计票报告、证据包与验证公钥")
BINARY = {"type": "string", "format": "binary"}


def exportable_round(round_id: int) -> Round:
    """The round if the caller may see it (404 otherwise) and its roll is frozen (409 if a draft).

    A satisfaction survey gets its own report (each answer by heads and area, the unhappy items,
    no pass or fail) and the same bundle, recounted by the survey's count."""
    round_ = round_or_404(round_id)
    if round_.status == "draft":
        abort(409, message=NOT_FROZEN_ZH)
    return round_


def _report(fmt: str):
    def get(self, round_id):
        export = export_report(exportable_round(round_id), fmt, current_staff(), now())
        db.session.commit()
        return export.response()

    get.__doc__ = f"""The tally report as {fmt.upper()}: rule and legal basis, totals, every check, notices,
        the timeline and the per-household list (names masked, owner keys as V0001…). A satisfaction survey's
        report: each answer by heads and area with exact shares, the unhappy items, no pass or fail.
        Recorded in the audit log."""
    content_type = REPORT_FORMATS[fmt][1].split(";")[0]
    return blp.alt_response(409, description=NOT_FROZEN_ZH)(
        blp.response(200, BINARY, content_type=content_type)(get))


@blp.route("/rounds/<int:round_id>/report.pdf")
class ReportPdf(MethodView):
    decorators = [api_login_required]
    get = _report("pdf")


@blp.route("/rounds/<int:round_id>/report.xlsx")
class ReportXlsx(MethodView):
    decorators = [api_login_required]
    get = _report("xlsx")


@blp.route("/rounds/<int:round_id>/report.csv")
class ReportCsv(MethodView):
    decorators = [api_login_required]
    get = _report("csv")


@blp.route("/rounds/<int:round_id>/evidence.zip")
class EvidenceBundle(MethodView):
    decorators = [api_login_required]

    @blp.response(200, BINARY, content_type="application/zip")
    @blp.alt_response(409, description=NOT_FROZEN_ZH)
    def get(self, round_id):
        """The signed evidence bundle: manifest.json + manifest.sig (Ed25519), roster.csv, ballots.csv,
        tally.json, report.pdf, report.xlsx, audit.jsonl and the notices (a satisfaction survey also
        survey_items.csv: the unhappy items of each answer). Check it with
        `flask --app wsgi evidence verify BUNDLE.zip --public-key KEY.pem`. Recorded in the audit log."""
        export = export_bundle(exportable_round(round_id), current_staff(), now())
        db.session.commit()
        return export.response()


@blp.route("/evidence/public-key")
class PublicKey(MethodView):
    @blp.response(200, {"type": "string"}, content_type="application/x-pem-file")
    def get(self):
        """The Ed25519 public key (PEM) that verifies every evidence bundle's manifest.sig. Public: no login."""
        key = signing_key().public_key()
        return Response(public_key_pem(key), mimetype="application/x-pem-file", headers={
            "X-Key-Fingerprint-SHA256": key_fingerprint(key),
            "Content-Disposition": 'inline; filename="evidence-public-key.pem"'})


def _street_summary(street_id: int) -> dict:
    return street_summary(street_or_404(current_staff(), street_id), cst_today(now()), now())


@blp.route("/streets")
class Streets(MethodView):
    decorators = [api_login_required]

    @blp.response(200, StreetSchema(many=True))
    def get(self):
        """The streets whose dashboard the caller may open (district: all; street office: its own; community: none)."""
        return [{"id": s.id, "name": s.name} for s in visible_streets(current_staff())]


def district_or_404() -> dict:
    """The district's dashboard, for the district housing bureau only (404 for everyone else)."""
    user = current_staff()
    if user.role != "district":
        abort(404, message="找不到该页面")
    moment = now()
    return district_summary([street_summary(s, cst_today(moment), moment) for s in visible_streets(user)])


@blp.route("/district/summary")
class DistrictSummary(MethodView):
    decorators = [api_login_required]

    @blp.response(200, DistrictSummarySchema)
    def get(self):
        """Every street's totals and the district's: estates, rounds, and money (estimated and audited final
        cost, subsidy, what residents pay). District housing bureau only."""
        return district_or_404()


@blp.route("/district/summary.xlsx")
class DistrictSummaryXlsx(MethodView):
    decorators = [api_login_required]

    @blp.response(200, BINARY, content_type=REPORT_FORMATS["xlsx"][1])
    def get(self):
        """The district's dashboard as XLSX (Chinese headers)."""
        export = district_export(district_or_404(), current_staff(), now())
        db.session.commit()
        return export.response()


@blp.route("/streets/<int:street_id>/summary")
class StreetSummary(MethodView):
    decorators = [api_login_required]

    @blp.response(200, StreetSummarySchema)
    def get(self, street_id):
        """Every estate of the street: current stage, round status, participation and agreement by heads
        and area (frozen at closing, live while open), pass/fail, the latest notice's end, the latest milestone.
        District: any street; street office: its own; community workers: 404."""
        return _street_summary(street_id)


@blp.route("/streets/<int:street_id>/summary.xlsx")
class StreetSummaryXlsx(MethodView):
    decorators = [api_login_required]

    @blp.response(200, BINARY, content_type=REPORT_FORMATS["xlsx"][1])
    def get(self, street_id):
        """The street summary as XLSX."""
        export = street_export(_street_summary(street_id), "xlsx", current_staff(), now())
        db.session.commit()
        return export.response()


@blp.route("/streets/<int:street_id>/summary.csv")
class StreetSummaryCsv(MethodView):
    decorators = [api_login_required]

    @blp.response(200, BINARY, content_type="text/csv")
    def get(self, street_id):
        """The street summary as CSV (UTF-8 with BOM)."""
        export = street_export(_street_summary(street_id), "csv", current_staff(), now())
        db.session.commit()
        return export.response()
