"""Staff pages: login, estate list and creation, roster upload with row errors, roster table."""
import io

from tests.factories import SMALL_ROSTER, csrf_token, make_estate, make_user, page_login, roster_csv


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


def test_district_creates_estate_from_the_list_page(client, db):
    make_user("district", username="qu")
    page_login(client, "qu")
    token = csrf_token(client, "/estates")
    response = client.post("/estates", data={"csrf_token": token, "name": "大关西苑", "street": "大关街道",
                                              "community": "西一社区", "built_year": "1992"})
    assert response.status_code == 302
    assert "大关西苑" in client.get(response.headers["Location"]).get_data(as_text=True)
    bad = client.post("/estates", data={"csrf_token": token, "name": "", "street": "大关街道",
                                        "community": "西一社区", "built_year": "abc"})
    assert bad.status_code == 422
    assert "未能创建" in bad.get_data(as_text=True)


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
