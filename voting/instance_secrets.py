"""Secrets the service generates for itself, kept in the instance folder (which git ignores).

Pure apart from the file system: no Flask. Used for the session key (voting.config)
and the evidence signing key (voting.audit.signing) when none is configured.
"""
import os
from pathlib import Path
from typing import Callable


def instance_secret(instance_path: Path, name: str, generate: Callable[[], bytes]) -> bytes:
    """The bytes of `instance_path/name`, written once from `generate()` on first use, mode 0600.

    The folder is created if needed, mode 0700 (it holds the keys and the SQLite file). O_EXCL: two workers starting at once agree on
    one secret (the loser reads the winner's file rather than writing its own).
    """
    path = instance_path / name
    if not path.exists():
        instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(generate())
    return path.read_bytes()
