"""Security suite fixtures: the full data set of community A, with a fixed clock."""
import pytest

from tests.full_dataset import build_dataset


@pytest.fixture
def dataset(client, db, clock):
    return build_dataset(client, db, clock)
