"""The staff account pages: one's own account, and the district (or a street office, for its
communities) managing street and community accounts."""
from sqlalchemy import select

from tests.factories import PASSWORD, api_token, csrf_token, make_user, page_login
from voting.models.accounts import StaffUser
from voting.models.audit import AuditEvent
from voting.models.estates import Community, Street

INITIAL = "initial-password-1"


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/account")})


def _places(db):
    make_user("community", "和睦街道", "和睦社区", username="hemu")
    make_user("community", "大关街道", "华丰社区", username="huafeng")
    hemu = db.session.scalar(select(Community).where(Community.name == "和睦社区"))
    huafeng = db.session.scalar(select(Community).where(Community.name == "华丰社区"))
    return hemu, huafeng


def test_own_account_page_shows_who_and_offers_the_password_change(client, db):
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    html = client.get("/account").get_data(as_text=True)
    assert "sq" in html and "社区工作者" in html and "修改密码" in html and "账号管理" not in html
    assert client.get("/staff").status_code == 403


def test_the_district_creates_disables_and_resets_street_and_community_accounts(app, client, db):
    hemu, _ = _places(db)
    make_user("district", username="qu")
    page_login(client, "qu")
    street = db.session.scalar(select(Street).where(Street.name == "和睦街道"))
    created = _post(client, "/staff", {"username": "jd-new", "role": "street", "street_id": street.id,
                                       "password": INITIAL})
    assert created.status_code == 302
    created = _post(client, "/staff", {"username": "sq-new", "role": "community", "community_id": hemu.id,
                                       "password": INITIAL})
    assert created.status_code == 302
    listing = client.get("/staff").get_data(as_text=True)
    assert "jd-new" in listing and "sq-new" in listing and "hemu" in listing
    new = db.session.scalar(select(StaffUser).where(StaffUser.username == "sq-new"))
    assert new.community_id == hemu.id
    worker = app.test_client()
    page_login(worker, "sq-new", INITIAL)
    assert _post(client, f"/staff/{new.id}/active", {"active": "0"}).status_code == 302
    assert worker.get("/estates").status_code == 302  # its session ended
    assert worker.post("/api/v1/auth/token", json={"username": "sq-new", "password": INITIAL}).status_code == 401
    assert _post(client, f"/staff/{new.id}/active", {"active": "1"}).status_code == 302
    assert _post(client, f"/staff/{new.id}/password", {"password": "reset-password-22"}).status_code == 302
    api_token(worker, "sq-new", "reset-password-22")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "qu")
                                 .order_by(AuditEvent.id)).all()
    assert [a for a in actions if a != "staff_login"] == ["staff_created", "staff_created", "staff_disabled",
                                                         "staff_enabled", "staff_password_set"]


def test_a_street_office_manages_only_the_community_accounts_of_its_street(client, db):
    hemu, huafeng = _places(db)
    make_user("street", "和睦街道", username="jd")
    page_login(client, "jd")
    listing = client.get("/staff").get_data(as_text=True)
    assert "hemu" in listing and "huafeng" not in listing
    ok = _post(client, "/staff", {"username": "sq-2", "role": "community", "community_id": hemu.id,
                                  "password": INITIAL})
    assert ok.status_code == 302
    foreign = _post(client, "/staff", {"username": "sq-3", "role": "community", "community_id": huafeng.id,
                                       "password": INITIAL})
    assert foreign.status_code == 422 and "本辖区" in foreign.get_data(as_text=True)
    street = _post(client, "/staff", {"username": "jd-2", "role": "street", "street_id": hemu.street_id,
                                      "password": INITIAL})
    assert street.status_code == 422
    other = db.session.scalar(select(StaffUser).where(StaffUser.username == "huafeng"))
    assert _post(client, f"/staff/{other.id}/active", {"active": "0"}).status_code == 404
    assert _post(client, f"/staff/{other.id}/password", {"password": "reset-password-22"}).status_code == 404
    assert db.session.scalar(select(StaffUser.username).where(StaffUser.username.in_(("sq-3", "jd-2")))) is None


def test_district_accounts_and_ones_own_account_are_not_managed_on_the_page(client, db):
    qu = make_user("district", username="qu")
    other = make_user("district", username="qu2")
    page_login(client, "qu")
    assert _post(client, f"/staff/{other.id}/active", {"active": "0"}).status_code == 404
    assert _post(client, f"/staff/{qu.id}/active", {"active": "0"}).status_code == 404
    assert client.post("/api/v1/auth/token", json={"username": "qu2", "password": PASSWORD}).status_code == 200


def test_bad_account_forms_are_422_or_409_in_chinese(client, db):
    hemu, _ = _places(db)
    make_user("district", username="qu")
    page_login(client, "qu")
    cases = [
        ({"username": "有 空格", "role": "community", "community_id": hemu.id, "password": INITIAL}, 422, "不含空格"),
        ({"username": "x1", "role": "community", "community_id": "", "password": INITIAL}, 422, "请选择社区"),
        ({"username": "x2", "role": "district", "password": INITIAL}, 422, "只能创建街道或社区账号"),
        ({"username": "x3", "role": "community", "community_id": hemu.id, "password": "short"}, 422, "至少需要"),
        ({"username": "hemu", "role": "community", "community_id": hemu.id, "password": INITIAL}, 409, "已被使用"),
        ({"username": "x4", "role": "community", "community_id": "abc", "password": INITIAL}, 422, ""),
    ]
    for form, status, text in cases:
        response = _post(client, "/staff", form)
        assert response.status_code == status, (form, response.status_code)
        assert text in response.get_data(as_text=True)
