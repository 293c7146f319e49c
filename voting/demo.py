"""`flask --app wsgi demo seed`: a demo estate and staff logins, idempotently."""
import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .accounts.cli import create_user, find_or_create_scope
from .ballots.links import household_links
from .db_types import utcnow
from .demo_roster import demo_rows
from .estates.community_contact import set_contact
from .estates.operations import create_estate
from .estates.roster_service import import_roster
from .extensions import db
from .models.accounts import StaffUser
from .models.estates import Community, Estate
from .models.proposals import Proposal
from .models.rounds import Round
from .proposals.operations import create_proposal
from .roster.roster_export import write_roster_csv
from .rounds.operations import create_round, open_round

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
    find_or_create_scope(STREET, COMMUNITY)  # the demo's places, created explicitly (audited) as /staff would
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
            "built_year": 1986, "affordable_housing": False}, utcnow(), "cli")
        import_roster(estate, district, "和睦新村名册.csv", write_roster_csv(demo_rows()))
    seed_demo_round(estate, district)
    db.session.commit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    path.chmod(0o600)
    return estate, known


def seed_demo_round(estate: Estate, district: StaffUser) -> None:
    """Give a new demo estate a proposal and an open stage-1 round (30 days), so links can be tried.

    The community's contact and the residents' contribution are demo values, so the ballot page
    shows what a real one shows (a hotline, the household's cost).
    """
    if db.session.scalar(select(Proposal.id).where(Proposal.estate_id == estate.id)) is not None:
        return  # seeded before (or a worker made one): leave it as it is
    now = utcnow()
    if not estate.community.hotline:
        set_contact(estate.community, "0571-00000000", "和睦路社区服务中心（演示数据）", district.id, now)
    version = create_proposal(estate, {"title": "和睦新村综合改造方案", "summary": "屋面修缮、雨污管网改造、楼道照明，征询加装电梯意愿",
                                       "items": ["R-B-01", "R-P-01", "R-B-08", "U-B-06"],
                                       "estimated_cost": Decimal("12000000.00"), "resident_mode": "per_m2",
                                       "resident_amount": Decimal("20.00")}, district.id, now)
    round_ = create_round(version.proposal, {"stage": 1, "ballot_policy": "last", "verification": "link",
                                             "question": f"您是否同意{estate.name}实施老旧小区综合改造？",
                                             "opens_at": now, "closes_at": now + timedelta(days=30)}, district.id, now)
    open_round(round_, district.id, now)


def demo_voting_link(estate: Estate) -> str | None:
    """The first household's voting link of the estate's open round, issuing it if needed."""

    round_ = db.session.scalar(select(Round).where(Round.estate_id == estate.id, Round.status == "open"))
    if round_ is None:
        return None
    links = household_links(round_, None, utcnow())
    db.session.commit()
    return next((link.url for link in links if link.url), None)


@demo_cli.command("seed")
def seed_command():
    """Seed the demo estate and print how to log in."""
    estate, known = seed_demo()
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"演示小区：{estate.name}（{estate.id}），登录：{base}/login")
    for username, role, *_ in DEMO_USERS:
        if username in known:
            click.echo(f"  {role:<9} 用户名 {username}  密码 {known[username]}")
    click.echo(f"以上演示账号的密码保存在 {_credentials_file()}（明文，仅本机用户可读，0600），"
               "仅供本机演示使用，不要用于正式部署；正式账号请用 `flask --app wsgi users create` 创建。")
    link = demo_voting_link(estate)
    if link:
        click.echo(f"居民表决链接示例（第一户）：{link}")
