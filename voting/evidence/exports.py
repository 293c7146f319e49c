"""Making a report or bundle for download, recorded in the audit log (used by the API and the pages).

Each export appends "export_made" to the estate's chain with the file name and the
SHA-256 of the exact bytes handed out, so a file shown later can be matched to the
download it came from. The event is written after the file is made: the bundle's
audit.jsonl ends just before its own export event, which the next bundle carries.
"""
import hashlib
from datetime import datetime
from urllib.parse import quote

from flask import Response

from ..audit.log import record as audit
from ..audit.signing import signing_key
from ..china_time import CST
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Estate
from ..models.rounds import Round
from ..xlsx_writer import xlsx_bytes
from .evidence_bundle import build_bundle
from .report_data import round_report
from .report_pdf import report_pdf
from .report_tables import csv_bytes, report_csv, report_xlsx
from .street_dashboard import district_table, summary_table, totals_table

REPORT_FORMATS = {
    "pdf": (report_pdf, "application/pdf"),
    "xlsx": (report_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": (report_csv, "text/csv; charset=utf-8"),
}
NOT_FROZEN_ZH = "轮次尚未开始表决，名册未冻结，暂无计票报告和证据包"


class Export:
    def __init__(self, data: bytes, mimetype: str, filename: str, ascii_name: str):
        self.data, self.mimetype, self.filename, self.ascii_name = data, mimetype, filename, ascii_name

    def response(self) -> Response:
        return Response(self.data, mimetype=self.mimetype, headers={
            "Content-Disposition": f"attachment; filename=\"{self.ascii_name}\"; "
                                   f"filename*=UTF-8''{quote(self.filename)}",
            "X-Content-SHA256": hashlib.sha256(self.data).hexdigest(),
            "Cache-Control": "no-store"})


def record_export(estate_id: int | None, subject: str, kind: str, export: Export, actor: StaffUser,
                  now: datetime) -> None:
    audit(estate_id, "export_made", subject, actor=actor.username, at=now, data={
        "kind": kind, "file": export.filename, "sha256": hashlib.sha256(export.data).hexdigest(),
        "size": len(export.data)})


def _stem(round_: Round, now: datetime) -> str:
    estate = db.session.get(Estate, round_.estate_id)
    return f"{estate.name}-第{round_.stage}次征询-轮次{round_.id}-{now.astimezone(CST):%Y%m%d}"


def export_report(round_: Round, fmt: str, actor: StaffUser, now: datetime) -> Export:
    """The tally report as pdf / xlsx / csv (the round must be open or later; caller checks)."""
    write, mimetype = REPORT_FORMATS[fmt]
    report = round_report(round_, now)
    export = Export(write(report), mimetype, f"{report.words['report']}-{_stem(round_, now)}.{fmt}",
                    f"round-{round_.id}-report.{fmt}")
    record_export(round_.estate_id, f"round:{round_.id}", f"report.{fmt}", export, actor, now)
    return export


def export_bundle(round_: Round, actor: StaffUser, now: datetime) -> Export:
    """The signed evidence bundle (the round must be open or later; caller checks)."""
    bundle = build_bundle(round_, now, signing_key())
    export = Export(bundle.data, "application/zip", bundle.filename, f"round-{round_.id}-evidence.zip")
    record_export(round_.estate_id, f"round:{round_.id}", "evidence.zip", export, actor, now)
    return export


def street_export(summary: dict, fmt: str, actor: StaffUser, now: datetime) -> Export:
    """The street summary as xlsx / csv; recorded on the global chain (it spans estates)."""
    table = summary_table(summary)
    data = xlsx_bytes([("街道进度", table), ("资金合计", totals_table(summary))]) if fmt == "xlsx" else csv_bytes([table])
    street = summary["street"]
    export = Export(data, REPORT_FORMATS[fmt][1], f"街道进度-{street['name']}-{summary['today']}.{fmt}",
                    f"street-{street['id']}-summary.{fmt}")
    record_export(None, f"street:{street['id']}", f"summary.{fmt}", export, actor, now)
    return export


def district_export(district: dict, actor: StaffUser, now: datetime) -> Export:
    """The district's dashboard as xlsx: each street's totals and the district's; on the global chain."""
    data = xlsx_bytes([("全区汇总", district_table(district))])
    export = Export(data, REPORT_FORMATS["xlsx"][1], f"全区改造进度-{district['today']}.xlsx", "district-summary.xlsx")
    record_export(None, "district", "summary.xlsx", export, actor, now)
    return export
