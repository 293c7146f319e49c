"""The SQLite file (the roll's names and phones, the ledger) and the instance folder are the service
user's alone: created 0600 and 0700 (issue #15: the database was created 0644)."""
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from voting.instance_secrets import instance_secret
from voting.sqlite_pragmas import create_private_file


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_file_and_its_folder_are_owner_only(tmp_path):
    database = tmp_path / "instance" / "voting.sqlite3"
    create_private_file(str(database))
    assert _mode(database) == 0o600 and _mode(database.parent) == 0o700
    database.chmod(0o640)
    create_private_file(str(database))  # an existing file is left as its owner set it
    assert _mode(database) == 0o640


def test_the_instance_folder_of_generated_secrets_is_0700(tmp_path):
    instance_secret(tmp_path / "instance", "secret_key", lambda: b"k" * 32)
    assert _mode(tmp_path / "instance") == 0o700
    assert _mode(tmp_path / "instance" / "secret_key") == 0o600


def test_sqlite_gives_its_wal_file_the_mode_of_the_database(tmp_path):
    database = tmp_path / "instance" / "voting.sqlite3"
    create_private_file(str(database))
    conn = sqlite3.connect(database)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.commit()
        assert _mode(database.with_name("voting.sqlite3-wal")) == 0o600
    finally:
        conn.close()


def test_the_app_created_the_suites_sqlite_file_owner_only(app, db):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("the database under test is not a SQLite file")
    assert _mode(Path(url.database)) == 0o600
