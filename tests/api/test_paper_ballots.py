"""Paper (入户签字) and proxy (委托) ballots: entered with a photo by one worker, counted once another confirms."""
import io
import json

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from tests.factories import api_token, make_estate, make_user
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_images import PHP_AS_JPG, jpeg_with_gps
from voting.ballots.casting import cast_ballot
from voting.models.audit import AuditEvent
from voting.models.ballots import Ballot
from voting.models.rounds import RollEntry, Round


@pytest.fixture
def opened(client, db, clock):
    """An open round of SMALL_ROSTER, the worker who enters (sq) and a colleague who confirms (sq2)."""
    estate_id, enterer = estate_with_roster(client)
    make_user("community", "和睦街道", "和睦社区", username="sq2")
    checker = api_token(client, "sq2")
    round_id = create_round(client, create_proposal(client, estate_id, enterer), enterer, clock)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=enterer).status_code == 200
    units = {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}
    return {"estate_id": estate_id, "round_id": round_id, "enterer": enterer, "checker": checker, "units": units}


def enter(client, opened, label="1-2-201", choice="agree", kind="paper", scan=True, authorisation=False,
          headers=None, scan_bytes=None):
    data = {"household_id": str(opened["units"].get(label, 999999)), "choice": choice, "kind": kind}
    if scan:
        data["scan"] = (io.BytesIO(scan_bytes if scan_bytes is not None else jpeg_with_gps()), "IMG_0001.jpg")
    if authorisation:
        data["authorisation"] = (io.BytesIO(jpeg_with_gps((300, 400))), "委托书.jpg")
    return client.post(f"/api/v1/rounds/{opened['round_id']}/paper-ballots", data=data,
                       headers=headers or opened["enterer"], content_type="multipart/form-data")


def tally(client, opened):
    return client.get(f"/api/v1/rounds/{opened['round_id']}/tally", headers=opened["enterer"]).get_json()


def listing(client, opened, headers, status=None):
    query = f"?status={status}" if status else ""
    response = client.get(f"/api/v1/rounds/{opened['round_id']}/paper-ballots{query}", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def test_a_paper_ballot_counts_only_once_another_account_confirms_it(client, opened):
    created = enter(client, opened)
    assert created.status_code == 201
    entry_id = created.get_json()["id"]
    assert created.get_json() == {"id": entry_id, "status": "pending_confirmation"}
    assert tally(client, opened)["participating"]["heads"] == 0  # pending entries never count

    mine = listing(client, opened, opened["enterer"], "pending")[0]
    assert mine["unit"] == "1-2-201" and mine["owner_name"] == "李四" and mine["choice"] == "agree"
    assert mine["entered_by"] == "sq" and mine["may_decide"] is False
    assert listing(client, opened, opened["checker"], "pending")[0]["may_decide"] is True

    own = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["enterer"])
    assert own.status_code == 409 and "录入人不能确认" in own.get_json()["message"]
    confirmed = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"])
    assert confirmed.status_code == 200
    body = confirmed.get_json()
    assert body["status"] == "counted" and len(body["receipt"]) == 14

    after = tally(client, opened)
    assert after["agree"] == {"heads": 1, "area": "75.00"}
    ballot = client.get(f"/api/v1/ballots/{body['receipt']}").get_json()
    assert ballot["channel"] == "paper" and ballot["status"] == "counted"
    again = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"])
    assert again.status_code == 409 and "已被确认或退回" in again.get_json()["message"]
    assert client.post(f"/api/v1/paper-ballots/{entry_id}/reject", headers=opened["checker"],
                       json={"reason": "晚了"}).status_code == 409
    done = listing(client, opened, opened["enterer"], "done")
    assert [(e["id"], e["status"], e["decided_by"], e["receipt"]) for e in done] == [
        (entry_id, "counted", "sq2", body["receipt"])]
    assert listing(client, opened, opened["enterer"], "pending") == []


def test_the_stored_photo_has_no_exif_or_gps_and_is_served_privately(client, opened):
    entry_id = enter(client, opened).get_json()["id"]
    attachment = listing(client, opened, opened["checker"])[0]["attachments"][0]
    assert attachment["purpose"] == "scan" and attachment["content_type"] == "image/jpeg"
    photo = client.get(attachment["url"], headers=opened["checker"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert "no-store" in photo.headers["Cache-Control"] and photo.headers["X-Content-Type-Options"] == "nosniff"
    stored = Image.open(io.BytesIO(photo.data))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) and not stored.getexif()
    thumbnail = client.get(attachment["thumbnail_url"], headers=opened["checker"])
    assert thumbnail.status_code == 200 and max(Image.open(io.BytesIO(thumbnail.data)).size) <= 320
    assert client.get(f"/api/v1/paper-ballots/{entry_id}/files/{attachment['id'] + 1}",
                      headers=opened["checker"]).status_code == 404


def test_a_listed_photo_keeps_its_times_and_links_as_first_published(client, opened):
    # The list was first written without a schema: its photo times are HTTP dates, unlike
    # every other time in the API. Clients read them so; a schema must not change the format.
    entry_id = enter(client, opened).get_json()["id"]
    entry = listing(client, opened, opened["checker"])[0]
    attachment = entry["attachments"][0]
    assert attachment["created_at"] == "Tue, 01 Sep 2026 01:00:00 GMT"
    assert entry["entered_at"] == "2026-09-01T01:00:00+00:00"
    assert attachment["url"] == f"/api/v1/paper-ballots/{entry_id}/files/{attachment['id']}"
    assert attachment["thumbnail_url"] == attachment["url"] + "?thumbnail=1" and attachment["is_image"] is True


def test_a_proxy_ballot_needs_the_written_authorisation_and_counts_as_proxy(client, opened):
    missing = enter(client, opened, kind="proxy")
    assert missing.status_code == 422 and "授权委托书" in missing.get_json()["message"]
    assert listing(client, opened, opened["enterer"]) == []  # nothing written
    entry_id = enter(client, opened, kind="proxy", authorisation=True).get_json()["id"]
    files = listing(client, opened, opened["checker"])[0]["attachments"]
    assert sorted(a["purpose"] for a in files) == ["authorisation", "scan"]
    receipt = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"]).get_json()["receipt"]
    assert client.get(f"/api/v1/ballots/{receipt}").get_json()["channel"] == "proxy"


def test_a_paper_ballot_after_an_online_one_is_kept_as_a_duplicate_under_policy_first(client, db, opened, clock):
    cast_ballot(db.session.get(Round, opened["round_id"]), opened["units"]["1-1-102"], "disagree", "online", clock.now)
    db.session.commit()
    clock.advance(minutes=5)
    entry_id = enter(client, opened, label="1-1-101", choice="agree").get_json()["id"]  # same owner, other unit
    assert listing(client, opened, opened["checker"], "pending")[0]["voter_has_ballot"] is True
    body = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"]).get_json()
    assert body["status"] == "duplicate"
    assert client.get(f"/api/v1/ballots/{body['receipt']}").get_json()["status"] == "duplicate"
    result = tally(client, opened)
    assert result["disagree"]["heads"] == 1 and result["agree"]["heads"] == 0


def test_a_rejected_entry_needs_a_reason_never_counts_and_cannot_be_confirmed_after(client, opened):
    entry_id = enter(client, opened).get_json()["id"]
    url = f"/api/v1/paper-ballots/{entry_id}/reject"
    assert client.post(url, headers=opened["checker"], json={}).status_code == 422
    own = client.post(url, headers=opened["enterer"], json={"reason": "录错了"})
    assert own.status_code == 409
    rejected = client.post(url, headers=opened["checker"], json={"reason": "签字与名册业主不符"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"]).status_code == 409
    assert tally(client, opened)["participating"]["heads"] == 0
    done = listing(client, opened, opened["enterer"], "done")[0]
    assert done["status"] == "rejected" and done["note"] == "签字与名册业主不符" and done["receipt"] is None


@pytest.mark.parametrize("kwargs, status, field", [
    ({"scan": False}, 422, "scan"),
    ({"scan_bytes": PHP_AS_JPG}, 415, "scan"),
    ({"scan_bytes": b""}, 422, "scan"),
    ({"label": "no-such-room"}, 422, "household_id"),
    ({"choice": "maybe"}, 422, "choice"),
    ({"kind": "email"}, 422, "kind"),
])
def test_bad_entries_are_refused_in_chinese_and_write_nothing(client, opened, kwargs, status, field):
    response = enter(client, opened, **kwargs)
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    assert field in json.dumps(body["errors"])
    assert listing(client, opened, opened["enterer"]) == []


def test_entries_and_confirmations_need_an_open_round(client, db, opened, clock):
    entry_id = enter(client, opened).get_json()["id"]
    clock.advance(days=8)
    closed = client.post(f"/api/v1/rounds/{opened['round_id']}/close", headers=opened["enterer"])
    assert closed.status_code == 200
    late = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"])
    assert late.status_code == 409 and "不在进行中" in late.get_json()["message"]
    assert enter(client, opened).status_code == 409
    # A stale pending entry can still be sent back, so the list ends clean.
    assert client.post(f"/api/v1/paper-ballots/{entry_id}/reject", headers=opened["checker"],
                       json={"reason": "表决已截止"}).status_code == 200
    assert db.session.scalars(select(Ballot)).all() == []


def test_entries_outside_the_jurisdiction_do_not_exist(client, opened):
    entry_id = enter(client, opened).get_json()["id"]
    make_estate("其他小区", "米市巷街道", "其他社区")
    make_user("community", "米市巷街道", "其他社区", username="outsider")
    outsider = api_token(client, "outsider")
    rid = opened["round_id"]
    assert client.get(f"/api/v1/rounds/{rid}/paper-ballots", headers=outsider).status_code == 404
    assert enter(client, opened, headers=outsider).status_code == 404
    assert client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=outsider).status_code == 404
    assert client.post(f"/api/v1/paper-ballots/{entry_id}/reject", headers=outsider,
                       json={"reason": "x"}).status_code == 404
    assert client.get(f"/api/v1/paper-ballots/{entry_id}/files/1", headers=outsider).status_code == 404
    assert client.post("/api/v1/paper-ballots/99999/confirm", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/rounds/{rid}/paper-ballots").status_code == 401


def test_the_audit_log_records_entry_and_the_confirmed_ballot_without_names(client, db, opened):
    entry_id = enter(client, opened).get_json()["id"]
    receipt = client.post(f"/api/v1/paper-ballots/{entry_id}/confirm", headers=opened["checker"]).get_json()["receipt"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject == f"paper_entry:{entry_id}")
                                .order_by(AuditEvent.seq)).all()
    assert [(e.action, e.actor) for e in events] == [("paper_entered", "sq"), ("paper_confirmed", "sq2")]
    assert all("李四" not in e.data and "K002" not in e.data for e in events)
    assert "agree" not in events[0].data  # an entry is not a ballot until a second worker confirms it
    confirmed = json.loads(events[1].data)
    assert {k: confirmed[k] for k in ("household_id", "seq", "channel", "receipt", "choice", "outcome")} == {
        "household_id": opened["units"]["1-2-201"], "seq": 1, "channel": "paper", "receipt": receipt,
        "choice": "agree", "outcome": "counted"}
    assert confirmed["voter"].startswith("owner:V")  # the round's pseudonym, not the owner's key
    scan = listing(client, opened, opened["enterer"])[0]["attachments"][0]
    assert json.loads(events[0].data)["files"] == {"scan": scan["sha256"]}
