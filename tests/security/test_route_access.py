"""Every staff endpoint, generated from app.url_map: refused without a login, and to staff of
another community or another street (404, as if the record did not exist; 403 where only the
district may act). The ids are real ones of community A (tests/full_dataset.py)."""
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from tests.ballots_helpers import page_csrf
from tests.full_dataset import login_session
from tests.security.requests_for import API_BODIES, PAGE_FORMS
from tests.security.route_map import DISTRICT_ONLY, OWN_SCOPE, PUBLIC, ROLE_ROUTED, calls, staff_rules
from voting.models.estates import Street


def _csrf(client) -> str:
    return page_csrf(client.get("/login").get_data(as_text=True))


def request(client, call, ids, headers=None, csrf=None):
    """Send `call` with a well-formed body for its endpoint (see requests_for.py)."""
    kwargs = {}
    if call.method in ("POST", "PUT", "PATCH"):
        if call.is_api:
            kwargs = API_BODIES.get(call.endpoint, lambda ids: {})(ids)
        else:
            data = PAGE_FORMS.get(call.endpoint, lambda ids: {})(ids)
            kwargs = {"data": dict(data, csrf_token=csrf) if csrf else data}
            if any(isinstance(v, tuple) for v in data.values()):
                kwargs["content_type"] = "multipart/form-data"
    return client.open(call.path, method=call.method, headers=headers or {}, **kwargs)


def _documented_bodies(app) -> set[str]:
    """API endpoints whose documented operation has a request body."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    adapter = app.url_map.bind("vote.test")
    found = set()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and "requestBody" in operation:
                sample = path.replace("{", "").replace("}", "")  # any segment matches <string:…>
                sample = "/".join("1" if part.endswith("_id") or part == "year" else part
                                  for part in sample.split("/"))
                found.add(adapter.match(sample, method=method.upper())[0])
    return found


def test_every_rule_is_classified_and_every_parameter_can_be_filled(app, dataset):
    unknown_public = set(PUBLIC) - {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not unknown_public, f"PUBLIC names endpoints that no longer exist: {sorted(unknown_public)}"
    try:
        found = calls(staff_rules(app), dataset.ids)
    except LookupError as exc:
        pytest.fail(str(exc))
    assert len({c.endpoint for c in found}) == len({r.endpoint for r in staff_rules(app)})
    missing = _documented_bodies(app) - set(API_BODIES) - PUBLIC.keys()
    assert not missing, f"API endpoints with a request body but no well-formed body in requests_for.py: {missing}"


def test_staff_endpoints_refuse_anonymous_callers(app, client, dataset):
    csrf = _csrf(client)
    wrong = []
    for call in calls(staff_rules(app), dataset.ids):
        response = request(client, call, dataset.ids, csrf=csrf)
        if call.is_api:
            ok = response.status_code == 401 and (response.get_json() or {}).get("code") == 401
        else:
            ok = response.status_code == 302 and response.location.startswith("/login")
        if not ok:
            wrong.append(f"{call} → {response.status_code} {response.location or ''}")
    assert not wrong, "staff endpoints answering an anonymous caller:\n" + "\n".join(wrong)


def test_staff_endpoints_refuse_a_forged_or_foreign_bearer_token(app, client, dataset):
    """Bearer tokens signed with another key, or naming no user, are as good as none."""
    forged = URLSafeTimedSerializer("not-our-key", salt="api-access-token").dumps({"uid": 1, "pw": "x"})
    api = [c for c in calls(staff_rules(app), dataset.ids) if c.is_api]
    for token in (forged, "garbage", ""):
        for call in api:
            response = request(client, call, dataset.ids, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, f"{call} with bearer {token[:12]!r} → {response.status_code}"


def _expected_for_outsider(call) -> set[int]:
    if call.endpoint in DISTRICT_ONLY:
        return {403}
    return {404}


@pytest.mark.parametrize("outsider", ["b-worker", "b-street"])
def test_staff_endpoints_hide_community_a_from_other_places(app, client, dataset, outsider):
    """b-worker: a community worker of 华丰社区 (same street); b-street: the office of 大关街道."""
    login_session(client, dataset.user_ids[outsider])
    csrf = _csrf(client)
    headers = dataset.headers[outsider]
    wrong = []
    for call in calls(staff_rules(app), dataset.ids):
        if call.endpoint in OWN_SCOPE or call.endpoint in ROLE_ROUTED:
            continue
        response = request(client, call, dataset.ids, headers=headers if call.is_api else None, csrf=csrf)
        if response.status_code not in _expected_for_outsider(call):
            wrong.append(f"{call} → {response.status_code} {response.get_data(as_text=True)[:120]!r}")
    assert not wrong, f"{outsider} reaches community A:\n" + "\n".join(wrong)


def test_street_overview_is_the_districts_and_sends_a_street_office_to_its_own_street(client, db, dataset):
    login_session(client, dataset.user_ids["b-worker"])
    assert client.get("/streets").status_code == 404
    login_session(client, dataset.user_ids["b-street"])
    own = db.session.scalar(select(Street.id).where(Street.name == "大关街道"))
    response = client.get("/streets")
    assert response.status_code == 302 and response.location == f"/streets/{own}"


def test_own_scope_lists_show_another_place_nothing_of_community_a(client, dataset):
    headers = dataset.headers["b-worker"]
    names = {e["name"] for e in client.get("/api/v1/estates", headers=headers).get_json()}
    assert names == {"华丰小区"}
    assert client.get("/api/v1/streets", headers=headers).get_json() == []
    street = {s["name"] for s in client.get("/api/v1/streets", headers=dataset.headers["b-street"]).get_json()}
    assert street == {"大关街道"}
