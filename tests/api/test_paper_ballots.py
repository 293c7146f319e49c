"""Paper (入户签字) and proxy (委托) ballots: entered with a photo by one worker, counted once another confirms."""
import io
import json

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from tests.factories import api_token, make_estate, make_user
from tests.rounds_helpers import create_proposal, create_round, estate_with_roster
from tests.unit.test_images import PHP_AS_JPG, jpeg_with_gps
from voting.ballots.casting import CastRefused, cast_ballot
from voting.models.audit import AuditEvent
from voting.models.ballots import Ballot, PaperEntry
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


# --- Signed times (issue 18 item 2): a paper ballot stands by when the owner signed it -----------------------

from datetime import datetime, timedelta, timezone  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from tests.evidence_helpers import evidence_key, zip_members  # noqa: E402,F401
from tests.rounds_helpers import T0  # noqa: E402
from voting.audit.keys import public_key_from_pem  # noqa: E402
from voting.evidence.bundle_verify import verify_bundle  # noqa: E402
from voting.models.estates import Street  # noqa: E402
from voting.rounds.round_tally import live_tally, module_tally  # noqa: E402
from voting.tally.cli import tally_command  # noqa: E402

CLOSES = T0 + timedelta(days=7)  # Tuesday 2026-09-08 09:00 in Hangzhou
GRACE_ENDS = datetime(2026, 9, 10, 0, 0, tzinfo=timezone(timedelta(hours=8)))  # 1 working day: Wed 09-09, 24:00


def _round(client, db, clock, policy, grace=None):
    estate_id, enterer = estate_with_roster(client)
    make_user("community", "和睦街道", "和睦社区", username="sq2")
    checker = api_token(client, "sq2")
    extra = {} if grace is None else {"paper_grace_working_days": grace}
    round_id = create_round(client, create_proposal(client, estate_id, enterer), enterer, clock, policy=policy, **extra)
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=enterer).status_code == 200
    units = {e.label: e.household_id for e in db.session.scalars(select(RollEntry).where(RollEntry.round_id == round_id))}
    return {"estate_id": estate_id, "round_id": round_id, "enterer": enterer, "checker": checker, "units": units}


def _enter_signed(client, opened, signed_at, label="1-2-201", choice="disagree"):
    data = {"household_id": str(opened["units"][label]), "choice": choice, "kind": "paper",
            "scan": (io.BytesIO(jpeg_with_gps()), "IMG_0002.jpg")}
    if signed_at is not None:
        data["signed_at"] = signed_at if isinstance(signed_at, str) else signed_at.isoformat()
    return client.post(f"/api/v1/rounds/{opened['round_id']}/paper-ballots", data=data, headers=opened["enterer"],
                       content_type="multipart/form-data")


def _online(db, opened, clock, label, choice):
    cast_ballot(db.session.get(Round, opened["round_id"]), opened["units"][label], choice, "online", clock.now)
    db.session.commit()


def _three_answers(app, client, db, opened, tmp_path):
    """The live tally (SQL), the pure module, the recount CLI on the bundle's files and the verifier: one answer."""
    round_ = db.session.get(Round, opened["round_id"])
    db.session.refresh(round_)
    online = tally(client, opened)
    if round_.status == "open":
        assert live_tally(round_) == module_tally(round_) == online
    bundle = client.get(f"/api/v1/rounds/{opened['round_id']}/evidence.zip", headers=opened["enterer"])
    assert bundle.status_code == 200, bundle.get_data(as_text=True)[:300]
    members = zip_members(bundle.data)
    (tmp_path / "roster.csv").write_bytes(members["roster.csv"])
    (tmp_path / "ballots.csv").write_bytes(members["ballots.csv"])
    manifest = json.loads(members["manifest.json"])
    cli = CliRunner().invoke(tally_command, [str(tmp_path / "roster.csv"), str(tmp_path / "ballots.csv"),
                                             "--rule", manifest["rule"]["id"], "--policy", manifest["policy"], "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == online == json.loads(members["tally.json"])
    key = public_key_from_pem(client.get("/api/v1/evidence/public-key").data)
    assert verify_bundle(bundle.data, key) == []
    return online, members["ballots.csv"].decode("utf-8-sig")


@pytest.mark.parametrize("policy", ["last", "first"])
def test_a_paper_ballot_signed_before_an_online_change_stands_by_its_signed_time_across_the_close(
        app, client, db, clock, evidence_key, tmp_path, policy):
    opened = _round(client, db, clock, policy)
    signed = T0 + timedelta(days=2)  # 李四 signs 不同意 at the door on day 2…
    clock.advance(days=3)
    _online(db, opened, clock, "1-2-201", "agree")  # …and votes 同意 online on day 3
    clock.now = CLOSES + timedelta(hours=5)  # after the close, in the grace period: online voting has stopped
    round_ = db.session.get(Round, opened["round_id"])
    with pytest.raises(CastRefused, match="表决已截止"):
        cast_ballot(round_, opened["units"]["1-1-101"], "agree", "online", clock.now)
    db.session.rollback()
    created = _enter_signed(client, opened, signed)
    assert created.status_code == 201, created.get_json()
    pending = listing(client, opened, opened["checker"], "pending")[0]
    assert pending["signed_at"] and datetime.fromisoformat(pending["signed_at"]) == signed
    assert pending["voter_has_ballot"] is True and pending["would_count"] is (policy == "first")
    confirmed = client.post(f"/api/v1/paper-ballots/{created.get_json()['id']}/confirm", headers=opened["checker"])
    assert confirmed.status_code == 200, confirmed.get_json()
    # Under "last" the later-expressed online 同意 stands; under "first" the earlier-signed paper 不同意.
    assert confirmed.get_json()["status"] == ("duplicate" if policy == "last" else "counted")
    receipt = client.get(f"/api/v1/ballots/{confirmed.get_json()['receipt']}").get_json()
    assert receipt["status"] == ("superseded" if policy == "last" else "counted")
    counted_choice = "agree" if policy == "last" else "disagree"
    during, ballots = _three_answers(app, client, db, opened, tmp_path)
    assert during[counted_choice]["heads"] == 1 and during["participating"]["heads"] == 1
    assert "2026-09-03T09:00:00+08:00" in ballots  # the signed time travels in ballots.csv
    assert db.session.get(Round, opened["round_id"]).result_notice_id is None  # provisional: no result notice yet

    runner = app.test_cli_runner()
    waiting = runner.invoke(args=["rounds", "close-due"])
    assert "纸质票补录期至 2026-09-09 24:00" in waiting.output and "本次截止 0 个轮次" in waiting.output
    clock.now = GRACE_ENDS
    closed = runner.invoke(args=["rounds", "close-due"])
    assert "本次截止 1 个轮次" in closed.output, closed.output
    db.session.expire_all()
    round_ = db.session.get(Round, opened["round_id"])
    assert round_.status == "closed" and round_.result_notice_id is not None
    after, _ = _three_answers(app, client, db, opened, tmp_path)
    assert after == during
    assert "本次截止 0 个轮次" in runner.invoke(args=["rounds", "close-due"]).output  # idempotent


def test_signed_times_are_checked_and_required_after_the_close_and_nothing_enters_after_the_grace_period(
        client, db, clock):
    opened = _round(client, db, clock, "last")
    clock.advance(days=1)
    before = _enter_signed(client, opened, T0 - timedelta(minutes=1))
    assert before.status_code == 422 and "不在本轮表决期间" in before.get_json()["message"]
    future = _enter_signed(client, opened, clock.now + timedelta(hours=1))
    assert future.status_code == 422 and "晚于现在" in future.get_json()["message"]
    old_client = _enter_signed(client, opened, None, label="1-1-101")  # no signed_at while open: the entry time
    assert old_client.status_code == 201
    entry = db.session.get(PaperEntry, old_client.get_json()["id"])
    assert entry.signed_at == entry.entered_at == clock.now
    beijing = _enter_signed(client, opened, "2026-09-01T15:30", label="1-1-102")  # no offset: Beijing time
    assert beijing.status_code == 201
    assert db.session.get(PaperEntry, beijing.get_json()["id"]).signed_at == T0 + timedelta(hours=6, minutes=30)

    clock.now = CLOSES + timedelta(hours=1)
    missing = _enter_signed(client, opened, None)
    assert missing.status_code == 400 and "须填写业主签署时间" in missing.get_json()["message"]
    after_close = _enter_signed(client, opened, CLOSES + timedelta(minutes=1))
    assert after_close.status_code == 422 and "不在本轮表决期间" in after_close.get_json()["message"]
    at_close = _enter_signed(client, opened, CLOSES)  # inclusive: signed at the closing minute
    assert at_close.status_code == 201
    round_json = client.get(f"/api/v1/rounds/{opened['round_id']}", headers=opened["enterer"]).get_json()
    assert round_json["paper_grace_working_days"] == 1
    assert datetime.fromisoformat(round_json["paper_grace_ends_at"]) == GRACE_ENDS

    clock.now = GRACE_ENDS
    late = _enter_signed(client, opened, CLOSES - timedelta(hours=1))
    assert late.status_code == 409 and "补录期已结束" in late.get_json()["message"]
    pending = client.post(f"/api/v1/paper-ballots/{at_close.get_json()['id']}/confirm", headers=opened["checker"])
    assert pending.status_code == 409 and "补录期已结束" in pending.get_json()["message"]


def test_without_a_grace_period_nothing_enters_after_the_close_and_close_due_closes_at_once(app, client, db, clock):
    opened = _round(client, db, clock, "first", grace=0)
    clock.now = CLOSES
    refused = _enter_signed(client, opened, CLOSES - timedelta(hours=1))
    assert refused.status_code == 409 and "不在进行中" in refused.get_json()["message"]
    assert "本次截止 1 个轮次" in app.test_cli_runner().invoke(args=["rounds", "close-due"]).output


def test_the_street_dashboard_flags_a_round_left_open_after_its_grace_period(client, db, clock):
    opened = _round(client, db, clock, "last")
    make_user("street", "和睦街道", username="jd")
    street = api_token(client, "jd")
    street_id = db.session.scalar(select(Street.id).where(Street.name == "和睦街道"))

    def row():
        return client.get(f"/api/v1/streets/{street_id}/summary", headers=street).get_json()["estates"][0]

    clock.now = CLOSES + timedelta(hours=1)
    assert row()["overdue"] is False and row()["paper_grace_zh"] == "暂定（纸质票补录期至 2026-09-09 24:00）"
    clock.now = GRACE_ENDS + timedelta(minutes=5)  # the close-due process did not run
    assert row()["overdue"] is True and row()["overdue_zh"] == "逾期未关闭"
    summary = client.get(f"/api/v1/streets/{street_id}/summary", headers=street).get_json()
    assert summary["totals"]["overdue"] == 1
