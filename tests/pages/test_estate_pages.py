"""Staff pages: login, estate list and creation, roster upload with row errors, roster table."""
import io
import re

from sqlalchemy import select

from tests.factories import SMALL_ROSTER, csrf_token, make_estate, make_user, page_login, roster_csv
from voting.models.estates import Community, Estate


def test_pages_require_login_and_redirect_to_it(client, db):
    response = client.get("/estates")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_page_rejects_wrong_password_in_chinese(client, db):
    make_user("district", username="qu")
    token = csrf_token(client)
    response = client.post("/login", data={"username": "qu", "password": "nope-nope", "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_login_form_without_csrf_token_is_refused(client, db):
    make_user("district", username="qu")
    response = client.post("/login", data={"username": "qu", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_login_does_not_redirect_off_site(client, db):
    make_user("district", username="qu")
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/", data={
        "username": "qu", "password": "correct-horse-battery", "csrf_token": token})
    assert response.headers["Location"] == "/estates"


def test_worker_uploads_roster_and_sees_table(client, db):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    detail = client.get(f"/estates/{estate.id}").get_data(as_text=True)
    assert "和睦新村" in detail and "导入名册" in detail
    token = csrf_token(client, f"/estates/{estate.id}")
    response = client.post(f"/estates/{estate.id}/roster", data={
        "csrf_token": token, "file": (io.BytesIO(SMALL_ROSTER), "名册.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/estates/{estate.id}").get_data(as_text=True)
    assert "5 户（专有部分），业主人数 3" in page
    assert "名册.csv" in page
    table = client.get(f"/estates/{estate.id}/households").get_data(as_text=True)
    assert "张三明" in table and "75.00*" in table and "开发商未售" in table


def test_roster_upload_page_lists_row_errors_and_writes_nothing(client, db):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    bad = roster_csv(["1,1,101,-5,register,K1,张三,,owned", "1,1,101,50,register,K2,李四,12345,owned"])
    token = csrf_token(client, f"/estates/{estate.id}")
    response = client.post(f"/estates/{estate.id}/roster", data={
        "csrf_token": token, "file": (io.BytesIO(bad), "bad.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未导入任何数据" in html
    assert "<td class=\"num\">2</td>" in html and "<td class=\"num\">3</td>" in html
    assert "0 户（专有部分）" in html


def test_other_communitys_estate_page_is_404(client, db):
    other = make_estate("大关西苑", "大关街道", "西一社区")
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    response = client.get(f"/estates/{other.id}")
    assert response.status_code == 404
    assert "找不到该小区" in response.get_data(as_text=True)


def _community_id(db, name: str) -> int:
    return db.session.scalar(select(Community.id).where(Community.name == name))


def _options(html: str) -> dict[str, list[str]]:
    """The estate form's community select: street (optgroup) → community names, in page order."""
    select_html = re.search(r'<select name="community_id".*?</select>', html, re.S).group(0)
    return {street: re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', body)
            for street, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_html, re.S)}


def test_district_creates_estate_from_the_list_page(client, db):
    make_user("district", username="qu")
    make_user("community", "大关街道", "西一社区", username="sq")  # the places, made as /staff makes them
    page_login(client, "qu")
    token = csrf_token(client, "/estates")
    xiyi = _community_id(db, "西一社区")
    response = client.post("/estates", data={"csrf_token": token, "name": "大关西苑", "community_id": str(xiyi),
                                              "built_year": "1992"})
    assert response.status_code == 302
    assert "大关西苑" in client.get(response.headers["Location"]).get_data(as_text=True)
    bad = client.post("/estates", data={"csrf_token": token, "name": "", "community_id": str(xiyi),
                                        "built_year": "abc"})
    assert bad.status_code == 422
    assert "未能创建" in bad.get_data(as_text=True)


def test_the_estate_form_picks_from_the_users_communities_and_keeps_the_choice(client, db):
    make_user("district", username="qu")
    make_user("community", "大关街道", "西一社区", username="sq1")
    make_user("community", "大关街道", "西二社区", username="sq2")
    make_user("community", "和睦街道", "和睦社区", username="sq3")
    make_user("street", "大关街道", username="jd")
    page_login(client, "qu")
    html = client.get("/estates").get_data(as_text=True)
    assert _options(html) == {"和睦街道": ["和睦社区"], "大关街道": ["西一社区", "西二社区"]}
    assert 'href="/staff"' in html and 'name="street"' not in html  # new places: on /staff, not typed here
    client.post("/logout", data={"csrf_token": csrf_token(client, "/estates")})

    page_login(client, "jd")
    token = csrf_token(client, "/estates")
    html = client.get("/estates").get_data(as_text=True)
    assert _options(html) == {"大关街道": ["西一社区", "西二社区"]}
    assert 'href="/staff"' not in html and "联系区住建局" not in html
    xier = _community_id(db, "西二社区")
    bad = client.post("/estates", data={"csrf_token": token, "name": "大关北苑", "community_id": str(xier),
                                        "address": "大关路 3 号", "built_year": "19x"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert re.search(rf'<option value="{xier}"\s+selected>西二社区</option>', html)
    assert 'value="大关北苑"' in html and 'value="大关路 3 号"' in html and 'value="19x"' in html
    # another street's community, sent by hand, is not among the choices: refused, nothing created
    other = client.post("/estates", data={"csrf_token": token, "name": "和睦北苑",
                                          "community_id": str(_community_id(db, "和睦社区")), "built_year": "1990"})
    assert other.status_code == 422 and "社区：请选择社区" in other.get_data(as_text=True)
    assert db.session.scalar(select(Estate.id).where(Estate.name == "和睦北苑")) is None
    created = client.post("/estates", data={"csrf_token": token, "name": "大关北苑", "community_id": str(xier),
                                            "built_year": "1990"})
    assert created.status_code == 302
    estate = db.session.scalar(select(Estate).where(Estate.name == "大关北苑"))
    assert (estate.community.street.name, estate.community.name) == ("大关街道", "西二社区")


def test_masked_and_full_roster_downloads(client, db):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username="sq")
    page_login(client, "sq")
    token = csrf_token(client, f"/estates/{estate.id}")
    client.post(f"/estates/{estate.id}/roster", data={
        "csrf_token": token, "file": (io.BytesIO(SMALL_ROSTER), "r.csv")}, content_type="multipart/form-data")
    masked = client.get(f"/estates/{estate.id}/roster.csv").get_data()
    full = client.get(f"/estates/{estate.id}/roster.csv?full=1").get_data()
    assert "张*明".encode() in masked and "张三明".encode() not in masked and b"13812341234" not in masked
    assert b"K001" not in masked and b"V0001" in masked
    assert "张三明".encode() in full and b"K001" in full
