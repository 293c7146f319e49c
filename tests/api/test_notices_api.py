"""Notices: periods on the official calendar, never backdated, corrections as versions, clean attachments."""
import io
from datetime import date, datetime, timezone

import pytest
from PIL import Image

from notices.operations import notice_period_ended
from tests.factories import api_token, make_user
from tests.rounds_helpers import Clock, create_proposal, create_round, estate_with_roster
from tests.unit.test_images import PHP_AS_JPG, bomb_png, jpeg_with_gps, pdf
from voting.attachments.images import pdf_document
from voting.models.audit import AuditEvent
from voting.models.rounds import RoundTransition

# 2026-09-30 09:00 in Hangzhou: the day before National Day.
NOON_0930 = datetime(2026, 9, 30, 1, 0, tzinfo=timezone.utc)
NOTICE = {"title": "和睦新村综合改造方案公示", "body": "方案全文见附件。\n意见请交社区。",
          "starts_on": "2026-09-30", "working_days": 5}


@pytest.fixture
def clock(app):
    clock = Clock(NOON_0930)
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)


@pytest.fixture
def setup(client, db, clock):
    """An estate with a roll, its proposal and a draft round; `h` is the community worker's token."""
    estate_id, h = estate_with_roster(client)
    proposal_id = create_proposal(client, estate_id, h)
    round_id = create_round(client, proposal_id, h, clock, stage=1)
    return {"estate": estate_id, "proposal": proposal_id, "round": round_id, "h": h}


def publish(client, setup, **change):
    return client.post(f"/api/v1/rounds/{setup['round']}/notices", json=dict(NOTICE, **change), headers=setup["h"])


def audited(db, action: str) -> list[str]:
    return [e.subject for e in db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)]


def upload(client, notice_id, headers, data: bytes, name: str, purpose: str | None = None):
    form = {"file": (io.BytesIO(data), name)}
    if purpose:
        form["purpose"] = purpose
    return client.post(f"/api/v1/notices/{notice_id}/attachments", headers=headers, data=form,
                       content_type="multipart/form-data")


def test_round_notice_gets_its_period_and_a_down_transition(client, db, setup):
    response = publish(client, setup)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in ("starts_on", "ends_on", "working_days", "version")} == {
        "starts_on": "2026-09-30", "ends_on": "2026-10-13", "working_days": 5, "version": 1}
    assert body["period_zh"] == "公示期：2026-09-30 起 5 个工作日，至 2026-10-13 止"
    assert body["round_id"] == setup["round"] and body["supersedes_id"] is None
    step = db.session.query(RoundTransition).filter_by(round_id=setup["round"], action="notice_published").one()
    assert (step.direction, step.from_status, step.to_status, step.note) == ("down", "draft", "draft", NOTICE["title"])
    assert audited(db, "round_notice_published") == [f"round:{setup['round']}"]
    assert client.get(f"/api/v1/notices/{body['id']}", headers=setup["h"]).get_json()["ends_on"] == "2026-10-13"
    listed = client.get(f"/api/v1/rounds/{setup['round']}/notices", headers=setup["h"]).get_json()
    assert [n["id"] for n in listed] == [body["id"]]


def test_proposal_notice_links_the_latest_version(client, db, setup):
    revised = client.post(f"/api/v1/proposals/{setup['proposal']}/versions", headers=setup["h"], json={
        "title": "修订方案", "summary": "增加雨污分流", "items": ["R-B-01", "R-P-01"], "estimated_cost": "900000.00"})
    assert revised.status_code == 201, revised.get_json()
    response = client.post(f"/api/v1/proposals/{setup['proposal']}/notices", json=NOTICE, headers=setup["h"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["proposal_version_id"] == revised.get_json()["version_id"] and body["round_id"] is None
    assert audited(db, "notice_published") == [f"notice:{body['id']}"]
    assert body["ends_on"] == "2026-10-13"


def test_fewer_than_the_minimum_working_days_is_refused_naming_it(client, app, setup):
    for days in (4, 0, -2):
        response = publish(client, setup, working_days=days)
        assert response.status_code == 422 and response.get_json()["message"] == "公示期不得少于 5 个工作日"
    app.config["NOTICE_MIN_WORKING_DAYS"] = 7
    try:
        response = publish(client, setup, working_days=6)
        assert response.status_code == 422 and "7 个工作日" in response.get_json()["message"]
        assert publish(client, setup, working_days=7).status_code == 201
    finally:
        app.config.pop("NOTICE_MIN_WORKING_DAYS")


def test_a_notice_is_never_backdated_in_china_standard_time(client, setup, clock):
    # 2026-09-29 17:30 UTC is already 2026-09-30 01:30 in Hangzhou: "today" is the 30th.
    clock.now = datetime(2026, 9, 29, 17, 30, tzinfo=timezone.utc)
    refused = publish(client, setup, starts_on="2026-09-29")
    assert refused.status_code == 422 and "不能倒签" in refused.get_json()["message"]
    assert publish(client, setup, starts_on="2026-09-30").status_code == 201
    assert publish(client, setup, starts_on="2026-10-09").get_json()["ends_on"] == "2026-10-15"  # 10-10 counts


def test_a_period_into_an_unloaded_year_is_422_naming_it(client, setup, clock):
    clock.now = datetime(2026, 12, 28, 1, 0, tzinfo=timezone.utc)
    response = publish(client, setup, starts_on="2026-12-28")
    assert response.status_code == 422 and "2027年的法定节假日安排尚未录入" in response.get_json()["message"]
    assert client.get(f"/api/v1/rounds/{setup['round']}/notices", headers=setup["h"]).get_json() == []


@pytest.mark.parametrize("change", [
    {"title": ""}, {"body": "  "}, {"starts_on": "2026-02-30"}, {"working_days": "5"}, {"working_days": 400},
    {"kind": "secret"},
])
def test_bad_notice_bodies_are_422(client, setup, change):
    assert publish(client, setup, **change).status_code == 422


def test_notices_outside_the_jurisdiction_are_404(client, db, setup):
    make_user("community", "大关街道", "西一社区", username="far")
    far = api_token(client, "far")
    notice_id = publish(client, setup).get_json()["id"]
    for method, path in (("post", f"/api/v1/rounds/{setup['round']}/notices"),
                         ("get", f"/api/v1/rounds/{setup['round']}/notices"),
                         ("post", f"/api/v1/proposals/{setup['proposal']}/notices"),
                         ("get", f"/api/v1/notices/{notice_id}"),
                         ("post", f"/api/v1/notices/{notice_id}/corrections")):
        response = getattr(client, method)(path, headers=far, json=NOTICE)
        assert response.status_code == 404, (method, path)
    assert upload(client, notice_id, far, pdf(), "a.pdf").status_code == 404
    make_user("street", "和睦街道", username="jd")
    assert client.get(f"/api/v1/notices/{notice_id}", headers=api_token(client, "jd")).status_code == 200


def test_corrections_form_a_chain_and_only_the_newest_can_be_corrected(client, db, setup, clock):
    first = publish(client, setup).get_json()
    clock.now = datetime(2026, 10, 9, 1, 0, tzinfo=timezone.utc)
    fix = dict(NOTICE, title="和睦新村综合改造方案公示（更正）", starts_on="2026-10-09")
    second = client.post(f"/api/v1/notices/{first['id']}/corrections", json=fix, headers=setup["h"])
    assert second.status_code == 201, second.get_json()
    second = second.get_json()
    # The period restarts from the correction: 10-10 (make-up Saturday), 12, 13, 14, 15.
    assert (second["version"], second["supersedes_id"], second["ends_on"]) == (2, first["id"], "2026-10-15")
    assert second["round_id"] == setup["round"]
    again = client.post(f"/api/v1/notices/{first['id']}/corrections", json=fix, headers=setup["h"])
    assert again.status_code == 409 and "只能更正最新版本" in again.get_json()["message"]
    third = client.post(f"/api/v1/notices/{second['id']}/corrections", json=fix, headers=setup["h"]).get_json()
    assert third["version"] == 3
    # Every version stays, unchanged, and says what superseded it.
    old = client.get(f"/api/v1/notices/{first['id']}", headers=setup["h"]).get_json()
    assert old["title"] == NOTICE["title"] and old["ends_on"] == "2026-10-13" and old["superseded_by_id"] == second["id"]
    listed = client.get(f"/api/v1/rounds/{setup['round']}/notices", headers=setup["h"]).get_json()
    assert [n["version"] for n in listed] == [1, 2, 3]
    assert db.session.query(RoundTransition).filter_by(action="notice_published").count() == 3


def test_two_corrections_racing_for_one_version_give_409_not_500(client, db, setup, monkeypatch):
    first = publish(client, setup).get_json()
    path = f"/api/v1/notices/{first['id']}/corrections"
    assert client.post(path, json=NOTICE, headers=setup["h"]).status_code == 201
    # The loser of a race passed the "already corrected?" check before the winner committed.
    monkeypatch.setattr("notices.operations.successor_id", lambda notice_id: None)
    late = client.post(path, json=NOTICE, headers=setup["h"])
    assert late.status_code == 409 and "刚刚已被更正" in late.get_json()["message"]
    assert len(client.get(f"/api/v1/rounds/{setup['round']}/notices", headers=setup["h"]).get_json()) == 2


def test_a_correction_follows_the_same_rules(client, setup):
    first = publish(client, setup).get_json()
    path = f"/api/v1/notices/{first['id']}/corrections"
    assert client.post(path, json=dict(NOTICE, working_days=3), headers=setup["h"]).status_code == 422
    assert client.post(path, json=dict(NOTICE, starts_on="2026-09-29"), headers=setup["h"]).status_code == 422


def test_published_notices_cannot_be_changed(client, setup):
    notice_id = publish(client, setup).get_json()["id"]
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/notices/{notice_id}", json=NOTICE, headers=setup["h"])
        assert response.status_code == 405


def test_notice_period_ended_counts_the_newest_version_in_cst_days(client, db, setup, clock):
    assert notice_period_ended(setup["round"], date(2026, 9, 30)) is None
    first = publish(client, setup).get_json()
    assert notice_period_ended(setup["round"], date(2026, 10, 13)) is False  # runs until 24:00 of ends_on
    assert notice_period_ended(setup["round"], date(2026, 10, 14)) is True
    clock.now = datetime(2026, 10, 12, 1, 0, tzinfo=timezone.utc)
    fix = dict(NOTICE, starts_on="2026-10-12")
    client.post(f"/api/v1/notices/{first['id']}/corrections", json=fix, headers=setup["h"])
    assert notice_period_ended(setup["round"], date(2026, 10, 14)) is False  # the correction restarted it
    assert notice_period_ended(setup["round"], date(2026, 10, 20)) is True


def test_photo_attachment_is_stored_without_exif_and_served_safely(client, setup):
    notice_id = publish(client, setup).get_json()["id"]
    response = upload(client, notice_id, setup["h"], jpeg_with_gps((3000, 2000)), "IMG_2001.jpg", "site_photo")
    assert response.status_code == 201, response.get_json()
    meta = response.get_json()
    assert meta["content_type"] == "image/jpeg" and meta["purpose"] == "site_photo" and meta["is_image"]
    served = client.get(meta["url"])  # public: no token
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline;")
    image = Image.open(io.BytesIO(served.data))
    assert not image.getexif() and max(image.size) == 2000
    thumb = client.get(meta["thumbnail_url"])
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) == 320
    listed = client.get(f"/api/v1/notices/{notice_id}", headers=setup["h"]).get_json()["attachments"]
    assert [a["id"] for a in listed] == [meta["id"]]


def test_pdf_attachment_is_downloaded_not_shown(client, setup):
    notice_id = publish(client, setup).get_json()["id"]
    meta = upload(client, notice_id, setup["h"], pdf(), "改造方案.pdf").get_json()
    served = client.get(meta["url"])
    # served as qpdf re-saved it (voting/attachments/pdf_files.py)
    assert served.headers["Content-Type"] == "application/pdf" and served.data == pdf_document(pdf())
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "%E6%94%B9%E9%80%A0%E6%96%B9%E6%A1%88.pdf" in served.headers["Content-Disposition"]
    assert client.get(meta["url"].replace(str(meta["id"]), str(meta["id"] + 99))).status_code == 404


@pytest.mark.parametrize("data,name,status,words", [
    (PHP_AS_JPG, "shell.jpg", 415, "不支持的文件类型"),
    (pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "a.pdf", 422, "脚本"),
    (bomb_png(), "bomb.png", 422, "像素过多"),
    (b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024), "huge.jpg", 413, "10 MB"),
    (pdf(), "a.pdf", 422, "现场照片"),  # sent as a site photo
])
def test_unsafe_uploads_are_refused_with_4xx_and_store_nothing(client, setup, data, name, status, words):
    notice_id = publish(client, setup).get_json()["id"]
    purpose = "site_photo" if name == "a.pdf" and b"JavaScript" not in data else None
    response = upload(client, notice_id, setup["h"], data, name, purpose)
    assert response.status_code == status, response.get_json()
    assert words in response.get_json()["message"]
    assert client.get(f"/api/v1/notices/{notice_id}", headers=setup["h"]).get_json()["attachments"] == []


def test_request_over_the_server_limit_is_413_with_envelope(client, setup):
    notice_id = publish(client, setup).get_json()["id"]
    response = upload(client, notice_id, setup["h"], b"\0" * (21 * 1024 * 1024), "x.pdf")
    assert response.status_code == 413 and response.get_json()["code"] == 413


def test_upload_without_file_or_with_unknown_purpose_is_422(client, setup):
    notice_id = publish(client, setup).get_json()["id"]
    empty = client.post(f"/api/v1/notices/{notice_id}/attachments", headers=setup["h"], data={},
                        content_type="multipart/form-data")
    assert empty.status_code == 422
    assert upload(client, notice_id, setup["h"], pdf(), "a.pdf", "evidence").status_code == 422


def test_attachments_only_on_the_newest_version_before_its_period_begins(client, setup, clock):
    first = publish(client, setup).get_json()
    clock.now = datetime(2026, 10, 8, 1, 0, tzinfo=timezone.utc)  # the counted period has begun
    late = upload(client, first["id"], setup["h"], pdf(), "a.pdf")
    assert late.status_code == 409 and "公示期已于 2026-09-30 开始" in late.get_json()["message"]
    second = client.post(f"/api/v1/notices/{first['id']}/corrections", headers=setup["h"],
                         json=dict(NOTICE, starts_on="2026-10-08")).get_json()
    assert upload(client, second["id"], setup["h"], pdf(), "a.pdf").status_code == 201
    assert upload(client, first["id"], setup["h"], pdf(), "a.pdf").status_code == 409


def test_milestones_with_documents_visible_to_the_street_office(client, db, setup):
    path = f"/api/v1/estates/{setup['estate']}/milestones"
    created = client.post(path, headers=setup["h"], json={"step": "design", "planned_on": "2026-11-02",
                                                          "note": "委托杭州某设计院"})
    assert created.status_code == 201, created.get_json()
    milestone = created.get_json()
    assert milestone["step_zh"] == "设计委托" and milestone["attachments"] == []
    doc = client.post(f"/api/v1/milestones/{milestone['id']}/attachments", headers=setup["h"],
                      data={"file": (io.BytesIO(pdf()), "设计合同.pdf")}, content_type="multipart/form-data")
    assert doc.status_code == 201, doc.get_json()
    assert audited(db, "milestone_added") == [f"milestone:{milestone['id']}"]
    event = db.session.query(AuditEvent).filter_by(action="attachment_added").one()
    assert event.subject == f"milestone:{milestone['id']}" and doc.get_json()["sha256"] in event.data
    make_user("street", "和睦街道", username="jd")
    street = api_token(client, "jd")
    listed = client.get(path, headers=street).get_json()
    assert [(m["step"], m["planned_on"], m["actual_on"], len(m["attachments"])) for m in listed] == [
        ("design", "2026-11-02", None, 1)]
    served = client.get(listed[0]["attachments"][0]["url"], headers=street)
    assert served.status_code == 200 and served.data == pdf_document(pdf())
    assert client.get(listed[0]["attachments"][0]["url"]).status_code == 401  # not public
    make_user("street", "大关街道", username="dg")
    far = api_token(client, "dg")
    assert client.get(path, headers=far).status_code == 404
    assert client.get(listed[0]["attachments"][0]["url"], headers=far).status_code == 404


@pytest.mark.parametrize("body", [
    {"step": "demolition", "on_date": "2026-11-02"}, {"step": "design", "on_date": "11/02"}, {"step": "design"},
])
def test_bad_milestones_are_422(client, setup, body):
    response = client.post(f"/api/v1/estates/{setup['estate']}/milestones", headers=setup["h"], json=body)
    assert response.status_code == 422
