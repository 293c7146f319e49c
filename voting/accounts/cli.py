"""`flask --app wsgi users create|set-password|disable|enable USERNAME`: staff accounts from the shell.

Passwords are read from stdin (first line), never from the command line (shell history, ps).
"""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..db_types import utcnow
from ..extensions import db
from ..models.accounts import ROLES, StaffUser
from ..models.estates import Community, Street
from .operations import AccountRefused, account_named, set_active, set_password
from .passwords import hash_password, password_problem

users_cli = AppGroup("users", help="Staff accounts.")


def find_or_create_scope(street_name: str | None, community_name: str | None) -> tuple[Street | None, Community | None]:
    street = community = None
    if street_name:
        street = db.session.scalar(select(Street).where(Street.name == street_name))
        if street is None:
            street = Street(name=street_name)
            db.session.add(street)
            db.session.flush()
    if community_name:
        community = db.session.scalar(
            select(Community).where(Community.street_id == street.id, Community.name == community_name))
        if community is None:
            community = Community(street=street, name=community_name)
            db.session.add(community)
            db.session.flush()
    return street, community


def create_user(username: str, password: str, role: str, street_name: str | None = None,
                community_name: str | None = None) -> StaffUser:
    """Create a staff account (flushes); raises click.UsageError with the reason."""
    if role == "street" and not street_name:
        raise click.UsageError("--street is required for role street")
    if role == "community" and not (street_name and community_name):
        raise click.UsageError("--street and --community are required for role community")
    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise click.UsageError(f"user {username!r} already exists")
    street, community = find_or_create_scope(
        street_name if role != "district" else None, community_name if role == "community" else None)
    user = StaffUser(
        username=username, password_hash=hash_password(password), role=role,
        street=street if role == "street" else None, community=community,
    )
    db.session.add(user)
    db.session.flush()
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--street", "street_name", help="街道名称 (street and community roles)")
@click.option("--community", "community_name", help="社区名称 (community role)")
def create_command(username, role, street_name, community_name):
    """Create a staff user; the password is read from stdin (first line)."""
    password = sys.stdin.readline().rstrip("\r\n")
    user = create_user(username, password, role, street_name, community_name)
    db.session.commit()
    click.echo(f"created {user.username} ({user.role}: {user.scope_zh})")


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
