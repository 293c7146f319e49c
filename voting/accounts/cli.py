"""`flask --app wsgi users create|set-password|set-profile|disable|enable USERNAME`: staff accounts
from the shell; `users add-street NAME`, `users add-community STREET NAME`, `users places`: the
streets and communities accounts belong to.

Passwords are read from stdin (first line), never from the command line (shell history, ps).
A street or community is named exactly as it exists: an unknown one is an error (a typo would
otherwise make a second street), unless `--create-places` says to create it.
"""
import sys

import click
import marshmallow as ma
from flask.cli import AppGroup
from sqlalchemy import select

from ..db_types import utcnow
from ..extensions import db
from ..models.accounts import ROLES, StaffUser
from ..models.estates import Community, Street
from .operations import AccountRefused, account_named, set_active, set_password, set_profile
from .passwords import hash_password, password_problem
from .places import (PlaceRefused, all_streets, community_named, create_community, create_street, street_communities,
                     street_named)
from .schemas import PlaceNameSchema, ProfileSchema, typed_profile

users_cli = AppGroup("users", help="Staff accounts.")


def scope_named(street_name: str | None, community_name: str | None,
                create: bool = False) -> tuple[Street | None, Community | None]:
    """The street (and community) of those exact names; a missing one is a click.UsageError,
    or, with `create`, is created (and audited, as by `add-street` / `add-community`)."""
    street = community = None
    if street_name:
        street = street_named(street_name)
        if street is None:
            if not create:
                known = "、".join(s.name for s in all_streets()) or "（还没有）"
                raise click.UsageError(f"没有名为“{street_name}”的街道；已有：{known}。"
                                       "确要新建请先运行 users add-street，或加 --create-places")
            street = create_street(None, street_name, utcnow(), "cli")
    if community_name:
        community = community_named(street, community_name)
        if community is None:
            if not create:
                known = "、".join(c.name for c in street_communities(street)) or "（还没有）"
                raise click.UsageError(f"{street.name}没有名为“{community_name}”的社区；已有：{known}。"
                                       "确要新建请先运行 users add-community，或加 --create-places")
            community = create_community(None, street, community_name, utcnow(), "cli")
    return street, community


def find_or_create_scope(street_name: str | None, community_name: str | None) -> tuple[Street | None, Community | None]:
    """Test data and the demo: the places, created if missing."""
    return scope_named(street_name, community_name, create=True)


def _profile(display_name: str | None, post: str | None, office_phone: str | None) -> dict:
    """The profile options as given (an option left out is absent; "" clears), checked as the pages check them."""
    given = {field: value for field, value in
             (("display_name", display_name), ("post", post), ("office_phone", office_phone)) if value is not None}
    try:
        return ProfileSchema().load(typed_profile(given))
    except ma.ValidationError as exc:
        raise click.UsageError("；".join(m for messages in exc.messages.values() for m in messages)) from None


def create_user(username: str, password: str, role: str, street_name: str | None = None,
                community_name: str | None = None, create_places: bool = False,
                display_name: str | None = None, post: str | None = None,
                office_phone: str | None = None) -> StaffUser:
    """Create a staff account (flushes); raises click.UsageError with the reason. The street and
    community must exist unless `create_places`."""
    if role == "street" and not street_name:
        raise click.UsageError("--street is required for role street")
    if role == "community" and not (street_name and community_name):
        raise click.UsageError("--street and --community are required for role community")
    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise click.UsageError(f"user {username!r} already exists")
    profile = _profile(display_name, post, office_phone)
    street, community = scope_named(
        street_name if role != "district" else None, community_name if role == "community" else None,
        create=create_places)
    user = StaffUser(
        username=username, password_hash=hash_password(password), role=role,
        street=street if role == "street" else None, community=community, **profile,
    )
    db.session.add(user)
    db.session.flush()
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--street", "street_name", help="街道名称 (street and community roles)")
@click.option("--community", "community_name", help="社区名称 (community role)")
@click.option("--create-places", is_flag=True, help="create the street/community if it does not exist yet")
@click.option("--name", "display_name", help="姓名 (display name)")
@click.option("--post", help="职务, e.g. 社区书记")
@click.option("--office-phone", help="办公电话, e.g. 0571-87654321")
def create_command(username, role, street_name, community_name, create_places, display_name, post, office_phone):
    """Create a staff user; the password is read from stdin (first line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    user = create_user(username, password, role, street_name, community_name, create_places,
                       display_name, post, office_phone)
    db.session.commit()
    click.echo(f"created {user.username} ({user.role}: {user.scope_zh}) {user.person_zh}")


@users_cli.command("set-profile")
@click.argument("username")
@click.option("--name", "display_name", help="姓名; \"\" clears it")
@click.option("--post", help="职务; \"\" clears it")
@click.option("--office-phone", help="办公电话; \"\" clears it")
def set_profile_command(username, display_name, post, office_phone):
    """Set a user's display name, post and office phone (any account, district ones included)."""
    user = _account(username)
    set_profile(user, _profile(display_name, post, office_phone), None, utcnow(), "cli")
    db.session.commit()
    click.echo(f"{user.username}: {user.person_zh} {user.office_phone or ''}".rstrip())


def _place(make):
    try:
        place = make()
    except PlaceRefused as exc:
        raise click.UsageError(exc.message) from None
    db.session.commit()
    return place


@users_cli.command("add-street")
@click.argument("name")
def add_street_command(name):
    """Create a street (街道) by its exact name; accounts and estates then pick it."""
    street = _place(lambda: create_street(None, _place_name(name), utcnow(), "cli"))
    click.echo(f"created street {street.name} (id {street.id})")


@users_cli.command("add-community")
@click.argument("street_name")
@click.argument("name")
def add_community_command(street_name, name):
    """Create a community (社区) under an existing street."""
    street, _ = scope_named(street_name, None)
    community = _place(lambda: create_community(None, street, _place_name(name), utcnow(), "cli"))
    click.echo(f"created community {street.name} · {community.name} (id {community.id})")


@users_cli.command("places")
def places_command():
    """List the streets and their communities."""
    for street in all_streets():
        click.echo(f"{street.name}: " + ("、".join(c.name for c in street_communities(street)) or "—"))


def _place_name(name: str) -> str:
    errors = PlaceNameSchema().validate({"name": name.strip()})
    if errors:
        raise click.UsageError(errors["name"][0])
    return name.strip()


def _account(username: str) -> StaffUser:
    user = account_named(username)
    if user is None:
        raise click.UsageError(f"no user {username!r}")
    return user


@users_cli.command("set-password")
@click.argument("username")
def set_password_command(username):
    """Set a user's password, read from stdin (first line); ends every session and token of the account."""
    user = _account(username)
    try:
        set_password(user, sys.stdin.readline().rstrip("\r\n"), None, utcnow(), "cli")
    except AccountRefused as exc:
        raise click.UsageError(exc.message) from None
    db.session.commit()
    click.echo(f"password changed for {user.username}; its sessions and API tokens no longer work")


@users_cli.command("disable")
@click.argument("username")
def disable_command(username):
    """Disable a user: it can no longer log in, and every session and token ends at once."""
    user = _account(username)
    set_active(user, False, None, utcnow(), "cli")
    db.session.commit()
    click.echo(f"disabled {user.username}")


@users_cli.command("enable")
@click.argument("username")
def enable_command(username):
    """Enable a disabled user again (it logs in with its password)."""
    user = _account(username)
    set_active(user, True, None, utcnow(), "cli")
    db.session.commit()
    click.echo(f"enabled {user.username}")
