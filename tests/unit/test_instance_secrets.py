"""Secrets generated into the instance folder: written once, private, and the same for every worker."""
import stat

from voting.instance_secrets import instance_secret


def test_a_secret_is_generated_once_into_a_private_file(tmp_path):
    instance = tmp_path / "instance"  # created on first use
    calls = []

    def generate() -> bytes:
        calls.append(1)
        return b"s3cret-" + bytes(str(len(calls)), "ascii")

    first = instance_secret(instance, "secret_key", generate)
    again = instance_secret(instance, "secret_key", generate)
    assert first == again == b"s3cret-1" and len(calls) == 1
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600


def test_an_existing_file_is_read_as_it_is_and_never_overwritten(tmp_path):
    (tmp_path / "evidence.pem").write_bytes(b"kept")
    assert instance_secret(tmp_path, "evidence.pem", lambda: b"new") == b"kept"
    assert (tmp_path / "evidence.pem").read_bytes() == b"kept"
