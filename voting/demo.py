"""`flask --app wsgi demo seed`: a demo estate and staff logins, idempotently."""
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .accounts.cli import create_user
from .accounts.models import StaffUser
from .estates.models import Community, Estate
from .estates.operations import create_estate
from .extensions import db
from .roster.roster_export import write_roster_csv
from .roster.roster_service import import_roster
from .demo_roster import demo_rows

demo_cli = AppGroup("demo", help="Demo data for a first look.")

STREET, COMMUNITY, ESTATE = "和睦街道", "和睦社区", "和睦新村"
DEMO_USERS = (
    ("shequ", "community", STREET, COMMUNITY),
    ("shequ2", "community", STREET, COMMUNITY),
    ("jiedao", "street", STREET, None),
    ("quzhujian", "district", None, None),
)


def _credentials_file() -> Path:
    return Path(current_app.instance_path) / "demo-credentials.txt"


def seed_demo() -> tuple[Estate, dict[str, str]]:
    """Create the demo users and estate if missing; returns the estate and known passwords."""
    path = _credentials_file()
    known = dict(line.split(" ", 1) for line in path.read_text().splitlines() if " " in line) if path.exists() else {}
    for username, role, street, community in DEMO_USERS:
        if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is None:
            known[username] = secrets.token_urlsafe(9)
            create_user(username, known[username], role, street, community)
    estate = db.session.scalar(select(Estate).join(Community).where(Estate.name == ESTATE,
                                                                       Community.name == COMMUNITY))
    district = db.session.scalar(select(StaffUser).where(StaffUser.username == "quzhujian"))
    if estate is None:
        estate = create_estate(district, {
            "name": ESTATE, "street": STREET, "community": COMMUNITY, "address": "杭州市拱墅区和睦路",
            "built_year": 1986, "affordable_housing": False})
        import_roster(estate, district, "和睦新村名册.csv", write_roster_csv(demo_rows()))
    db.session.commit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    path.chmod(0o600)
    return estate, known


@demo_cli.command("seed")
def seed_command():
    """Seed the demo estate and print how to log in."""
    estate, known = seed_demo()
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"演示小区：{estate.name}（{estate.id}），登录：{base}/login")
    for username, role, *_ in DEMO_USERS:
        if username in known:
            click.echo(f"  {role:<9} 用户名 {username}  密码 {known[username]}")
