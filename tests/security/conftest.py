"""Security suite fixtures: the full data set of community A, with a fixed clock."""
import pytest

from tests.full_dataset import build_dataset
from tests.rounds_helpers import Clock


@pytest.fixture
def clock(app):
    clock = Clock()
    app.config["CLOCK_OVERRIDE"] = clock
    yield clock
    app.config.pop("CLOCK_OVERRIDE", None)


@pytest.fixture
def dataset(client, db, clock):
    return build_dataset(client, db, clock)
