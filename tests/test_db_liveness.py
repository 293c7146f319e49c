"""voting/db_liveness.py: a pooled PostgreSQL connection the server closed is replaced on checkout,
without a round trip for the healthy ones."""
import os
import socket
import time

import pytest
from sqlalchemy import create_engine, event, text

from voting.db_liveness import checkout_check, closed_by_server
from voting.extensions import db as _db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


class FakeConnection:
    def __init__(self, sock, closed=False):
        self.sock, self.closed = sock, closed

    def fileno(self):
        return self.sock.fileno()


def test_an_idle_open_socket_is_alive_and_a_closed_or_talking_one_is_not():
    ours, theirs = socket.socketpair()
    try:
        assert not closed_by_server(FakeConnection(ours))
        theirs.sendall(b"E")  # the server's FATAL before it closes
        assert closed_by_server(FakeConnection(ours))
        ours.recv(1)
        theirs.close()  # end of file
        assert closed_by_server(FakeConnection(ours))
    finally:
        ours.close()
    assert closed_by_server(FakeConnection(None, closed=True))


@pytest.mark.postgres
def test_a_terminated_pooled_connection_is_replaced_on_checkout(database_url):
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    event.listen(engine, "checkout", checkout_check(engine.dialect))
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as conn:  # healthy: the same connection again
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == first
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
            # pg_terminate_backend only signals: wait until the backend has gone (and closed its socket),
            # as a pooled connection would have been idle for a while before a request takes it.
            deadline = time.monotonic() + 10
            while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": first}).scalar():
                assert time.monotonic() < deadline, "the terminated backend did not exit"
                time.sleep(0.02)
        with engine.connect() as conn:  # terminated while pooled: replaced, no error reaches the caller
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != first
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.postgres
def test_something_readable_on_a_healthy_connection_costs_a_ping_not_the_connection(database_url, monkeypatch):
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    event.listen(engine, "checkout", checkout_check(engine.dialect))
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        monkeypatch.setattr("voting.db_liveness.closed_by_server", lambda connection: True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == first
    finally:
        engine.dispose()


def test_the_app_checks_on_checkout_instead_of_pinging_on_postgresql(app):
    with app.app_context():
        engine = _db.engine
        listener = app.extensions.get("db_liveness_listener")
        if engine.dialect.name != "postgresql":
            assert listener is None
            return
        assert not engine.pool._pre_ping
        assert event.contains(engine, "checkout", listener)
