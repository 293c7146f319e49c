"""Building proposals and rounds through the API, with a controllable clock."""
import io
from datetime import datetime, timedelta, timezone

from tests.factories import SMALL_ROSTER, api_token, make_estate, make_user

ITEMS = ["R-B-01", "R-P-01", "U-P-01"]
T0 = datetime(2026, 9, 1, 1, 0, tzinfo=timezone.utc)  # 2026-09-01 09:00 in Hangzhou


class Clock:
    """Set as CLOCK_OVERRIDE; tests move it forward with `advance`."""

    def __init__(self, start: datetime = T0):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def estate_with_roster(client, roster: bytes = SMALL_ROSTER, username="sq"):
    estate = make_estate()
    make_user("community", "和睦街道", "和睦社区", username=username)
    headers = api_token(client, username)
    response = client.post(f"/api/v1/estates/{estate.id}/roster", headers=headers,
                           data={"file": (io.BytesIO(roster), "r.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return estate.id, headers


def create_proposal(client, estate_id, headers, cost="1000000.00"):
    response = client.post(f"/api/v1/estates/{estate_id}/proposals", headers=headers, json={
        "title": "和睦新村综合改造方案", "summary": "屋面修缮、管网改造、加装电梯意愿调查", "items": ITEMS,
        "estimated_cost": cost})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def create_round(client, proposal_id, headers, clock, stage=1, policy="first", days=7, **extra):
    response = client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=headers, json={
        "stage": stage, "rule": extra.pop("rule", "double-two-thirds"), "ballot_policy": policy,
        "opens_at": clock.now.isoformat(), "closes_at": (clock.now + timedelta(days=days)).isoformat(), **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]
