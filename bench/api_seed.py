"""What the load benchmarks share: an open round seeded through the service's own public API, and a free port.

The estate, its roster, a proposal, an open round and every household's voting link are
made by HTTP calls on the app's test client, as a district office would, so the measured
service starts from data its own code wrote.
"""
import io
import socket
from datetime import datetime, timedelta, timezone


def open_round_with_links(app, username: str, password: str, roster: bytes, *, prefix: str,
                          policy: str) -> tuple[int, int, list[dict]]:
    """(estate id, round id, the round's links as GET …/links returns them); `username` is a district account."""
    client = app.test_client()
    headers = {}

    def call(method, path, expect, **kwargs):
        response = client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.get_data(as_text=True)[:500])
        return response.get_json()

    token = call("POST", "/api/v1/auth/token", 200, json={"username": username, "password": password})
    headers["Authorization"] = f"Bearer {token['access_token']}"
    estate = call("POST", "/api/v1/estates", 201, json={
        "name": f"{prefix}新村", "street": f"{prefix}街道", "community": f"{prefix}社区", "built_year": 1988,
        "create_places": True})  # a fresh district: its street and community are created explicitly
    call("POST", f"/api/v1/estates/{estate['id']}/roster", 200, content_type="multipart/form-data",
         data={"file": (io.BytesIO(roster), "roster.csv")})
    proposal = call("POST", f"/api/v1/estates/{estate['id']}/proposals", 201, json={
        "title": f"{prefix}改造方案", "summary": "屋面与管网", "items": ["R-B-01", "R-P-01"],
        "estimated_cost": "1000000.00"})
    now = datetime.now(timezone.utc)
    round_ = call("POST", f"/api/v1/proposals/{proposal['id']}/rounds", 201, json={
        "stage": 1, "rule": "double-two-thirds", "ballot_policy": policy,
        "opens_at": (now - timedelta(minutes=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat()})
    call("POST", f"/api/v1/rounds/{round_['id']}/open", 200)
    return estate["id"], round_["id"], call("GET", f"/api/v1/rounds/{round_['id']}/links", 200)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
