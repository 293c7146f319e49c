"""Street dashboard pages, their navigation link, and report/bundle downloads from the pages."""
import io
import json
import zipfile

from openpyxl import load_workbook
from sqlalchemy import select

from tests.evidence_helpers import evidence_key, street  # noqa: F401
from tests.factories import make_user, page_login
from voting.models.audit import AuditEvent


def test_district_sees_every_street_and_opens_one(client, street):
    page_login(client, "factory-district")
    index = client.get("/streets")
    html = index.get_data(as_text=True)
    assert index.status_code == 200 and "和睦街道" in html and "大关街道" in html
    assert f'href="/streets/{street["id"]}"' in html
    assert 'href="/streets"' in client.get("/estates").get_data(as_text=True)  # the top navigation link
    page = client.get(f"/streets/{street['id']}").get_data(as_text=True)
    for text in ("和睦新村", "东园小区", "西园小区", "未通过", "按目前票数", "未开始征询", "公示中", "至 2026-09-16",
                 "<th>结果状态</th>", "<td>结果公告中（异议期，尚未最终确认）</td>", "<td>尚未截止</td>",
                 "申报（2026-09-09）", "下载 Excel（.xlsx）", "下载 CSV"):
        assert text in page, text
    assert "大关新村" not in page
    closed_round = street["closed"].round_id
    assert f"/rounds/{closed_round}/report.pdf" in page and f"/rounds/{closed_round}/evidence.zip" in page


def test_street_office_lands_on_its_street_and_downloads(client, db, street):
    make_user("street", "和睦街道", username="hm-street")
    page_login(client, "hm-street")
    landing = client.get("/streets")
    assert landing.status_code == 302 and landing.headers["Location"].endswith(f"/streets/{street['id']}")
    assert client.get(f"/streets/{street['other']}").status_code == 404
    xlsx = client.get(f"/streets/{street['id']}/summary.xlsx")
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data), read_only=True).active.iter_rows(values_only=True))
    assert {r[1] for r in rows[1:]} == {"和睦新村", "东园小区", "西园小区"}
    round_id = street["closed"].round_id
    pdf = client.get(f"/rounds/{round_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    bundle = client.get(f"/rounds/{round_id}/evidence.zip")
    assert bundle.status_code == 200 and "manifest.sig" in zipfile.ZipFile(io.BytesIO(bundle.data)).namelist()
    kinds = [json.loads(e.data)["kind"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export_made").order_by(AuditEvent.id))]
    assert kinds == ["summary.xlsx", "report.pdf", "evidence.zip"]


def test_community_workers_get_no_dashboard_and_no_link(client, street):
    page_login(client, "sq")
    assert 'href="/streets"' not in client.get("/estates").get_data(as_text=True)
    assert client.get("/streets").status_code == 404
    assert client.get(f"/streets/{street['id']}").status_code == 404
    assert client.get(f"/streets/{street['id']}/summary.csv").status_code == 404
    # Their own round's report is theirs to download; another community's is not found.
    assert client.get(f"/rounds/{street['closed'].round_id}/report.csv").status_code == 200
    assert client.get(f"/rounds/{street['live_round']}/report.csv").status_code == 404


def test_pages_need_a_login(client, street):
    for path in ("/streets", f"/streets/{street['id']}", f"/rounds/{street['closed'].round_id}/evidence.zip"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
