"""The district's holiday calendar page (voting/calendar/pages.py): typed dates, checked, kept."""
import pytest

from tests.factories import csrf_token, make_user, page_login
from tests.pages.test_notice_board import text_of


def test_district_loads_a_year_through_the_form(client, db):
    make_user("district", username="qu")
    page_login(client, "qu")
    token = csrf_token(client, "/calendar")
    response = client.post("/calendar", data={
        "csrf_token": token, "year": "2027", "source": "国办发明电〔2026〕X号",
        "holidays": "2027-01-01~2027-01-03 元旦\n\n2027-02-06~2027-02-14 春节\n",
        "makeup_workdays": "2027-02-20\n"}, follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "已录入 2027 年的放假安排：放假 12 天，调休上班 1 天" in page and "2027-02-20" in page


@pytest.mark.parametrize("holidays,makeups,message", [
    ("2027-01-02", "", "未包含元旦"),
    ("2027-01-01\n二〇二七年一月二日", "", "第 2 行"),
    ("2027-01-01", "2027-02-22", "不是周六或周日"),
    ("2027-01-01~2026-12-01", "", "日期范围不对"),
])
def test_calendar_form_errors_are_shown_in_chinese(client, db, holidays, makeups, message):
    make_user("district", username="qu")
    page_login(client, "qu")
    response = client.post("/calendar", data={"csrf_token": csrf_token(client, "/calendar"), "year": "2027",
                                              "holidays": holidays, "makeup_workdays": makeups})
    assert response.status_code == 422 and message in text_of(response)
    assert holidays.splitlines()[0] in response.get_data(as_text=True)  # what was typed is kept


def test_calendar_page_is_district_only_and_csrf_protected(client, db):
    make_user("street", "和睦街道", username="jd")
    page_login(client, "jd")
    assert client.get("/calendar").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/estates")})
    make_user("district", username="qu")
    page_login(client, "qu")
    assert client.post("/calendar", data={"year": "2027", "holidays": "2027-01-01"}).status_code == 400


def test_calendar_form_checks_the_source_with_the_apis_schema(client, db):
    make_user("district", username="qu")
    page_login(client, "qu")
    response = client.post("/calendar", data={"csrf_token": csrf_token(client, "/calendar"), "year": "2027",
                                              "holidays": "2027-01-01", "source": "通" * 301})
    assert response.status_code == 422 and "来源最多 300 字" in response.get_data(as_text=True)
