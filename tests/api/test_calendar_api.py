"""Working-day calendar API pinned on real dates, and yearly schedules loaded by the district."""
import pytest

from tests.factories import api_token, make_user
from voting.models.audit import AuditEvent
from voting.models.calendar import CalendarYear

URL = "/api/v1/calendar/working-days"

# A plausible 2027 schedule (the real one is published late in 2026): 元旦 on Friday 1 January.
SCHEDULE_2027 = {
    "holidays": ["2027-01-01", "2027-01-02", "2027-01-03",
                 "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
                 "2027-02-12", "2027-02-13", "2027-02-14"],
    "makeup_workdays": ["2027-02-20"],
    "source": "国办发明电〔2026〕X号（测试）",
}


@pytest.fixture
def district(client, db):
    make_user("district", username="qu")
    return api_token(client, "qu")


@pytest.fixture
def street(client, db):
    make_user("street", "和睦街道", username="jd")
    return api_token(client, "jd")


def ends_on(client, headers, start, days):
    response = client.get(URL, query_string={"start": start, "days": days}, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["start"] == start and body["days"] == days
    return body["ends_on"]


@pytest.mark.parametrize("start,days,expected", [
    ("2026-09-30", 5, "2026-10-13"),  # National Day; the make-up Saturday 10-10 counts
    ("2026-02-13", 5, "2026-02-27"),  # Spring Festival; make-up Saturday 02-14 counts
    ("2026-09-18", 1, "2026-09-20"),  # make-up Sunday 09-20 is the first working day
    ("2025-12-31", 1, "2026-01-04"),  # New Year 01-01..03 off, make-up Sunday 01-04
    ("2025-12-31", 2, "2026-01-05"),
    ("2026-10-09", 1, "2026-10-10"),  # Friday → the make-up Saturday, not Monday
])
def test_working_days_on_the_official_calendar(client, street, start, days, expected):
    assert ends_on(client, street, start, days) == expected


def test_any_staff_role_may_compute_but_not_anonymous(client, db):
    make_user("community", "和睦街道", "和睦社区", username="sq")
    assert ends_on(client, api_token(client, "sq"), "2026-09-30", 5) == "2026-10-13"
    response = client.get(URL, query_string={"start": "2026-09-30", "days": 5})
    assert response.status_code == 401 and response.get_json()["code"] == 401


def test_period_into_unloaded_year_is_422_naming_the_year(client, street):
    response = client.get(URL, query_string={"start": "2026-12-28", "days": 5}, headers=street)
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"].startswith("2027年的法定节假日安排尚未录入")
    assert body["errors"] == {"year": ["2027"]}


@pytest.mark.parametrize("query", [
    {"start": "2026-13-01", "days": 5}, {"start": "30/09/2026", "days": 5}, {"start": "2026-09-30", "days": 0},
    {"start": "2026-09-30", "days": -1}, {"start": "2026-09-30", "days": "五"}, {"days": 5}, {"start": "2026-09-30"},
])
def test_bad_date_or_days_is_422_with_envelope(client, street, query):
    response = client.get(URL, query_string=query, headers=street)
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and body["errors"]["query"]


def test_loading_2027_makes_the_period_computable_and_skips_loaded_holidays(client, district, street):
    loaded = client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=district)
    assert loaded.status_code == 200, loaded.get_json()
    body = loaded.get_json()
    assert body["year"] == 2027 and body["revisions"] == 1 and "2027-01-01" in body["holidays"]
    assert body["makeup_workdays"] == ["2027-02-20"] and body["source"] == SCHEDULE_2027["source"]
    # Dec 29, 30, 31, then Friday 01-01 is the loaded holiday: Jan 4 and 5 complete the five.
    assert ends_on(client, street, "2026-12-28", 5) == "2027-01-05"
    # The loaded make-up Saturday counts: Friday 02-19 + 1 → Saturday 02-20.
    assert ends_on(client, street, "2027-02-19", 1) == "2027-02-20"
    # Years not loaded are still refused.
    beyond = client.get(URL, query_string={"start": "2027-12-28", "days": 5}, headers=street)
    assert beyond.status_code == 422 and "2028年" in beyond.get_json()["message"]


def test_a_new_load_adds_a_row_and_the_newest_applies(client, db, district, street):
    first = client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=district)
    assert ends_on(client, street, "2027-01-04", 5) == "2027-01-11"
    revised = dict(SCHEDULE_2027, holidays=SCHEDULE_2027["holidays"] + ["2027-01-05"], source="更正")
    second = client.put("/api/v1/calendar/years/2027", json=revised, headers=district)
    assert second.status_code == 200 and second.get_json()["revisions"] == 2
    assert second.get_json()["id"] != first.get_json()["id"]
    assert ends_on(client, street, "2027-01-04", 5) == "2027-01-12"  # the new holiday 01-05 is skipped
    assert db.session.query(CalendarYear).filter_by(year=2027).count() == 2  # nothing overwritten
    loads = db.session.query(AuditEvent).filter_by(action="calendar_year_loaded").all()
    assert [(e.chain, e.actor, e.subject) for e in loads] == [("global", "qu", "calendar_year:2027")] * 2
    listed = client.get("/api/v1/calendar/years", headers=street).get_json()
    assert [(y["year"], y["source"], y["revisions"]) for y in listed] == [(2027, "更正", 2)]


def test_only_the_district_loads_a_year(client, district, street):
    response = client.put("/api/v1/calendar/years/2027", json=SCHEDULE_2027, headers=street)
    assert response.status_code == 403
    assert response.get_json()["message"] == "只有区住建局可以录入法定节假日安排"
    assert client.get("/api/v1/calendar/years", headers=street).get_json() == []


@pytest.mark.parametrize("change,message", [
    ({"holidays": ["2027-01-02"]}, "未包含元旦"),
    ({"makeup_workdays": ["2027-02-22"]}, "不是周六或周日"),  # a Monday
    ({"holidays": SCHEDULE_2027["holidays"] + ["2028-01-01"]}, "不在 2027 年内"),
    ({"makeup_workdays": ["2027-01-02"]}, "同时被录入为法定节假日和调休工作日"),
])
def test_an_invalid_schedule_is_422_in_chinese_and_stores_nothing(client, district, street, change, message):
    response = client.put("/api/v1/calendar/years/2027", json=dict(SCHEDULE_2027, **change), headers=district)
    assert response.status_code == 422
    assert message in response.get_json()["message"]
    assert client.get("/api/v1/calendar/years", headers=street).get_json() == []


def test_malformed_schedule_body_is_422(client, district):
    for body in ({"holidays": ["2027-02-30"]}, {"makeup_workdays": []}, {"holidays": "2027-01-01"}):
        response = client.put("/api/v1/calendar/years/2027", json=body, headers=district)
        assert response.status_code == 422, body
    far = client.put("/api/v1/calendar/years/1999", json={"holidays": ["1999-01-01"]}, headers=district)
    assert far.status_code == 422 and "2000—2099" in far.get_json()["message"]
