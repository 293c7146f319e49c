"""No English rule id, status code or header in anything a community worker, street office or resident sees
(issue 18: "Chinese for people, English codes for machines").

Renders, from the full data set of community A (tests/full_dataset.py: an open round with links, an online
ballot, a paper ballot, a notice, reminders, an objection…), every GET of the url_map as each of them would:
the pages (HTML: visible text only), the report PDF (pdftotext), every XLSX (all cells) and every default CSV —
while the round is open, and again once it has closed. Machine text is left alone: JSON, `?headers=en` machine
exports, HTML attributes other than those read out (title, placeholder, aria-label, alt), hidden inputs,
<script>/<style>, and <code>/<kbd>/<samp>/<pre> (commands and file formats a page quotes verbatim), and URLs.

Forbidden, as whole tokens: every rule preset's id (voting/tally/rules.py), every code of every *_ZH table
(voting/labels_zh.py: statuses, channels, standings, choices…), the roster's English column names, and any
snake_case identifier (a code by its shape).
"""
import csv
import io
import re
import subprocess
from dataclasses import dataclass
from datetime import timedelta

import lxml.html
import openpyxl
import pytest

from tests.full_dataset import login_session
from tests.security.route_map import PUBLIC, calls, staff_rules
from tests.unit.test_qr_slips import needs_tool
from voting import labels_zh
from voting.roster.roster_import import COLUMNS
from voting.tally.rules import PRESETS

RULE_IDS = frozenset(PRESETS)
CODES = frozenset(code for name in dir(labels_zh) if name.endswith("_ZH")
                  for code in (getattr(labels_zh, name) if isinstance(getattr(labels_zh, name), dict) else ())
                  if isinstance(code, str) and re.fullmatch(r"[a-z][a-z0-9_-]*", code))
HEADER_WORDS = frozenset(COLUMNS) | {"household", "voter", "choice", "channel", "status", "cast_at", "receipt",
                                     "estate", "round", "stage", "heads", "area", "label", "owner"}
FORBIDDEN = RULE_IDS | CODES | HEADER_WORDS
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*")
SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
URL = re.compile(r"(?:https?://|/)[\w./?=&%#:~+-]*[\w/]")
READ_OUT = ("title", "placeholder", "aria-label", "alt")
MACHINE_TAGS = ("script", "style", "code", "kbd", "samp", "pre", "template")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_XFAIL = "roster exports default to Chinese in branch h/roster"
ROSTER_EXPORTS = {"estate_pages.roster_download", "estates.RosterExport"}
# Not for people: the API's own description, the service's public key, the signed bundle (machine files).
NOT_FOR_PEOPLE = {"api-docs.openapi_json", "evidence.PublicKey", "evidence.EvidenceBundle",
                  "evidence_pages.evidence_bundle", "static"}


def english(text: str) -> list[str]:
    """The forbidden tokens of `text` (URLs taken out first)."""
    text = URL.sub(" ", text)
    found = []
    for token in TOKEN.findall(text):
        if token in FORBIDDEN or token.lower() in HEADER_WORDS or SNAKE.fullmatch(token):
            found.append(token)
    return found


def visible_text(html: str) -> str:
    """What a person reads of a page: text outside machine elements, and the attributes read out."""
    root = lxml.html.fromstring(html)
    machine = [element for element in root.iter(*MACHINE_TAGS)]
    machine += [element for element in root.iter("input") if (element.get("type") or "").lower() == "hidden"]
    for element in machine:
        if element.getparent() is not None:
            element.drop_tree()
    parts = [root.text_content()]
    for element in root.iter():
        if isinstance(element.tag, str):
            parts += [element.get(attribute) for attribute in READ_OUT if element.get(attribute)]
    return "\n".join(parts)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "scan.pdf"
    path.write_bytes(data)
    return subprocess.run([needs_tool("pdftotext"), str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = [book.sheetnames and " ".join(book.sheetnames)]
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells += [str(value) for value in row if value is not None]
    return "\n".join(cells)


def csv_text(data: bytes) -> str:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    return "\n".join(" ".join(row) for row in rows)


@dataclass
class Finding:
    who: str
    what: str
    tokens: list[str]

    def __str__(self) -> str:
        return f"{self.who}: {self.what} → {sorted(set(self.tokens))}"


def scan(response, tmp_path) -> tuple[str, str] | None:
    """(kind, people's text) of a response people read, or None for machine answers and refusals."""
    if response.status_code != 200:
        return None
    kind = (response.mimetype or "").lower()
    if kind == "text/html":
        return "page", visible_text(response.get_data(as_text=True))
    if kind == "application/pdf":
        return "pdf", pdf_text(response.data, tmp_path)
    if kind == XLSX:
        return "xlsx", xlsx_text(response.data)
    if kind == "text/csv":
        return "csv", csv_text(response.data)
    return None


def _staff_views(app, client, dataset, tmp_path, username: str) -> tuple[list[Finding], set[str], int]:
    """Every staff GET as `username` (pages with its session, the API's files with its bearer token)."""
    findings, kinds, seen = [], set(), 0
    login_session(client, dataset.user_ids[username])
    for call in calls(staff_rules(app), dataset.ids, methods=("GET",)):
        if call.endpoint in NOT_FOR_PEOPLE:
            continue
        headers = dataset.headers[username] if call.is_api else {}
        read = scan(client.get(call.path, headers=headers), tmp_path)
        if read is None:
            continue
        seen += 1
        kinds.add(read[0])
        if tokens := english(read[1]):
            findings.append(Finding(username, f"{read[0]} {call}", tokens))
    with client.session_transaction() as session:
        session.clear()
    return findings, kinds, seen


def _resident_views(app, client, dataset, tmp_path) -> list[Finding]:
    """What anyone without an account reads: ballot pages of every link, receipts, the board."""
    findings = []
    paths = [call.path for call in calls([r for r in app.url_map.iter_rules() if r.endpoint in PUBLIC],
                                        dataset.ids, methods=("GET",)) if call.endpoint not in NOT_FOR_PEOPLE]
    paths += [link["path"] for link in dataset.links.values()]
    voted = dataset.links["1-1-101"]["path"]
    paths += [f"{voted}/receipts/{dataset.ids['receipt']}", "/receipts"]
    for path in paths:
        read = scan(client.get(path), tmp_path)
        if read is not None and (tokens := english(read[1])):
            findings.append(Finding("resident", f"{read[0]} GET {path}", tokens))
    return findings


def _everyone(app, client, dataset, tmp_path) -> tuple[list[Finding], set[str]]:
    findings, kinds = [], set()
    for username in ("a-worker", "a-street", "a-district"):
        found, seen_kinds, seen = _staff_views(app, client, dataset, tmp_path, username)
        assert seen > 10, f"{username} read only {seen} pages and files: the scan found nothing to scan"
        findings += found
        kinds |= seen_kinds
    return findings + _resident_views(app, client, dataset, tmp_path), kinds


def _assert_none(findings: list[Finding]) -> None:
    roster = [f for f in findings if any(endpoint in f.what for endpoint in ROSTER_EXPORTS)]
    others = [f for f in findings if f not in roster]
    assert not others, "English codes shown to people:\n" + "\n".join(map(str, others))
    if roster:
        pytest.xfail(f"{ROSTER_XFAIL}: " + "; ".join(map(str, roster)))


def test_the_scanner_catches_codes_and_leaves_machine_text_alone():
    html = ('<html><head><title>轮次</title><script>var s = "open";</script></head><body>'
            '<p>状态：open</p><a href="/rounds/1?status=open" data-status="closed">打开</a>'
            '<input type="hidden" name="channel" value="paper"><img alt="double-two-thirds">'
            '<code>owner_key</code><p>PDF 与 SMS</p></body></html>')
    assert sorted(english(visible_text(html))) == ["double-two-thirds", "open"]
    assert english("名册表头 building, Room 与 area_source") == ["building", "Room", "area_source"]
    assert english("见 http://vote.test/v/ab_open-cd 与 /api/v1/rounds/1/report.csv?headers=en") == []
    assert {"open", "agree", "online", "counted", "double-two-thirds"} <= FORBIDDEN


def test_nothing_people_see_names_an_english_code_while_the_round_is_open(app, client, dataset, tmp_path):
    findings, kinds = _everyone(app, client, dataset, tmp_path)
    assert {"page", "pdf", "xlsx", "csv"} <= kinds  # the report in every format was read
    _assert_none(findings)


def test_nor_once_the_round_has_closed_and_its_result_stands(app, client, dataset, clock, tmp_path):
    clock.advance(days=8)
    round_id = dataset.ids["round_id"]
    closed = client.post(f"/api/v1/rounds/{round_id}/close", headers=dataset.headers["a-worker"])
    assert closed.status_code == 200, closed.get_json()
    published = client.post(f"/api/v1/rounds/{round_id}/result", headers=dataset.headers["a-worker"],
                            json={"answers": []})
    assert published.status_code == 200, published.get_json()
    findings, kinds = _everyone(app, client, dataset, tmp_path)
    assert {"page", "pdf", "xlsx", "csv"} <= kinds
    _assert_none(findings)
