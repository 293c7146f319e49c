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
    assert street.status_code == 403 and "只有区住建局可以创建街道账号" in street.get_data(as_text=True)
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


def test_the_district_creates_streets_and_communities_on_the_page_and_accounts_pick_them(client, db):
    make_user("district", username="qu")
    page_login(client, "qu")
    page = client.get("/staff").get_data(as_text=True)
    assert "街道和社区" in page and "还没有街道" in page
    assert _post(client, "/staff/streets", {"name": "拱宸桥街道"}).status_code == 302
    street = db.session.scalar(select(Street).where(Street.name == "拱宸桥街道"))
    duplicate = _post(client, "/staff/streets", {"name": "拱宸桥街道"})
    assert duplicate.status_code == 409 and "已有名为“拱宸桥街道”的街道" in duplicate.get_data(as_text=True)
    assert 'value="拱宸桥街道"' in duplicate.get_data(as_text=True)  # what was typed is kept
    assert _post(client, "/staff/communities", {"street_id": street.id, "name": "桥西社区"}).status_code == 302
    twice = _post(client, "/staff/communities", {"street_id": street.id, "name": "桥西社区"})
    assert twice.status_code == 409 and "已有名为“桥西社区”的社区" in twice.get_data(as_text=True)
    unpicked = _post(client, "/staff/communities", {"street_id": "", "name": "桥东社区"})
    assert unpicked.status_code == 422 and "请选择街道" in unpicked.get_data(as_text=True)
    assert 'value="桥东社区"' in unpicked.get_data(as_text=True)
    assert _post(client, "/staff/communities", {"street_id": 999999, "name": "桥东社区"}).status_code == 422
    community = db.session.scalar(select(Community).where(Community.name == "桥西社区"))
    page = client.get("/staff").get_data(as_text=True)
    assert f'<option value="{community.id}" >拱宸桥街道 · 桥西社区</option>' in page
    made = _post(client, "/staff", {"username": "zhang", "role": "community", "community_id": community.id,
                                    "display_name": "张三", "post": "社区书记", "office_phone": "0571-87654321",
                                    "password": INITIAL})
    assert made.status_code == 302
    listing = client.get("/staff").get_data(as_text=True)
    assert "张三（社区书记）" in listing and "0571-87654321" in listing
    assert db.session.scalars(select(Street.name)).all() == ["拱宸桥街道"]  # nothing made from typed names


def test_place_forms_are_the_districts_only(client, db):
    hemu, _ = _places(db)
    make_user("street", "和睦街道", username="jd")
    page_login(client, "jd")
    page = client.get("/staff").get_data(as_text=True)
    assert "新建街道" not in page and "新建社区" not in page
    assert _post(client, "/staff/streets", {"name": "新街道"}).status_code == 403
    assert _post(client, "/staff/communities", {"street_id": hemu.street_id, "name": "新社区"}).status_code == 403
    assert db.session.scalar(select(Street.id).where(Street.name == "新街道")) is None


def test_a_bad_account_form_keeps_what_was_typed_but_not_the_password(client, db):
    hemu, _ = _places(db)
    make_user("district", username="qu")
    page_login(client, "qu")
    refused = _post(client, "/staff", {"username": "zhang", "role": "community", "community_id": hemu.id,
                                       "display_name": "张三", "post": "社区书记", "office_phone": "电话",
                                       "password": INITIAL})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "办公电话只能是" in html
    assert 'value="zhang"' in html and 'value="张三"' in html and 'value="社区书记"' in html
    assert f'<option value="{hemu.id}" selected>' in html and INITIAL not in html


def test_managers_edit_name_post_and_phone_within_jurisdiction(client, db):
    hemu, _ = _places(db)
    make_user("street", "和睦街道", username="jd")
    page_login(client, "jd")
    worker = db.session.scalar(select(StaffUser).where(StaffUser.username == "hemu"))
    other = db.session.scalar(select(StaffUser).where(StaffUser.username == "huafeng"))
    form = client.get(f"/staff/{worker.id}")
    assert form.status_code == 200 and 'name="post"' in form.get_data(as_text=True)
    bad = _post(client, f"/staff/{worker.id}/profile", {"display_name": "李四", "post": "社区主任",
                                                        "office_phone": "12"})
    assert bad.status_code == 422 and 'value="李四"' in bad.get_data(as_text=True)
    ok = _post(client, f"/staff/{worker.id}/profile", {"display_name": "李四", "post": "社区主任",
                                                       "office_phone": "0571-88001234"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert worker.person_zh == "李四（社区主任）" and worker.office_phone == "0571-88001234"
    assert "李四（社区主任）" in client.get("/staff").get_data(as_text=True)
    assert client.get(f"/staff/{other.id}").status_code == 404
    assert _post(client, f"/staff/{other.id}/profile", {"display_name": "x"}).status_code == 404
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_profile_changed"))
    assert event.actor == "jd" and "李四" not in event.data


def test_one_edits_ones_own_name_and_phone_but_not_ones_post(client, db):
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    page = client.get("/account").get_data(as_text=True)
    assert "姓名和办公电话" in page and 'name="post"' not in page
    bad = _post(client, "/account/profile", {"display_name": "王五", "office_phone": "x"})
    assert bad.status_code == 422 and 'value="王五"' in bad.get_data(as_text=True)
    assert _post(client, "/account/profile", {"display_name": "王五", "office_phone": "0571-88001234",
                                              "post": "书记"}).status_code == 302
    user = db.session.scalar(select(StaffUser).where(StaffUser.username == "sq"))
    assert (user.display_name, user.office_phone, user.post) == ("王五", "0571-88001234", None)
    page = client.get("/account").get_data(as_text=True)
    assert "王五" in page and "0571-88001234" in page
