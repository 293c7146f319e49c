"""The soak smoke test's marker (registered here so the root conftest stays untouched)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "soak: load with faults through gunicorn (bench/soak_ballots.py, tiny run)")
