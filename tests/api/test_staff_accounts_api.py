"""/api/v1 staff accounts, streets and communities: who may create and manage what, duplicates
refused (409, Chinese), profile fields validated and audited."""
import pytest
from sqlalchemy import select

from tests.factories import api_token, make_user
from voting.models.accounts import StaffUser
from voting.models.audit import AuditEvent
from voting.models.estates import Community, Street

INITIAL = "initial-password-1"


@pytest.fixture
def staff(client, db):
    """The district, the office of 和睦街道 (communities 和睦社区, 华丰社区) and a worker of 大关街道/西一社区."""
    make_user("district", username="qu")
    make_user("street", "和睦街道", username="jd")
    make_user("community", "和睦街道", "和睦社区", username="hemu")
    make_user("community", "和睦街道", "华丰社区", username="huafeng")
    make_user("community", "大关街道", "西一社区", username="xiyi")
    return {name: api_token(client, name) for name in ("qu", "jd", "hemu")}


def _id(db, model, name):
    return db.session.scalar(select(model.id).where(model.name == name))


def _user(db, username):
    db.session.expire_all()
    return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


def test_the_district_creates_streets_and_communities_explicitly_and_duplicates_are_409(client, db, staff):
    qu = staff["qu"]
    made = client.post("/api/v1/streets", json={"name": "拱宸桥街道"}, headers=qu)
    assert made.status_code == 201 and made.get_json()["name"] == "拱宸桥街道"
    street_id = made.get_json()["id"]
    again = client.post("/api/v1/streets", json={"name": "拱宸桥街道"}, headers=qu)
    assert again.status_code == 409 and "已有名为“拱宸桥街道”的街道" in again.get_json()["message"]
    community = client.post(f"/api/v1/streets/{street_id}/communities", json={"name": "桥西社区"}, headers=qu)
    assert community.status_code == 201 and community.get_json()["street_id"] == street_id
    twice = client.post(f"/api/v1/streets/{street_id}/communities", json={"name": "桥西社区"}, headers=qu)
    assert twice.status_code == 409 and "已有名为“桥西社区”的社区" in twice.get_json()["message"]
    # the same community name under another street is another community
    hemu_street = _id(db, Street, "和睦街道")
    assert client.post(f"/api/v1/streets/{hemu_street}/communities", json={"name": "桥西社区"},
                       headers=qu).status_code == 201
    listed = client.get(f"/api/v1/streets/{street_id}/communities", headers=qu).get_json()
    assert [c["name"] for c in listed] == ["桥西社区"]
    for bad in ("", "   ", " 拱宸桥街道", "有 空格", "街" * 101):
        refused = client.post("/api/v1/streets", json={"name": bad}, headers=qu)
        assert refused.status_code == 422, bad
    events = db.session.execute(select(AuditEvent.action, AuditEvent.actor)
                                .where(AuditEvent.action.in_(("street_created", "community_created")),
                                       AuditEvent.actor == "qu")).all()
    assert sorted(a for a, _ in events) == ["community_created", "community_created", "street_created"]


def test_a_street_office_cannot_create_places_and_sees_only_its_own_street(client, db, staff):
    jd, hemu = staff["jd"], staff["hemu"]
    own, other = _id(db, Street, "和睦街道"), _id(db, Street, "大关街道")
    refused = client.post("/api/v1/streets", json={"name": "新街道"}, headers=jd)
    assert refused.status_code == 403 and "区住建局" in refused.get_json()["message"]
    refused = client.post(f"/api/v1/streets/{own}/communities", json={"name": "新社区"}, headers=jd)
    assert refused.status_code == 403
    assert client.post(f"/api/v1/streets/{other}/communities", json={"name": "新社区"}, headers=jd).status_code == 404
    assert client.get(f"/api/v1/streets/{other}/communities", headers=jd).status_code == 404
    names = {c["name"] for c in client.get(f"/api/v1/streets/{own}/communities", headers=jd).get_json()}
    assert names == {"和睦社区", "华丰社区"}
    assert client.get(f"/api/v1/streets/{own}/communities", headers=hemu).status_code == 404
    assert client.post("/api/v1/streets", json={"name": "新街道"}, headers=hemu).status_code == 403
    assert db.session.scalar(select(Street.id).where(Street.name == "新街道")) is None
    assert db.session.scalar(select(Community.id).where(Community.name == "新社区")) is None


def test_accounts_are_created_with_name_post_and_phone_within_jurisdiction(client, db, staff):
    jd = staff["jd"]
    hemu_c, xiyi_c = _id(db, Community, "和睦社区"), _id(db, Community, "西一社区")
    made = client.post("/api/v1/accounts", headers=jd, json={
        "username": "zhang", "role": "community", "community_id": hemu_c, "password": INITIAL,
        "display_name": " 张三 ", "post": "社区书记", "office_phone": "0571-87654321"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["person_zh"] == "张三（社区书记）" and body["office_phone"] == "0571-87654321"
    assert "password" not in body and "password_hash" not in body
    outside = client.post("/api/v1/accounts", headers=jd, json={
        "username": "li", "role": "community", "community_id": xiyi_c, "password": INITIAL})
    assert outside.status_code == 422 and "本辖区" in outside.get_json()["message"]
    street_account = client.post("/api/v1/accounts", headers=jd, json={
        "username": "jd2", "role": "street", "street_id": _id(db, Street, "和睦街道"), "password": INITIAL})
    assert street_account.status_code == 403 and "区住建局" in street_account.get_json()["message"]
    taken = client.post("/api/v1/accounts", headers=jd, json={
        "username": "zhang", "role": "community", "community_id": hemu_c, "password": INITIAL})
    assert taken.status_code == 409 and "已被使用" in taken.get_json()["message"]
    listed = {a["username"] for a in client.get("/api/v1/accounts", headers=jd).get_json()}
    assert listed == {"hemu", "huafeng", "zhang"}
    assert client.get("/api/v1/accounts", headers=staff["hemu"]).get_json() == []
    by_worker = client.post("/api/v1/accounts", headers=staff["hemu"], json={
        "username": "wu", "role": "community", "community_id": hemu_c, "password": INITIAL})
    assert by_worker.status_code == 403 and _user(db, "wu") is None
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_created",
                                                         AuditEvent.actor == "jd"))
    # the audit log names which fields were set, never the person's name or phone
    assert '"profile":["display_name","post","office_phone"]' in created.data.replace(" ", "")
    assert "张三" not in created.data and "87654321" not in created.data


def test_profile_fields_are_validated(client, db, staff):
    hemu_c = _id(db, Community, "和睦社区")
    cases = [
        ({"office_phone": "abc"}, "office_phone"),
        ({"office_phone": "12345"}, "office_phone"),
        ({"office_phone": "0571-87654321-"}, "office_phone"),
        ({"office_phone": " 0571-87654321"}, "office_phone"),
        ({"office_phone": "1" * 21}, "office_phone"),
        ({"display_name": "张" * 41}, "display_name"),
        ({"post": "书记\n主任"}, "post"),
    ]
    for extra, field in cases:
        response = client.post("/api/v1/accounts", headers=staff["qu"], json={
            "username": "x1", "role": "community", "community_id": hemu_c, "password": INITIAL, **extra})
        assert response.status_code == 422, extra
        assert field in str(response.get_json()["errors"]), response.get_json()
    assert _user(db, "x1") is None
    for phone in ("0571-87654321", "87654321", "13812345678", "0571-8765-4321"):
        ok = client.patch("/api/v1/account", headers=staff["hemu"], json={"office_phone": phone})
        assert ok.status_code == 200 and ok.get_json()["office_phone"] == phone


def test_managers_edit_profiles_and_disable_within_jurisdiction_only(client, db, staff):
    jd, qu = staff["jd"], staff["qu"]
    hemu, xiyi, jd_user = _user(db, "hemu"), _user(db, "xiyi"), _user(db, "jd")
    changed = client.patch(f"/api/v1/accounts/{hemu.id}", headers=jd,
                           json={"display_name": "李四", "post": "社区主任"})
    assert changed.status_code == 200 and changed.get_json()["person_zh"] == "李四（社区主任）"
    assert client.patch(f"/api/v1/accounts/{xiyi.id}", headers=jd, json={"post": "x"}).status_code == 404
    assert client.get(f"/api/v1/accounts/{xiyi.id}", headers=jd).status_code == 404
    assert client.patch(f"/api/v1/accounts/{jd_user.id}", headers=jd, json={"post": "x"}).status_code == 404
    assert client.patch(f"/api/v1/accounts/{xiyi.id}", headers=qu, json={"post": "社区书记"}).status_code == 200
    # the holder edits their own name and phone, not their post
    own = client.patch("/api/v1/account", headers=staff["hemu"], json={"display_name": "李小四", "post": "书记"})
    assert own.status_code == 422
    own = client.patch("/api/v1/account", headers=staff["hemu"], json={"display_name": "李小四"})
    assert own.status_code == 200 and own.get_json()["person_zh"] == "李小四（社区主任）"
    # clearing: "" and null
    cleared = client.patch(f"/api/v1/accounts/{hemu.id}", headers=jd, json={"post": "", "display_name": None})
    assert cleared.get_json()["person_zh"] == "hemu" and cleared.get_json()["post"] is None
    # disabling ends its tokens at once
    assert client.patch(f"/api/v1/accounts/{hemu.id}", headers=jd, json={"active": False}).status_code == 200
    assert client.get("/api/v1/account", headers=staff["hemu"]).status_code == 401
    assert client.patch(f"/api/v1/accounts/{xiyi.id}", headers=jd, json={"active": False}).status_code == 404
    assert _user(db, "xiyi").active
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.actor).where(
        AuditEvent.subject == f"staff:{hemu.id}").order_by(AuditEvent.id)).all()
    assert [a for a in actions if a[0] != "staff_login"] == [
        ("staff_profile_changed", "jd"), ("staff_profile_changed", "hemu"), ("staff_profile_changed", "jd"),
        ("staff_disabled", "jd")]
