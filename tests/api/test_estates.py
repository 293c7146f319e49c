"""POST/GET /api/v1/estates."""
import io
import json

from sqlalchemy import func, select

from tests.factories import api_token, make_user
from voting.models.audit import AuditEvent
from voting.models.estates import Community, Street

NEW = {"name": "大关西苑", "street": "大关街道", "community": "西一社区", "address": "大关路1号",
       "built_year": 1992, "affordable_housing": False}
# The district creating an estate in a street and community not made yet: it says so explicitly.
NEW_PLACES = {**NEW, "create_places": True}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_district_creates_estate_with_new_street_and_community_only_when_it_says_so(client, db):
    make_user("district", username="qu")
    headers = api_token(client, "qu")
    refused = client.post("/api/v1/estates", json=NEW, headers=headers)
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["message"] == "街道“大关街道”不存在：请先在账号管理页（/staff）创建街道和社区，或从列表中选择"
    assert body["errors"] == {"street": ["街道不存在"]}
    assert (_count(db, Street), _count(db, Community)) == (0, 0)  # nothing created from a typed name

    response = client.post("/api/v1/estates", json=NEW_PLACES, headers=headers)
    assert response.status_code == 201
    estate_id = response.get_json()["id"]
    body = client.get(f"/api/v1/estates/{estate_id}", headers=headers).get_json()
    assert body == {
        "id": estate_id, "name": "大关西苑", "street": "大关街道", "community": "西一社区", "address": "大关路1号",
        "built_year": 1992, "affordable_housing": False, "era": "1990s_and_later", "era_zh": "90年后",
        "eligibility": "pre_2000", "households": 0, "voters": 0, "total_area": "0.00", "community_hotline": "",
        "community_office": "",
    }
    assert [e["id"] for e in client.get("/api/v1/estates", headers=headers).get_json()] == [estate_id]
    events = db.session.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.data)
                                .where(AuditEvent.action.in_(("street_created", "community_created",
                                                              "estate_created")))
                                .order_by(AuditEvent.id)).all()
    assert [(action, actor) for action, actor, _ in events] == [
        ("street_created", "qu"), ("community_created", "qu"), ("estate_created", "qu")]
    assert json.loads(events[2].data)["created_places"] == ["street", "community"]


def test_an_unknown_community_in_a_known_street_is_refused_unless_the_district_creates_it(client, db):
    make_user("district", username="qu")
    make_user("community", street="大关街道", community="西一社区", username="sq")
    qu, sq = api_token(client, "qu"), api_token(client, "sq")
    refused = client.post("/api/v1/estates", json={**NEW, "community": "西二社区"}, headers=qu)
    assert refused.status_code == 422
    assert refused.get_json()["message"] == \
        "社区“西二社区”不存在：请先在账号管理页（/staff）创建街道和社区，或从列表中选择"
    assert refused.get_json()["errors"] == {"community": ["社区不存在"]}
    assert _count(db, Community) == 1
    # the community worker may not name another community, with or without create_places
    for body in ({**NEW, "community": "西二社区"}, {**NEW, "community": "西二社区", "create_places": True}):
        assert client.post("/api/v1/estates", json=body, headers=sq).status_code == 403
    assert _count(db, Community) == 1
    created = client.post("/api/v1/estates", json={**NEW, "community": "西二社区", "create_places": True}, headers=qu)
    assert created.status_code == 201
    assert db.session.scalar(select(Community.name).join(Community.street)
                             .where(Street.name == "大关街道", Community.name == "西二社区")) == "西二社区"
    audited = db.session.execute(select(AuditEvent.actor, AuditEvent.data)
                                 .where(AuditEvent.action == "community_created")).all()
    assert [(actor, json.loads(data)["name"]) for actor, data in audited] == [("cli", "西一社区"), ("qu", "西二社区")]
    # with both places there, create_places changes nothing
    again = client.post("/api/v1/estates", json={**NEW, "name": "大关北苑", "create_places": True}, headers=qu)
    assert again.status_code == 201 and _count(db, Community) == 2


def test_a_place_created_with_an_estate_is_named_as_the_staff_page_names_one(client, db):
    make_user("district", username="qu")
    refused = client.post("/api/v1/estates", json={**NEW_PLACES, "community": "西一 社区"},
                          headers=api_token(client, "qu"))
    assert refused.status_code == 422 and refused.get_json()["errors"] == {"community": ["名称不含空格"]}
    assert (_count(db, Street), _count(db, Community)) == (0, 0)  # the street made first is rolled back too


def test_street_user_creates_only_in_existing_community_of_own_street(client, db):
    make_user("district", username="qu")
    make_user("street", street="大关街道", username="jd")
    qu, jd = api_token(client, "qu"), api_token(client, "jd")
    assert client.post("/api/v1/estates", json=NEW_PLACES, headers=qu).status_code == 201
    same = client.post("/api/v1/estates", json={**NEW, "name": "大关东苑"}, headers=jd)
    assert same.status_code == 201
    other_street = client.post("/api/v1/estates", json={**NEW, "street": "和睦街道"}, headers=jd)
    assert other_street.status_code == 403
    assert "本街道" in other_street.get_json()["message"]
    new_community = client.post("/api/v1/estates", json={**NEW, "community": "新社区"}, headers=jd)
    assert new_community.status_code == 422
    assert new_community.get_json()["message"] == "社区“新社区”不存在：请从列表中选择；新的街道或社区请联系区住建局创建"
    # create_places is the district's: a street office asking for it is refused, nothing is created
    asked = client.post("/api/v1/estates", json={**NEW, "community": "新社区", "create_places": True}, headers=jd)
    assert asked.status_code == 403 and asked.get_json()["message"] == "只有区住建局可以新建街道和社区"
    assert _count(db, Community) == 1


def test_community_user_creates_only_in_own_community(client, db):
    make_user("community", street="大关街道", community="西一社区", username="sq")
    sq = api_token(client, "sq")
    assert client.post("/api/v1/estates", json=NEW, headers=sq).status_code == 201
    refused = client.post("/api/v1/estates", json={**NEW, "community": "西二社区"}, headers=sq)
    assert refused.status_code == 403


def test_duplicate_estate_name_in_community_is_409(client, db):
    make_user("district", username="qu")
    qu = api_token(client, "qu")
    assert client.post("/api/v1/estates", json=NEW_PLACES, headers=qu).status_code == 201
    assert client.post("/api/v1/estates", json=NEW, headers=qu).status_code == 409


def test_post_2000_estate_must_be_affordable_housing(client, db):
    make_user("district", username="qu")
    qu = api_token(client, "qu")
    refused = client.post("/api/v1/estates", json={**NEW, "built_year": 2005}, headers=qu)
    assert refused.status_code == 422
    assert "保障性安居工程" in refused.get_json()["message"]
    ok = client.post("/api/v1/estates", json={**NEW_PLACES, "built_year": 2005, "affordable_housing": True},
                     headers=qu)
    assert ok.status_code == 201
    body = client.get(f"/api/v1/estates/{ok.get_json()['id']}", headers=qu).get_json()
    assert body["eligibility"] == "affordable_post_2000"


def test_bad_estate_payloads_are_422_with_field_errors(client, db):
    make_user("district", username="qu")
    qu = api_token(client, "qu")
    for payload, field in (({**NEW, "built_year": "一九九二"}, "built_year"), ({**NEW, "name": ""}, "name"),
                           ({k: v for k, v in NEW.items() if k != "street"}, "street"),
                           ({**NEW, "built_year": 1800}, "built_year")):
        response = client.post("/api/v1/estates", json=payload, headers=qu)
        assert response.status_code == 422, payload
        assert field in response.get_json()["errors"]["json"]


def test_unknown_estate_is_404(client, db):
    make_user("district", username="qu")
    assert client.get("/api/v1/estates/999", headers=api_token(client, "qu")).status_code == 404


def test_the_estate_list_costs_the_same_queries_for_two_estates_or_six(app, client, db):
    """A district lists every estate it has (131 in Gongshu's plan): the totals come from grouped
    queries, not two queries per estate."""
    from sqlalchemy import event

    make_user("district", username="qu")
    headers = api_token(client, "qu")
    roster = b"building,unit,room,area,area_source,owner_key,owner_name,phone,status\n" \
             b"1,1,101,80.00,register,K1,Zhang,,owned\n1,1,102,60.50,register,K1,Zhang,,owned\n" \
             b"1,1,103,50.00,register,,,,developer_unsold\n"

    def add(n):
        estate = client.post("/api/v1/estates", headers=headers, json={**NEW_PLACES, "name": f"小区{n}",
                                                                         "community": f"社区{n % 3}"}).get_json()
        assert client.post(f"/api/v1/estates/{estate['id']}/roster", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(roster), "r.csv")}).status_code == 200

    def statements_to_list():
        seen = []
        listen = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            listed = client.get("/api/v1/estates", headers=headers).get_json()
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return listed, len(seen)

    for n in range(2):
        add(n)
    two, queries_for_two = statements_to_list()
    for n in range(2, 6):
        add(n)
    six, queries_for_six = statements_to_list()
    assert len(two) == 2 and len(six) == 6 and queries_for_six == queries_for_two
    assert {(e["households"], e["voters"], e["total_area"]) for e in six} == {(3, 2, "190.50")}
