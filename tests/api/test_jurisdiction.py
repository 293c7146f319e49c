"""Each role × own/other estate × each estate endpoint: other estates are 404, never 403."""
import io

import pytest

from tests.factories import SMALL_ROSTER, api_token, make_estate, make_user

ENDPOINTS = [
    ("GET", "/api/v1/estates/{id}", 200),
    ("GET", "/api/v1/estates/{id}/households", 200),
    ("GET", "/api/v1/estates/{id}/roster.csv", 200),
    ("GET", "/api/v1/estates/{id}/roster.csv?full=true", 200),
    ("POST", "/api/v1/estates/{id}/roster", 200),
]

# role, street, community of the caller; estates: "home" in 和睦街道/和睦社区,
# "neighbour" in 和睦街道/华丰社区 (same street), "far" in 大关街道/西一社区.
USERS = {
    "district": ("district", None, None),
    "street": ("street", "和睦街道", None),
    "community": ("community", "和睦街道", "和睦社区"),
}
VISIBLE = {
    "district": {"home", "neighbour", "far"},
    "street": {"home", "neighbour"},
    "community": {"home"},
}


@pytest.fixture
def estates(db):
    return {
        "home": make_estate("和睦新村", "和睦街道", "和睦社区").id,
        "neighbour": make_estate("华丰小区", "和睦街道", "华丰社区").id,
        "far": make_estate("大关西苑", "大关街道", "西一社区").id,
    }


def _call(client, method, path, headers):
    if method == "POST":
        return client.post(path, headers=headers,
                           data={"file": (io.BytesIO(SMALL_ROSTER), "roster.csv")}, content_type="multipart/form-data")
    return client.get(path, headers=headers)


@pytest.mark.parametrize("role", sorted(USERS))
@pytest.mark.parametrize("method,template,ok", ENDPOINTS)
def test_estate_endpoints_respect_jurisdiction(client, db, estates, role, method, template, ok):
    kind, street, community = USERS[role]
    make_user(kind, street, community, username=f"u-{role}")
    headers = api_token(client, f"u-{role}")
    for name, estate_id in estates.items():
        response = _call(client, method, template.format(id=estate_id), headers)
        expected = ok if name in VISIBLE[role] else 404
        assert response.status_code == expected, (role, name, template, response.get_data(as_text=True)[:300])
        if expected == 404 and template.endswith("{id}"):
            assert response.get_json()["message"] == "找不到该小区"


@pytest.mark.parametrize("role", sorted(USERS))
def test_estate_list_shows_only_jurisdiction(client, db, estates, role):
    kind, street, community = USERS[role]
    make_user(kind, street, community, username=f"u-{role}")
    listed = {e["id"] for e in client.get("/api/v1/estates", headers=api_token(client, f"u-{role}")).get_json()}
    assert listed == {estates[name] for name in VISIBLE[role]}


@pytest.mark.parametrize("method,template,ok", ENDPOINTS + [("GET", "/api/v1/estates", 200), ("POST", "/api/v1/estates", 201)])
def test_every_estate_endpoint_refuses_without_token(client, db, estates, method, template, ok):
    response = _call(client, method, template.format(id=estates["home"]), {}) if "{id}" in template or method == "GET" \
        else client.post(template, json={})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401
