"""Test data builders: staff users, estates, rosters, logged-in clients."""
import re
import secrets
from decimal import Decimal

from voting.accounts.cli import create_user, find_or_create_scope
from voting.db_types import utcnow
from voting.estates.operations import create_estate
from voting.extensions import db
from voting.models.estates import Estate

PASSWORD = "correct-horse-battery"

HEADER = "building,unit,room,area,area_source,owner_key,owner_name,phone,status\n"


def roster_csv(rows: list[str], header: str = HEADER, bom: bool = True) -> bytes:
    text = header + "".join(r + "\n" for r in rows)
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


SMALL_ROSTER = roster_csv([
    "1,1,101,80.50,register,K001,张三明,13812341234,owned",
    "1,1,102,60.25,register,K001,张三明,13812341234,owned",
    "1,2,201,75.00,survey,K002,李四,,owned",
    "2,,101,90.00,contract,,,,developer_unsold",
    "2,,102,90.00,register,,,,developer_undelivered",
])


def make_user(role: str, street: str | None = None, community: str | None = None, username: str | None = None):
    username = username or f"{role}-{secrets.token_hex(3)}"
    user = create_user(username, PASSWORD, role, street, community, create_places=True)
    db.session.commit()
    return user


def make_estate(name="和睦新村", street="和睦街道", community="和睦社区", built_year=1986):
    from sqlalchemy import select

    from voting.models.accounts import StaffUser

    district = db.session.scalar(select(StaffUser).where(StaffUser.role == "district"))
    if district is None:
        district = make_user("district", username="factory-district")
    find_or_create_scope(street, community)  # places are created explicitly, never by naming them on an estate
    estate = create_estate(district, {"name": name, "street": street, "community": community,
                                      "address": "", "built_year": built_year, "affordable_housing": False},
                           utcnow(), "test")
    db.session.commit()
    return estate


def board_path(estate_id: int) -> str:
    """The public board of an estate: its URL names the random public id, not the estate's id."""
    return f"/board/estates/{db.session.get(Estate, estate_id).public_id}"


def api_token(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def page_login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def total(values) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal("0"))
