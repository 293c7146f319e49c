"""POST /api/v1/auth/token and bearer-token checks."""
from tests.factories import PASSWORD, api_token, make_user


def test_token_is_issued_for_valid_credentials(client, db):
    make_user("district", username="admin")
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 28800
    assert len(body["access_token"]) > 20


def test_wrong_password_is_401_with_envelope(client, db):
    make_user("district", username="admin")
    response = client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.get_json() == {"code": 401, "status": "Unauthorized", "message": "用户名或密码错误", "errors": {}}


def test_unknown_user_is_the_same_401(client, db):
    response = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "whatever-123"})
    assert response.status_code == 401
    assert response.get_json()["message"] == "用户名或密码错误"


def test_missing_fields_are_422(client, db):
    response = client.post("/api/v1/auth/token", json={"username": "admin"})
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert "password" in body["errors"]["json"]


def test_non_json_body_is_4xx_not_500(client, db):
    response = client.post("/api/v1/auth/token", data="not json", content_type="text/plain")
    assert 400 <= response.status_code < 500


def test_login_attempts_from_one_address_are_rate_limited(client, db):
    make_user("district", username="admin")
    codes = [client.post("/api/v1/auth/token", json={"username": f"name{n}", "password": "bad-guess"}).status_code
             for n in range(12)]
    assert codes[:10] == [401] * 10
    assert codes[10:] == [429, 429]
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": "x"}).get_json()["code"] == 429


def test_api_refuses_missing_forged_and_expired_tokens(app, client, db):
    make_user("district", username="admin")
    headers = api_token(client, "admin")
    assert client.get("/api/v1/estates", headers=headers).status_code == 200
    assert client.get("/api/v1/estates").status_code == 401
    assert client.get("/api/v1/estates", headers={"Authorization": "Bearer forged.token.value"}).status_code == 401
    app.config["API_TOKEN_MAX_AGE"] = -1
    try:
        assert client.get("/api/v1/estates", headers=headers).status_code == 401
    finally:
        app.config["API_TOKEN_MAX_AGE"] = 28800


def test_deactivated_user_token_stops_working(client, db):
    user = make_user("district", username="admin")
    headers = api_token(client, "admin")
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/estates", headers=headers).status_code == 401


def test_openapi_document_is_served_with_contract_paths(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/estates", "/api/v1/estates/{estate_id}",
                 "/api/v1/estates/{estate_id}/roster", "/api/v1/estates/{estate_id}/roster.csv",
                 "/api/v1/estates/{estate_id}/households"):
        assert path in spec["paths"], path
