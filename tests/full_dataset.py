"""One of everything in community A, plus staff of other places, for the fuzz and security suites.

Staff accounts are made directly (one Argon2 hash per run, tokens issued without logging in);
the rest through the API, as a worker would, so every id the url_map can ask for exists:
estate, households, proposal, an open round with voting links, an online ballot (receipt),
a notice with a photo, a milestone with a document and a published site photo, a pending paper ballot with its scan,
queued SMS reminders, a pending link reissue request, an opinion. Community B (same street) and 大关街道 (another street)
exist with an estate each, so their staff are real users of real places.
"""
import io
from dataclasses import dataclass, field
from functools import cache

from PIL import Image
from sqlalchemy import select

from tests.ballots_helpers import fetch_links
from tests.factories import PASSWORD, make_estate, roster_csv
from tests.rounds_helpers import create_proposal, create_round
from voting.accounts.api_tokens import issue_token
from voting.accounts.cli import find_or_create_scope
from voting.accounts.passwords import hash_password
from voting.ballots.slip_jobs import queue_slip_job
from voting.extensions import db as _db
from voting.models.accounts import StaffUser
from voting.models.aftercare import AftercareEvent, AftercareProblem
from voting.models.attachments import Attachment
from voting.models.ballots import PaperEntry
from voting.models.estates import Street
from voting.models.rounds import Objection, Round
from voting.models.sms import OutboxMessage

ROSTER = roster_csv([
    "1,1,101,80.50,register,K001,张三明,13812341234,owned",
    "1,1,102,60.25,register,K001,张三明,13812341234,owned",
    "1,2,201,75.00,survey,K002,李四,13999887766,owned",
    "1,2,202,66.10,register,K003,欧阳小明,13700001111,owned",
    "2,,101,90.00,contract,,,,developer_unsold",
])
NOTICE = {"title": "和睦新村改造意愿征询公示", "body": "征询意愿，详见附件。", "starts_on": "2026-09-01",
          "working_days": 5}
# username → (role, street, community)
STAFF = {
    "a-district": ("district", None, None),
    "a-street": ("street", "和睦街道", None),
    "a-worker": ("community", "和睦街道", "和睦社区"),
    "a-checker": ("community", "和睦街道", "和睦社区"),
    "b-worker": ("community", "和睦街道", "华丰社区"),  # another community of the same street
    "b-street": ("street", "大关街道", None),  # another street
}


@dataclass
class Dataset:
    headers: dict  # username → bearer headers
    user_ids: dict  # username → staff user id (for page sessions: see `login_session`)
    ids: dict  # URL parameter name → a real id (or token/receipt) in community A
    links: dict = field(default_factory=dict)  # unit label → link (see ballots_helpers.fetch_links)


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()


@cache
def _password_hash() -> str:
    # Argon2 costs ~0.3 s a hash: one for the whole run instead of one per user per test.
    return hash_password(PASSWORD)


def make_staff(db, username: str, role: str, street: str | None, community: str | None) -> StaffUser:
    """A staff account like `flask users create` makes, without paying for a fresh Argon2 hash."""
    street_row, community_row = find_or_create_scope(street if role != "district" else None,
                                                     community if role == "community" else None)
    user = StaffUser(username=username, password_hash=_password_hash(), role=role,
                     street=street_row if role == "street" else None, community=community_row)
    db.session.add(user)
    db.session.commit()
    return user


def bearer(user: StaffUser) -> dict:
    return {"Authorization": f"Bearer {issue_token(user.id, user.session_version)}"}


def login_session(client, user_id: int) -> None:
    """Log `client` in as flask-login would after POST /login (no Argon2 verify)."""
    with client.session_transaction() as session:
        session["_user_id"] = _db.session.get(StaffUser, user_id).get_id()
        session["_fresh"] = True


def _ok(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()


def build_dataset(client, db, clock) -> Dataset:
    """Everything in community A (和睦街道/和睦社区), built by its workers through the API."""
    users = {username: make_staff(db, username, *place) for username, place in STAFF.items()}
    make_estate("华丰小区", "和睦街道", "华丰社区")  # made by the district user above
    make_estate("大关西苑", "大关街道", "西一社区")
    headers = {username: bearer(user) for username, user in users.items()}
    worker, checker = headers["a-worker"], headers["a-checker"]

    estate = make_estate("和睦新村", "和睦街道", "和睦社区")
    draft_estate = make_estate("和睦二村", "和睦街道", "和睦社区")  # no round: its roster may be replaced
    _ok(client.post(f"/api/v1/estates/{estate.id}/roster", headers=worker,
                    data={"file": (io.BytesIO(ROSTER), "roster.csv")}, content_type="multipart/form-data"), 200)
    households = {"-".join(p for p in (h["building"], h["unit"], h["room"]) if p): h["id"]
                  for h in _ok(client.get(f"/api/v1/estates/{estate.id}/households", headers=worker), 200)}
    proposal_id = create_proposal(client, estate.id, worker)
    round_id = create_round(client, proposal_id, worker, clock)
    notice = _ok(client.post(f"/api/v1/rounds/{round_id}/notices", headers=worker, json=NOTICE), 201)
    photo = _ok(client.post(f"/api/v1/notices/{notice['id']}/attachments", headers=worker,
                            data={"file": (io.BytesIO(png_bytes()), "现场照片.png"), "purpose": "site_photo"},
                            content_type="multipart/form-data"), 201)
    milestone = _ok(client.post(f"/api/v1/estates/{estate.id}/milestones", headers=worker,
                                json={"step": "application", "on_date": "2026-08-20"}), 201)
    document = _ok(client.post(f"/api/v1/milestones/{milestone['id']}/attachments", headers=worker,
                               data={"file": (io.BytesIO(jpeg_bytes()), "批复.jpg"), "purpose": "document"},
                               content_type="multipart/form-data"), 201)
    site = _ok(client.post(f"/api/v1/milestones/{milestone['id']}/attachments", headers=worker,
                           data={"file": (io.BytesIO(jpeg_bytes()), "现场.jpg"), "purpose": "site_photo"},
                           content_type="multipart/form-data"), 201)
    _ok(client.post(f"/api/v1/milestones/{milestone['id']}/attachments/{site['id']}/publication", headers=worker,
                    json={"published": True, "caption": "申报材料已报送"}), 200)  # on the public board
    _ok(client.post(f"/api/v1/rounds/{round_id}/open", headers=worker), 200)
    links = fetch_links(client, round_id, worker)
    ballot = _ok(client.post("/api/v1/ballots", json={"token": links["1-1-101"]["token"], "choice": "agree"}), 201)
    _ok(client.post(f"/api/v1/rounds/{round_id}/paper-ballots", headers=worker, content_type="multipart/form-data",
                    data={"household_id": str(households["1-2-201"]), "choice": "agree", "kind": "paper",
                          "scan": (io.BytesIO(jpeg_bytes()), "IMG_0001.jpg")}), 201)
    _ok(client.post(f"/api/v1/rounds/{round_id}/opinions", headers=checker,
                    json={"text": "希望加装电梯", "household_id": households["1-2-202"]}), 201)
    _ok(client.post(f"/api/v1/rounds/{round_id}/sms/reminders", headers=worker, json={}), 202)
    reissue = _ok(client.post(f"/api/v1/rounds/{round_id}/links/{households['1-2-202']}/reissue", headers=worker,
                              json={"reason": "二维码遗失"}), 202)  # pending: a second account confirms

    # An objection row (objections are filed after closing; this round stays open for the other routes).
    objection = Objection(round_id=round_id, household_id=households["1-1-101"], text="计票有误", channel="paper")
    db.session.add(objection)
    # An after-care problem (reported from a link once the works are decided), for its status routes.
    problem = AftercareProblem(estate_id=estate.id, household_id=households["1-1-101"], round_id=round_id,
                               text="楼道灯不亮", created_at=clock.now)
    db.session.add(problem)
    db.session.flush()
    db.session.add(AftercareEvent(problem_id=problem.id, status="pending", created_at=clock.now))
    db.session.commit()
    slip_job = queue_slip_job(db.session.get(Round, round_id), None, len(links), users["a-worker"], clock.now,
                              "api", "127.0.0.1")
    db.session.commit()  # a large round's slips, queued for the slips worker (asked for by a-worker)

    entry = db.session.scalar(select(PaperEntry).where(PaperEntry.round_id == round_id))
    scan = db.session.scalar(select(Attachment).where(Attachment.owner_type == "paper_entry",
                                                      Attachment.owner_id == entry.id))
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.round_id == round_id)
                                .order_by(OutboxMessage.id))
    street_id = db.session.scalar(select(Street.id).where(Street.name == "和睦街道"))
    token = links["1-2-202"]["token"]
    ids = {
        "estate_id": estate.id, "public_id": estate.public_id, "proposal_id": proposal_id, "round_id": round_id,
        "notice_id": notice["id"],
        "household_id": households["1-1-101"], "milestone_id": milestone["id"], "entry_id": entry.id,
        "message_id": message.id, "street_id": street_id, "receipt": ballot["receipt"], "token": token,
        "year": 2026, "draft_estate_id": draft_estate.id, "request_id": reissue["id"],
        "objection_id": objection.id, "problem_id": problem.id,
        "job_id": slip_job.id,
        "user_id": users["a-worker"].id,  # a community A account, which its street and the district manage
        # The attachment id depends on the owner named by the rule's other parameters.
        "attachment_id": {"notice_id": photo["id"], "milestone_id": document["id"], "entry_id": scan.id,
                          "public_id": site["id"]},  # a published site photo on the board
    }
    return Dataset(headers=headers, user_ids={name: user.id for name, user in users.items()}, ids=ids,
                   links=links)
