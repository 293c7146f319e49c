"""PostgreSQL connections checked on checkout without a round trip: a closed one is seen locally.

`pool_pre_ping` sends `SELECT 1` to the server each time a request takes a connection from the
pool: a round trip and a statement's worth of driver work on every ballot. What it is there
for is a connection the server side has closed while it sat in the pool — a restarted or
failed-over primary, HAProxy cutting the sessions of a demoted node
(`on-marked-down shutdown-sessions`), `pg_terminate_backend`. All of these reach the idle
socket as something to read (the server's FATAL error, then end of file; or just end of file),
while a healthy idle connection has nothing to read: PostgreSQL sends nothing between
transactions unless asked (no LISTEN here). So on checkout this polls the socket with a zero
timeout; only if anything is readable (or the driver already knows the connection is closed)
does it ping for real (the dialect's `SELECT 1`, as pool_pre_ping would), and if that fails it
raises DisconnectionError: the pool discards the connection and hands out a fresh one. Something
readable on a healthy connection (a TLS record, a notice) thus costs one ping, never an error.
A server that vanished without closing anything (a powered-off host behind no proxy) is not
detected here — nor by a pre-ping, which would hang on it just the same.
"""
import select

from flask import Flask
from sqlalchemy import event, exc as sqlalchemy_exc

from .extensions import db


def closed_by_server(dbapi_connection) -> bool:
    """True if the idle connection is closed, or its socket has anything to read (FATAL or EOF)."""
    if getattr(dbapi_connection, "closed", False):
        return True
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001 — a driver that cannot say is treated as closed: reconnect
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def checkout_check(dialect):
    """The pool's checkout listener: poll, and ping with `dialect` only when the poll says so."""

    def on_checkout(dbapi_connection, connection_record, connection_proxy):
        if not closed_by_server(dbapi_connection):
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 — whatever the driver raises, the connection is gone
            raise sqlalchemy_exc.DisconnectionError("the server closed this pooled connection") from exc
        if alive is False:
            raise sqlalchemy_exc.DisconnectionError("the server closed this pooled connection")

    return on_checkout


def configure_liveness(app: Flask) -> None:
    """On PostgreSQL without pool_pre_ping, check pooled connections on checkout (see the module's docstring)."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql" and not engine.pool._pre_ping:
            listener = checkout_check(engine.dialect)
            event.listen(engine, "checkout", listener)
            app.extensions["db_liveness_listener"] = listener
